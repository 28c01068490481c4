/**
 * Text output (the default): what a person reads in a terminal or an Airflow
 * task log.
 *
 * - stdout: log lines as `pod/container | line`; on a colour terminal the
 *   pod and container names get a stable colour each (like stern). With
 *   `timestamps` (show_kubernetes_timestamps) the container runtime's
 *   timestamp follows the bar: `pod/container | 2026-…Z line`. With
 *   `apiEvents`, `::kube_api:` events are shown there too, as the line the
 *   container wrote.
 * - stderr: kjo's own lines, prefixed `[kjo]`: status changes
 *   (`[kjo] Job/x: Running`), Kubernetes events
 *   (`[kjo] event Pod/p Warning BackOff: …`), info (debug ones only with
 *   `debug`), and the result with the failure summary and XCom.
 *
 * Writes are buffered (see {@linkcode BufferedText}); when output switches
 * between stdout and stderr the other stream is flushed first, so a terminal
 * showing both keeps their order. Call {@linkcode TextWriter.close} at the
 * end (a result event flushes too).
 *
 * @module
 */

import type { RunEvent } from "./run_event.ts";
import { containerColor, paint, podColor } from "./ansi_colors.ts";
import { BufferedText, type BufferedTextOptions } from "./buffered_text.ts";
import type { EventWriter } from "./event_sink.ts";
import type { TextTarget } from "./text_target.ts";

/**
 * Options of {@linkcode TextWriter}.
 *
 * @example
 * ```ts
 * const options: TextWriterOptions = {
 *   stdout: denoStdout(), stderr: denoStderr(),
 *   color: { stdout: shouldUseColor(Deno.stdout), stderr: shouldUseColor(Deno.stderr) },
 *   timestamps: false,
 * };
 * ```
 */
export interface TextWriterOptions {
  stdout: TextTarget;
  stderr: TextTarget;
  /** Colour output (both streams, or each); default none. */
  color?: boolean | { stdout: boolean; stderr: boolean };
  /** Show the container runtime's timestamp of each log line. */
  timestamps?: boolean;
  /** Show `::kube_api:` events on stdout, as the line the container wrote. */
  apiEvents?: boolean;
  /** Show debug info events. */
  debug?: boolean;
  /** Prefix of kjo's own lines; default `[kjo]`. */
  prefix?: string;
  /** Buffering of both streams. */
  buffer?: BufferedTextOptions;
}

const STATE_COLORS: Record<string, number> = {
  Succeeded: 32,
  Failed: 31,
  Deleted: 31,
  TimedOut: 31,
  Error: 31,
  Interrupted: 33,
  Running: 36,
  Pending: 33,
  Created: 36,
};

function detail(reason?: string, message?: string): string {
  if (reason && message) return ` (${reason}: ${message})`;
  if (reason || message) return ` (${reason ?? message})`;
  return "";
}

/**
 * Formats one `pod/container | line` log line (without newline).
 *
 * @example
 * ```ts
 * formatLogLine({ pod: "p", container: "main", line: "hi" }); // "p/main | hi"
 * formatLogLine({ pod: "p", container: "main", line: "hi", ts: "2026-11-29T10:00:00Z" },
 *   { timestamps: true }); // "p/main | 2026-11-29T10:00:00Z hi"
 * ```
 */
export function formatLogLine(
  log: { pod: string; container: string; line: string; ts?: string },
  options: { color?: boolean; timestamps?: boolean } = {},
): string {
  const prefix = options.color
    ? `${paint(log.pod, podColor(log.pod))}/${paint(log.container, containerColor(log.container))}`
    : `${log.pod}/${log.container}`;
  const ts = options.timestamps && log.ts ? `${log.ts} ` : "";
  return `${prefix} | ${ts}${log.line}`;
}

/**
 * Writes run events as text.
 *
 * @example
 * ```ts
 * const out: string[] = [], err: string[] = [];
 * const writer = new TextWriter({ stdout: { write: (t) => void out.push(t) }, stderr: { write: (t) => void err.push(t) } });
 * writer.write({ type: "log", time: "2026-11-29T10:00:01.000Z", pod: "p", container: "main", line: "hello" });
 * writer.close(); // out: ["p/main | hello\n"]
 * ```
 */
export class TextWriter implements EventWriter {
  readonly #stdout: BufferedText;
  readonly #stderr: BufferedText;
  readonly #colorOut: boolean;
  readonly #colorErr: boolean;
  readonly #options: TextWriterOptions;
  readonly #prefix: string;
  #last: BufferedText | undefined;

  /** Creates a writer; see {@linkcode TextWriterOptions}. */
  constructor(options: TextWriterOptions) {
    this.#options = options;
    this.#stdout = new BufferedText(options.stdout, options.buffer);
    this.#stderr = new BufferedText(options.stderr, options.buffer);
    const color = options.color ?? false;
    this.#colorOut = typeof color === "boolean" ? color : color.stdout;
    this.#colorErr = typeof color === "boolean" ? color : color.stderr;
    const prefix = options.prefix ?? "[kjo]";
    this.#prefix = this.#colorErr ? paint(prefix, 2) : prefix;
  }

  /**
   * Writes one event.
   *
   * @example
   * ```ts
   * writer.write(stampEvent({ type: "status", resource: "Job/x", state: "Running" }));
   * // stderr: "[kjo] Job/x: Running"
   * ```
   */
  write(event: RunEvent): void {
    switch (event.type) {
      case "log":
        this.#out(
          formatLogLine(event, { color: this.#colorOut, timestamps: this.#options.timestamps }),
        );
        break;
      case "api_event":
        if (this.#options.apiEvents) {
          const line = `::kube_api:${event.name}=${event.value}`;
          this.#out(formatLogLine({ ...event, line }, { color: this.#colorOut }));
        }
        break;
      case "status":
        this.#err(
          `${event.resource}: ${this.#state(event.state)}${detail(event.reason, event.message)}`,
        );
        break;
      case "k8s_event": {
        const type = this.#colorErr && event.eventType === "Warning"
          ? paint(event.eventType, 33)
          : event.eventType;
        const count = event.count && event.count > 1 ? ` (x${event.count})` : "";
        this.#err(`event ${event.object} ${type} ${event.reason}: ${event.message}${count}`);
        break;
      }
      case "info": {
        if (event.level === "debug" && !this.#options.debug) break;
        const level = event.level === "info" ? "" : `${this.#level(event.level)}: `;
        this.#err(`${level}${event.message}`);
        break;
      }
      case "result":
        this.#result(event);
        break;
    }
  }

  /**
   * Writes everything buffered.
   *
   * @example
   * ```ts
   * writer.flush();
   * ```
   */
  flush(): void {
    this.#other(this.#last)?.flush();
    this.#last?.flush();
  }

  /**
   * Flushes and closes both streams.
   *
   * @example
   * ```ts
   * writer.close();
   * ```
   */
  close(): void {
    try {
      this.flush();
    } finally {
      this.#stdout.close();
      this.#stderr.close();
    }
  }

  #result(event: Extract<RunEvent, { type: "result" }>): void {
    const tracked = event.resources[0] ? `: ${event.resources[0]}` : "";
    this.#err(
      `${this.#state(event.state)}${tracked}${
        detail(event.reason, event.message)
      }, exit code ${event.exitCode}`,
    );
    for (const line of event.summary ?? []) this.#err(`  ${line}`);
    if (Object.keys(event.xcom).length > 0) this.#err(`xcom: ${JSON.stringify(event.xcom)}`);
    this.flush();
  }

  #state(state: string): string {
    const code = STATE_COLORS[state];
    return this.#colorErr && code ? paint(state, code) : state;
  }

  #level(level: string): string {
    if (!this.#colorErr) return level;
    return paint(level, level === "error" ? 31 : level === "warning" ? 33 : 2);
  }

  #other(stream: BufferedText | undefined): BufferedText | undefined {
    return stream === this.#stdout
      ? this.#stderr
      : stream === this.#stderr
      ? this.#stdout
      : undefined;
  }

  #switchTo(stream: BufferedText): void {
    if (this.#last !== stream) this.#other(stream)?.flush();
    this.#last = stream;
  }

  #out(line: string): void {
    this.#switchTo(this.#stdout);
    this.#stdout.write(`${line}\n`);
  }

  #err(line: string): void {
    this.#switchTo(this.#stderr);
    this.#stderr.write(`${this.#prefix} ${line}\n`);
  }
}
