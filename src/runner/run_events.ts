/**
 * `run()` as an async iterable of its events, for callers that prefer
 * `for await` to a callback.
 *
 * @module
 */

import type { ResultEvent, RunEvent } from "../output/run_event.ts";
import { run } from "./run.ts";
import type { RunOptions } from "./run_options.ts";

/** The events of a run as they happen, and its result. */
export interface RunEventStream extends AsyncIterable<RunEvent> {
  /** Resolves with the result once the run has ended. */
  readonly result: Promise<ResultEvent>;
}

/**
 * Starts a run and returns its events as an async iterable (the last one is
 * the result). Events are buffered until read, so none is lost; `onEvent` in
 * `options`, if given, is called too.
 *
 * @example
 * ```ts
 * for await (const event of runEvents({ source: { bodyFile: "job.yaml" } })) {
 *   if (event.type === "log") console.log(`${event.pod}: ${event.line}`);
 *   if (event.type === "result") console.log("exit code", event.exitCode);
 * }
 * ```
 */
export function runEvents(options: RunOptions): RunEventStream {
  const queue: RunEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const result = run({
    ...options,
    onEvent: (event) => {
      options.onEvent?.(event);
      queue.push(event);
      wake?.();
    },
  }).finally(() => {
    ended = true;
    wake?.();
  });
  return {
    result,
    async *[Symbol.asyncIterator]() {
      while (true) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
    },
  };
}
