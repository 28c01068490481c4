/**
 * Runs the kjo CLI as a separate process against the local cluster, for
 * integration tests, and parses its JSON-lines output.
 *
 * @module
 */

import type { RunEvent } from "../../src/output/run_event.ts";
import { kubeconfigPath, repoRoot } from "./_cluster.ts";

/** What a kjo process did. */
export interface KjoOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Parsed stdout lines when run with `-o jsonl`. */
  events: RunEvent[];
}

/**
 * Starts `kjo ARGS` with the local cluster's kubeconfig; returns the child
 * process and a promise of its outcome.
 *
 * @example
 * ```ts
 * const { outcome } = startKjo(["run", "-f", "fixtures/job_hello.yaml", "-o", "jsonl"]);
 * const { code, events } = await outcome;
 * ```
 */
export function startKjo(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): { child: Deno.ChildProcess; outcome: Promise<KjoOutcome> } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${repoRoot}cli.ts`, ...args],
    cwd: repoRoot,
    env: { KUBECONFIG: kubeconfigPath, NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close());
  }
  const outcome = child.output().then((out) => {
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    const events: RunEvent[] = [];
    if (args.includes("jsonl")) {
      for (const line of stdout.split("\n")) if (line.trim()) events.push(JSON.parse(line));
    }
    return { code: out.code, stdout, stderr, events };
  });
  return { child, outcome };
}

/**
 * Runs `kjo ARGS` to its end.
 *
 * @example
 * ```ts
 * const { code } = await kjo(["run", "--image", "busybox", "--", "true"]);
 * ```
 */
export function kjo(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<KjoOutcome> {
  return startKjo(args, options).outcome;
}

/** The events of one type. */
export function eventsOf<T extends RunEvent["type"]>(
  events: RunEvent[],
  type: T,
): Extract<RunEvent, { type: T }>[] {
  return events.filter((e) => e.type === type) as Extract<RunEvent, { type: T }>[];
}

/** The result event (the last line). */
export function resultOf(events: RunEvent[]): Extract<RunEvent, { type: "result" }> {
  const last = events.at(-1);
  if (last?.type !== "result") {
    throw new Error(`the last event is not a result: ${JSON.stringify(last)}`);
  }
  return last;
}
