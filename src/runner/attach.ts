/**
 * `attach()`: follow a run that already exists (started by another kjo
 * process, perhaps one that was killed) to its end: same events, same
 * result, same cleanup as `run()`.
 *
 * @module
 */

import { KindRegistry } from "../kinds/kind_registry.ts";
import type { ResultEvent } from "../output/run_event.ts";
import { followRun } from "./follow_run.ts";
import type { RunOptions } from "./run_options.ts";
import { findRun, startSession, withResult } from "./_session.ts";

/** Options of {@linkcode attach}: a run id and how to follow it. */
export type AttachOptions =
  & Omit<RunOptions, "source" | "reattach" | "detach" | "identityLabels">
  & {
    /** The run to follow (its `kjo/run-id` label). */
    runId: string;
  };

/**
 * Finds the run `runId` in the namespace (its tracked resource, across every
 * kind with a state rule) and follows it like `run()` does: each container's
 * log from its start (or from `logsSince`), each line once, events, the
 * decision, the delete policy and the result. Aborting `signal` with the
 * reason `DETACH` (`"detach"`) stops following and deletes nothing, whatever
 * the delete policy (result `Detached`); any other reason deletes everything.
 *
 * @example
 * ```ts
 * const result = await attach({ runId: "k3f9x0q2m7ab", namespace: "jobs", deletePolicy: "Always" });
 * ```
 */
export async function attach(options: AttachOptions): Promise<ResultEvent> {
  return await withResult(options, options.runId, async (context) => {
    const { client, namespace, stop, interrupted } = startSession(options, context, {
      flag: options.namespace,
    });
    if (interrupted) return interrupted;
    const kinds = options.kinds ?? KindRegistry.withBuiltins();
    const created = await findRun({
      client,
      namespace,
      runId: options.runId,
      kinds,
      emit: context.emit,
      rulesHint: "--rules",
    });
    context.emit({
      type: "info",
      level: "info",
      message: `attached to run ${options.runId}: ${
        created.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")
      }`,
    });
    return await followRun({
      client,
      namespace,
      runId: options.runId,
      created,
      rule: kinds.require(created[0]),
      options,
      emit: context.emit,
      signal: stop.signal,
    });
  });
}
