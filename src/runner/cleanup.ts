/**
 * The end of a run: delete its resources per the delete policy and wait until
 * they and their pods are gone, so nothing of the run is left behind.
 *
 * @module
 */

import type { DeletePolicy } from "../config/settings.ts";
import { deleteResources } from "../kube/delete_resources.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { collectionPath, objectPath, resolveResource } from "../kube/resource_paths.ts";
import type { RunEventInput } from "../output/run_event.ts";
import { shouldDelete } from "./delete_policy.ts";

/** Options of {@linkcode cleanUpRun}. */
export interface CleanUpRunOptions {
  client: KubeClient;
  namespace: string;
  /** The run's objects as created. */
  created: KubeObject[];
  /** Selects the run's pods. */
  runLabelSelector: string;
  policy: DeletePolicy;
  succeeded: boolean;
  emit: (event: RunEventInput) => void;
  /** How long to wait for everything to be gone (default 60 s). */
  waitTimeoutMs?: number;
}

/**
 * Deletes the run's resources when the policy says so (propagation
 * Background, so the garbage collector removes pods and other dependents),
 * then waits until the resources and the run's pods are gone. Errors are
 * reported as warning events, never thrown: the run's result stands.
 *
 * @example
 * ```ts
 * await cleanUpRun({ client, namespace, created, runLabelSelector: "kjo/run-id=abc", policy: "IfSucceeded", succeeded: true, emit });
 * ```
 */
export async function cleanUpRun(options: CleanUpRunOptions): Promise<void> {
  const { client, namespace, created, emit } = options;
  if (created.length === 0) return;
  if (!shouldDelete(options.policy, options.succeeded)) {
    emit({
      type: "info",
      level: "info",
      message: `keeping ${
        created.map(describeObject).join(", ")
      } (delete policy ${options.policy})`,
    });
    return;
  }
  try {
    await deleteResources({ client, objects: created, namespace, propagationPolicy: "Background" });
    await waitUntilGone(options);
    for (const object of created) {
      emit({ type: "status", resource: describeObject(object), state: "Deleted" });
    }
  } catch (error) {
    emit({
      type: "info",
      level: "warning",
      message: `cleanup: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

async function waitUntilGone(options: CleanUpRunOptions): Promise<void> {
  const { client, namespace, created } = options;
  const deadline = Date.now() + (options.waitTimeoutMs ?? 60_000);
  const podInfo = await resolveResource(client, { apiVersion: "v1", kind: "Pod", metadata: {} });
  const paths = await Promise.all(created.map(async (object) => {
    const info = await resolveResource(client, object);
    return objectPath(
      info,
      object.metadata.name!,
      info.namespaced ? object.metadata.namespace ?? namespace : undefined,
    );
  }));
  while (Date.now() < deadline) {
    const remaining: string[] = [];
    for (const [i, path] of paths.entries()) {
      const found = await client.request({ path }).then(
        () => true,
        (e) => (e?.status === 404 ? false : true),
      );
      if (found) remaining.push(describeObject(created[i]));
    }
    const pods = await client.request<{ items?: KubeObject[] }>({
      path: collectionPath(podInfo, namespace),
      // One is enough to know some remain (a Job of thousands of pods would list them all).
      query: { labelSelector: options.runLabelSelector, limit: 1 },
    }).catch(() => ({ items: [{ metadata: { name: "?" } } as KubeObject] }));
    for (const pod of pods.items ?? []) remaining.push(`Pod/${pod.metadata.name}`);
    if (remaining.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `still present ${Math.round((options.waitTimeoutMs ?? 60_000) / 1000)}s after deletion`,
  );
}
