/**
 * The connection part of a run or an attach: kube config, client, namespace,
 * and an abort controller linked to the caller's signal.
 *
 * @module
 */

import type { KubeConfig } from "@kubernetes/client-node";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { createKubeClient, type KubeClient } from "../kube/kube_client.ts";
import type { ResultEvent } from "../output/run_event.ts";
import { interruptedResult } from "./_result_events.ts";
import type { StepContext } from "./run.ts";
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
 *
 * @example
 * ```ts
 * const { client, namespace } = openSession({ kubeconfig: ".devcluster/kubeconfig" }, { flag: "jobs" });
 * ```
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
 *
 * @example
 * ```ts
 * const stop = linkedAbort(options.signal);
 * ```
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
 *
 * @example
 * ```ts
 * const { client, namespace, stop, interrupted } = startSession(options, context, { flag: "jobs" });
 * if (interrupted) return interrupted;
 * ```
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
