/**
 * One run: build the body, apply it, track the first resource and the pods of
 * the run, relay logs and events, decide, summarise a failure, clean up.
 *
 * @module
 */

import { buildBody } from "../body/build_body.ts";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { ExitCode, KjoError } from "../errors.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import { XComCollector } from "../logs/xcom_collector.ts";
import { applyResources } from "../kube/apply_resources.ts";
import { createKubeClient, type KubeClient } from "../kube/kube_client.ts";
import { describeObject } from "../kube/kube_object.ts";
import { type EventSink, type ResultEvent, type RunEventInput, stampEvent } from "../output/run_event.ts";
import { cleanUpRun } from "./cleanup.ts";
import { exitCodeForSignal, type StopSignal } from "./signals.ts";
import { newRunId, RUN_ID_LABEL } from "./run_id.ts";
import type { RunOptions } from "./run_options.ts";
import { trackRun } from "./track_run.ts";

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
  const sink: EventSink = options.onEvent ?? (() => {});
  const emit = (event: RunEventInput) => sink(stampEvent(event));
  const runId = options.runId ?? newRunId();
  let client: KubeClient | undefined;
  let result: ResultEvent;
  try {
    result = await runSteps(options, { runId, emit, setClient: (c) => client = c });
  } catch (error) {
    result = errorResult(error, runId);
  } finally {
    client?.close();
  }
  sink(result);
  return result;
}

interface StepContext {
  runId: string;
  emit: (event: RunEventInput) => void;
  setClient: (client: KubeClient) => void;
}

async function runSteps(options: RunOptions, context: StepContext): Promise<ResultEvent> {
  const { runId, emit } = context;
  const objects = await buildBody({ ...options, runId });
  const kinds = options.kinds ?? KindRegistry.withBuiltins();
  const rule = kinds.require(objects[0]);

  const kubeConfig = options.kubeConfig ?? loadKubeConfig({
    kubeconfig: options.kubeconfig,
    context: options.context,
    inCluster: options.inCluster,
    extraLocations: options.extraLocations,
  }).kubeConfig;
  const namespace = resolveNamespace({
    flag: options.namespace,
    bodyNamespace: objects[0].metadata.namespace,
    kubeConfig,
  });
  const client = createKubeClient(kubeConfig);
  context.setClient(client);
  const base = { runId, namespace, resources: objects.map(describeObject) };

  const stop = linkedAbort(options.signal);
  if (stop.signal.aborted) return interruptedResult(stop.signal.reason, base, {});

  emit({ type: "info", level: "info", message: `run ${runId}: creating ${base.resources.join(", ")} in namespace ${namespace}` });
  const created = await applyResources({ client, objects, namespace, signal: stop.signal });
  for (const object of created) emit({ type: "status", resource: describeObject(object), state: "Created" });
  const resources = created.map(describeObject);

  const xcom = new XComCollector();
  const tracking = await trackRun({
    client,
    namespace,
    created,
    rule,
    runLabelSelector: `${RUN_ID_LABEL}=${runId}`,
    options,
    xcom,
    emit,
    signal: stop.signal,
  });

  const interrupted = stop.signal.aborted;
  const succeeded = !interrupted && tracking.verdict?.state === "Succeeded" && tracking.lineErrors.length === 0;
  await cleanUpRun({
    client,
    namespace,
    created,
    runLabelSelector: `${RUN_ID_LABEL}=${runId}`,
    policy: interrupted ? "Always" : options.deletePolicy ?? "IfSucceeded",
    succeeded,
    emit,
  });

  const common = { ...base, resources, xcom: xcom.toObject() };
  if (interrupted) return interruptedResult(stop.signal.reason, common, tracking);
  const verdict = tracking.verdict!;
  if (verdict.state === "Succeeded" && tracking.lineErrors.length > 0) {
    return stampEvent({
      type: "result",
      state: "Failed",
      exitCode: ExitCode.Failed,
      reason: "InvalidKubeApiEvent",
      message: tracking.lineErrors[0],
      summary: tracking.lineErrors,
      ...common,
    }) as ResultEvent;
  }
  return stampEvent({
    type: "result",
    state: verdict.state,
    exitCode: verdict.state === "Succeeded" ? ExitCode.Succeeded : ExitCode.Failed,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.message ? { message: verdict.message } : {}),
    ...(tracking.summary.length > 0 ? { summary: tracking.summary } : {}),
    ...common,
  }) as ResultEvent;
}

function linkedAbort(signal?: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller;
}

function interruptedResult(
  reason: unknown,
  common: { runId: string; namespace: string; resources: string[]; xcom?: Record<string, unknown> },
  tracking: { summary?: string[] },
): ResultEvent {
  const signal: StopSignal = reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  return stampEvent({
    type: "result",
    state: "Interrupted",
    exitCode: exitCodeForSignal(signal),
    reason: signal,
    message: `interrupted by ${signal}; the run's resources were deleted`,
    ...(tracking.summary?.length ? { summary: tracking.summary } : {}),
    xcom: {},
    ...common,
  }) as ResultEvent;
}

function errorResult(error: unknown, runId: string): ResultEvent {
  const known = error instanceof KjoError;
  return stampEvent({
    type: "result",
    state: "Error",
    exitCode: known ? error.exitCode : ExitCode.Infrastructure,
    reason: known ? error.name : "UnexpectedError",
    message: error instanceof Error ? (known ? error.message : String(error.stack ?? error)) : String(error),
    xcom: {},
    resources: [],
    runId,
  }) as ResultEvent;
}

