/**
 * The steps a run, an attach and a shared follow have in common: the
 * connection (kube config, client, namespace), an abort controller linked to
 * the caller's signal, turning any error into the result event, and finding
 * an existing run's resources.
 *
 * @module
 */

import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { createKubeClient, type KubeClient } from "../kube/kube_client.ts";
import { InputError } from "../errors.ts";
import type { KindRegistry } from "../kinds/kind_registry.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import {
  type EventSink,
  type ResultEvent,
  type RunEventInput,
  stampEvent,
} from "../output/run_event.ts";
import { errorResult, interruptedResult } from "./_result_events.ts";
import { findTrackedResources, loadRunResources } from "./find_run.ts";
import type { KubeConnectionOptions } from "./run_options.ts";

/** A connected client and the namespace to work in. */
export interface Session {
  client: KubeClient;
  namespace: string;
  kubeConfig: KubeConfig;
}

/**
 * Loads the kube config (no network), builds a client and resolves the
 * namespace: the flag, then the body's, then the context's, then the
 * service account's, then `default`.
 */
export function openSession(
  connection: KubeConnectionOptions,
  namespaces: { flag?: string; body?: string },
): Session {
  const kubeConfig = connection.kubeConfig ?? loadKubeConfig({
    kubeconfig: connection.kubeconfig,
    context: connection.context,
    inCluster: connection.inCluster,
    extraLocations: connection.extraLocations,
  }).kubeConfig;
  const namespace = resolveNamespace({
    flag: namespaces.flag,
    bodyNamespace: namespaces.body,
    kubeConfig,
  });
  return { client: createKubeClient(kubeConfig), namespace, kubeConfig };
}

/**
 * An abort controller that aborts (with the same reason) when `signal` does.
 */
export function linkedAbort(signal?: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller;
}

/** What {@linkcode startSession} gives: the session, its stop controller, and a result when already stopped. */
export interface StartedSession extends Session {
  /** Aborts when the caller's signal does. */
  stop: AbortController;
  /** The Interrupted result (nothing touched) when the caller's signal was already aborted. */
  interrupted?: ResultEvent;
}

/**
 * The first step of a run or an attach: opens the session
 * ({@linkcode openSession}), registers its client with the step context so it
 * is closed at the end, and links a stop controller to the caller's signal.
 * A signal aborted before anything happened gives `interrupted`, the result
 * to return at once.
 */
export function startSession(
  options: KubeConnectionOptions & { signal?: AbortSignal },
  context: StepContext,
  namespaces: { flag?: string; body?: string },
): StartedSession {
  const session = openSession(options, namespaces);
  context.setClient(session.client);
  const stop = linkedAbort(options.signal);
  const interrupted = stop.signal.aborted
    ? interruptedResult(stop.signal.reason, {
      runId: context.runId,
      namespace: session.namespace,
      resources: [],
    })
    : undefined;
  return { ...session, stop, ...(interrupted ? { interrupted } : {}) };
}

/** What the steps of a run or an attach get. */
export interface StepContext {
  runId: string;
  emit: (event: RunEventInput) => void;
  /** Registers the client so it is closed at the end. */
  setClient: (client: KubeClient) => void;
}

/**
 * Runs `steps`, turning any error into a result event, emits the result and
 * closes the client registered with the context.
 */
export async function withResult(
  options: { onEvent?: EventSink },
  runId: string,
  steps: (context: StepContext) => Promise<ResultEvent>,
): Promise<ResultEvent> {
  const sink: EventSink = options.onEvent ?? (() => {});
  let client: KubeClient | undefined;
  let result: ResultEvent;
  try {
    result = await steps({
      runId,
      emit: (event) => sink(stampEvent(event)),
      setClient: (c) => client = c,
    });
  } catch (error) {
    result = errorResult(error, { runId, resources: [] });
  } finally {
    client?.close();
  }
  sink(result);
  return result;
}

/** Options of {@linkcode findRun}. */
export interface FindRunOptions {
  client: KubeClient;
  namespace: string;
  /** The run's `kjo/run-id` label. */
  runId: string;
  /** Rules of the kinds a tracked resource may have. */
  kinds: KindRegistry;
  emit: (event: RunEventInput) => void;
  /** Where to point users for custom kinds, in the missing-run error. */
  rulesHint: string;
  /**
   * Whether a missing run is an error; when false it gives no resources.
   * @default {true}
   */
  required?: boolean;
}

/**
 * Finds run `runId`'s tracked resource and loads the run's resources (the
 * tracked one first). Throws {@linkcode InputError} when the run has no
 * tracked resource in the namespace (unless `required` is false: then it
 * gives none).
 */
export async function findRun(options: FindRunOptions): Promise<KubeObject[]> {
  const { client, namespace, runId, kinds } = options;
  const [tracked] = await findTrackedResources({
    client,
    namespace,
    selector: `${RUN_ID_LABEL}=${runId}`,
    kinds,
  });
  if (!tracked) {
    if (options.required === false) return [];
    throw new InputError(
      `no run ${runId} in namespace ${namespace} (looked for ${
        kinds.kinds().map((k) => k.kind).join(", ")
      } labelled ${RUN_ID_LABEL}=${runId}; custom kinds need ${options.rulesHint})`,
    );
  }
  return await loadRunResources({ client, namespace, tracked, emit: options.emit });
}
