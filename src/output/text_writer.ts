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
 *   (`[kjo] event Pod/p Warning BackOff: …`; by default only those that are
 *   not `Normal`, see `events`), info (debug ones only with `debug`), and the
 *   result with the failure summary and XCom.
 *
 * A repeated Kubernetes event (same object, type, reason and message: a
 * higher count, or another Event object with the same text) is folded: when
 * stderr is a terminal and the event's line is still the last one written,
 * that line is replaced by the new count; otherwise the repeat is printed only
 * when its count reaches the next power of two (x2, x4, x8, …), so n repeats
 * cost about log2(n) lines.
 *
 * Writes are buffered (see {@linkcode BufferedText}); when output switches
 * between stdout and stderr the other stream is flushed first, so a terminal
 * showing both keeps their order. Call {@linkcode TextWriter.close} at the
 * end (a result event flushes too).
 *
 * @module
 */

import type { K8sEvent, RunEvent } from "./run_event.ts";
import { containerColor, paint, podColor } from "./ansi_colors.ts";
import { BufferedText, type BufferedTextOptions } from "./buffered_text.ts";
import type { EventWriter } from "./event_sink.ts";
import type { EventMode } from "../choices.ts";
import { showsEvent } from "./event_filter.ts";
import { EventRepeats, isRepeatMilestone } from "./_event_repeats.ts";
import type { TerminalInfo, TextTarget } from "./text_target.ts";

/**
 * Options of {@linkcode TextWriter}.
 */
export interface TextWriterOptions {
  stdout: TextTarget;
  stderr: TextTarget;
  /**
   * Colour output (both streams, or each).
   *
   * @default {false}
   */
  color?: boolean | { stdout: boolean; stderr: boolean };
  /**
   * Show the container runtime's timestamp of each log line.
   *
   * @default {false}
   */
  timestamps?: boolean;
  /**
   * Show `::kube_api:` events on stdout, as the line the container wrote.
   *
   * @default {false}
   */
  apiEvents?: boolean;
  /**
   * Show debug info events.
   *
   * @default {false}
   */
  debug?: boolean;
  /**
   * Which Kubernetes events to show: `all`, `warnings` (all but `Normal`)
   * or `none`.
   * @default {"warnings"}
   */
  events?: EventMode;
  /**
   * Prefix of kjo's own lines.
   *
   * @default {"[kjo]"}
   */
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

/** Control characters: text holding them cannot be measured in terminal rows. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

function detail(reason?: string, message?: string): string {
  if (reason && message) return ` (${reason}: ${message})`;
  if (reason || message) return ` (${reason ?? message})`;
  return "";
}

/**
 * Formats one `pod/container | line` log line (without newline).
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
 * @example Write events as text lines to two string sinks
 * ```ts
 * import { TextWriter } from "./text_writer.ts";
 *
 * const out: string[] = [];
 * const err: string[] = [];
 * const writer = new TextWriter({
 *   stdout: { write: (text) => void out.push(text) },
 *   stderr: { write: (text) => void err.push(text) },
 * });
 * writer.write({
 *   type: "log",
 *   time: "2026-11-29T10:00:01.000Z",
 *   pod: "p",
 *   container: "main",
 *   line: "hello",
 * });
 * writer.close();
 * console.log(out); // ["p/main | hello\n"]
 * ```
 */
export class TextWriter implements EventWriter {
  readonly #stdout: BufferedText;
  readonly #stderr: BufferedText;
  readonly #colorOut: boolean;
  readonly #colorErr: boolean;
  readonly #options: TextWriterOptions;
  readonly #prefix: string;
  readonly #plainPrefix: string;
  readonly #events: EventMode;
  readonly #repeats = new EventRepeats();
  #last: BufferedText | undefined;
  /** The last line written, when it was an event's: its key and its width in characters. */
  #lastEvent: { key: string; width: number } | undefined;

  /** Creates a writer; see {@linkcode TextWriterOptions}. */
  constructor(options: TextWriterOptions) {
    this.#options = options;
    this.#stdout = new BufferedText(options.stdout, options.buffer);
    this.#stderr = new BufferedText(options.stderr, options.buffer);
    const color = options.color ?? false;
    this.#colorOut = typeof color === "boolean" ? color : color.stdout;
    this.#colorErr = typeof color === "boolean" ? color : color.stderr;
    const prefix = options.prefix ?? "[kjo]";
    this.#plainPrefix = prefix;
    this.#prefix = this.#colorErr ? paint(prefix, 2) : prefix;
    this.#events = options.events ?? "warnings";
  }

  /**
   * Writes one event.
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
      case "k8s_event":
        this.#event(event);
        break;
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
   */
  flush(): void {
    this.#other(this.#last)?.flush();
    this.#last?.flush();
  }

  /**
   * Flushes and closes both streams.
   */
  close(): void {
    try {
      this.flush();
    } finally {
      this.#stdout.close();
      this.#stderr.close();
    }
  }

  #event(event: K8sEvent): void {
    if (!showsEvent(this.#events, event.eventType)) return;
    const key = `${event.object}\0${event.eventType}\0${event.reason}\0${event.message}`;
    const { total: count, shown } = this.#repeats.see(key, event.count ?? 1);
    const type = this.#colorErr && event.eventType === "Warning"
      ? paint(event.eventType, 33)
      : event.eventType;
    const times = count > 1 ? ` (x${count})` : "";
    const text = (type: string) =>
      `event ${event.object} ${type} ${event.reason}: ${event.message}${times}`;
    const line = text(type);
    const terminal = shown === undefined ? undefined : this.#options.stderr.terminal?.();
    const previous = this.#lastEvent;
    const measurable = !CONTROL.test(event.object + event.eventType + event.reason + event.message);
    if (terminal && measurable && previous?.key === key) {
      this.#replaceLast(previous.width, line, terminal);
    } else if (shown === undefined || isRepeatMilestone(shown, count)) {
      this.#err(line);
    } else {
      return;
    }
    this.#repeats.markShown(key, count);
    this.#lastEvent = { key, width: [...`${this.#plainPrefix} ${text(event.eventType)}`].length };
  }

  /** Moves the cursor up over the last line (all the rows its `width` took), clears to the end, writes `line`. */
  #replaceLast(width: number, line: string, terminal: TerminalInfo): void {
    const rows = terminal.columns ? Math.max(1, Math.ceil(width / terminal.columns)) : 1;
    this.#switchTo(this.#stderr);
    this.#stderr.write(`\r\x1b[${rows}A\x1b[J${this.#prefix} ${line}\n`);
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
    this.#lastEvent = undefined;
    this.#switchTo(this.#stdout);
    this.#stdout.write(`${line}\n`);
  }

  #err(line: string): void {
    this.#lastEvent = undefined;
    this.#switchTo(this.#stderr);
    this.#stderr.write(`${this.#prefix} ${line}\n`);
  }
}
