/**
 * A `kjo serve` process for integration and fault tests: requests written
 * one at a time (stdin stays open until `end()`), stdout lines parsed as
 * they come, and a watchdog that kills it (SIGKILL) after `limitMs`.
 *
 * @module
 */

import type { RunEvent } from "../../src/output/run_event.ts";
import { kubeconfigPath, repoRoot } from "./_cluster.ts";
import { collectJsonLines } from "../_json_lines.ts";

/** A line `kjo serve` wrote. */
export type ServeLine = RunEvent & { id?: string | number; message?: string };

/** A running `kjo serve`. */
export interface ServeProcess {
  child: Deno.ChildProcess;
  /** Every stdout line so far, parsed. */
  lines: ServeLine[];
  /** Writes one request line (objects are JSON-encoded). */
  send(request: unknown): Promise<void>;
  /** Closes stdin. */
  end(): Promise<void>;
  /** The result event of request `id`, once written. */
  resultOf(id: string | number): Extract<RunEvent, { type: "result" }> | undefined;
  /** The lines of request `id`. */
  of(id: string | number): ServeLine[];
  /** Waits for the exit; `killed` tells whether the watchdog did it. */
  done(): Promise<{ code: number; stderr: string; killed: boolean }>;
}

/**
 * Starts `kjo serve ARGS`.
 *
 * @example
 * ```ts
 * const serve = startServe(["-n", "jobs"]);
 * await serve.send({ op: "ping" });
 * await serve.end();
 * await serve.done();
 * ```
 */
export function startServe(
  args: string[],
  options: { kubeconfig?: string; limitMs?: number } = {},
): ServeProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${repoRoot}cli.ts`, "serve", ...args],
    cwd: repoRoot,
    env: { KUBECONFIG: options.kubeconfig ?? kubeconfigPath, NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    try {
      child.kill("SIGKILL");
    } catch { /* ended */ }
  }, options.limitMs ?? 300_000);
  const writer = child.stdin.getWriter();
  const lines: ServeLine[] = [];
  const reading = collectJsonLines(child.stdout, lines);
  const stderr = new Response(child.stderr).text();
  return {
    child,
    lines,
    send: (request) =>
      writer.write(
        new TextEncoder().encode(
          (typeof request === "string" ? request : JSON.stringify(request)) + "\n",
        ),
      ),
    end: () => writer.close(),
    resultOf: (id) =>
      lines.find((l) => l.type === "result" && l.id === id) as
        | Extract<RunEvent, { type: "result" }>
        | undefined,
    of: (id) => lines.filter((l) => l.id === id),
    done: async () => {
      const status = await child.status;
      clearTimeout(watchdog);
      await reading;
      return { code: status.code, stderr: await stderr, killed };
    },
  };
}
