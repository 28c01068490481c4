/**
 * One run: build the body, apply it (or reattach to a live run with the same
 * identity), then follow it to the end (see `follow_run.ts`).
 *
 * @module
 */

import { buildBody } from "../body/build_body.ts";
import { ExitCode, InputError } from "../errors.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import type { StateRule } from "../kinds/resource_state.ts";
import { applyResources } from "../kube/apply_resources.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { type ResultEvent, resultEvent } from "../output/run_event.ts";
import { findTrackedResources, loadRunResources, runIdOf } from "./find_run.ts";
import { cleanUpRun } from "./cleanup.ts";
import { followRun } from "./follow_run.ts";
import { errorResult, interruptedResult } from "./_result_events.ts";
import { newRunId } from "./run_id.ts";
import type { RunOptions } from "./run_options.ts";
import { startSession, type StepContext, withResult } from "./_session.ts";

/**
 * Runs a task as Kubernetes resources and resolves to its result. Never
 * rejects for expected failures: bad input (exit code 2), cluster errors
 * (3), failed runs (1) and interruptions (130/143) are results too. Every
 * event, the result last, goes to `options.onEvent`.
 *
 * @example
 * ```ts
 * const result = await run({
 *   source: { image: "busybox", command: ["sh", "-c", "echo hello"] },
 *   kubeconfig: ".devcluster/kubeconfig",
 *   onEvent: (e) => e.type === "log" && console.log(e.line),
 * });
 * console.log(result.state, result.exitCode);
 * ```
 */
export async function run(options: RunOptions): Promise<ResultEvent> {
  return await withResult(
    options,
    options.runId ?? newRunId(),
    (context) => runSteps(options, context),
  );
}

async function runSteps(options: RunOptions, context: StepContext): Promise<ResultEvent> {
  const { emit } = context;
  const identity = options.identityLabels ?? {};
  if (options.reattach && Object.keys(identity).length === 0) {
    throw new InputError(
      "--reattach needs identity labels (--identity-label KEY=VALUE) to find a live run",
    );
  }
  const objects = await buildBody({
    ...options,
    labels: { ...options.labels, ...identity },
    runId: context.runId,
  });
  const kinds = options.kinds ?? KindRegistry.withBuiltins();
  const rule = kinds.require(objects[0]);
  const { client, namespace, stop, interrupted } = startSession(options, context, {
    flag: options.namespace,
    body: objects[0].metadata.namespace,
  });
  if (interrupted) return interrupted;

  let runId = context.runId;
  let created: KubeObject[] | undefined;
  let createdNow = false;
  if (options.reattach) {
    const live = await findLiveRun({ client, namespace, identity, kinds, rule });
    if (live) {
      runId = runIdOf(live) ?? runId;
      created = await loadRunResources({
        client,
        namespace,
        tracked: live,
        emit,
      });
      emit({
        type: "info",
        level: "info",
        message: `reattaching to live run ${runId} (${
          describeObject(live)
        }, created ${live.metadata.creationTimestamp})`,
      });
    }
  }
  if (!created) {
    emit({
      type: "info",
      level: "info",
      message: `run ${runId}: creating ${
        objects.map(describeObject).join(", ")
      } in namespace ${namespace}`,
    });
    const applied = await applyOrCleanUp({ client, namespace, runId, objects, emit, stop });
    if (applied.result) return applied.result;
    created = applied.created;
    createdNow = true;
  }
  if (options.detach) {
    return resultEvent({
      state: "Submitted",
      exitCode: ExitCode.Succeeded,
      message: `submitted; follow it with: kjo attach --run-id ${runId} -n ${namespace}`,
      xcom: {},
      resources: created.map(describeObject),
      namespace,
      runId,
    });
  }
  return await followRun({
    client,
    namespace,
    runId,
    created,
    rule,
    options,
    emit,
    signal: stop.signal,
    createdNow,
  });
}

/**
 * Applies the body; when that fails or is interrupted after a create was
 * sent, deletes what was created and what an in-flight create may have made
 * (found by the run's label), and returns the result saying so.
 */
async function applyOrCleanUp(apply: {
  client: KubeClient;
  namespace: string;
  runId: string;
  objects: KubeObject[];
  emit: StepContext["emit"];
  stop: AbortController;
}): Promise<{ created: KubeObject[]; result?: undefined } | { result: ResultEvent }> {
  const { client, namespace, runId, objects, emit, stop } = apply;
  const attempted: KubeObject[] = [];
  const made: KubeObject[] = [];
  try {
    const created = await applyResources({
      client,
      objects,
      namespace,
      signal: stop.signal,
      onCreating: (object) => attempted.push(object),
      onCreated: (object) => {
        made.push(object);
        emit({ type: "status", resource: describeObject(object), state: "Created" });
      },
    });
    return { created };
  } catch (error) {
    const interrupted = stop.signal.aborted;
    const common = { runId, namespace, resources: made.map(describeObject) };
    if (attempted.length === 0) {
      return {
        result: interrupted
          ? interruptedResult(stop.signal.reason, common)
          : errorResult(error, common),
      };
    }
    const cleanup = await cleanUpRun({
      client,
      namespace,
      runId,
      created: made,
      attempted,
      policy: "Always",
      succeeded: false,
      emit,
      // A create aborted in flight may still land: listings must stay empty this long.
      settleMs: made.length < attempted.length ? IN_FLIGHT_SETTLE_MS : 0,
    });
    return {
      result: interrupted
        ? interruptedResult(stop.signal.reason, common, [], cleanup)
        : errorResult(error, common, cleanup),
    };
  }
}

/** How long listings by label must stay empty after a create was aborted in flight. */
const IN_FLIGHT_SETTLE_MS = 1_000;

async function findLiveRun(options: {
  client: KubeClient;
  namespace: string;
  identity: Record<string, string>;
  kinds: KindRegistry;
  rule: StateRule;
}): Promise<KubeObject | undefined> {
  const selector = Object.entries(options.identity).map(([k, v]) => `${k}=${v}`).join(",");
  const candidates = await findTrackedResources({ ...options, selector });
  return candidates.find((object) => {
    if (object.metadata.deletionTimestamp) return false;
    const state = options.kinds.lookup(object)?.(object).state;
    return state === "Pending" || state === "Running";
  });
}
