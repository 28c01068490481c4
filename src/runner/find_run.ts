/**
 * Finds runs in the cluster by label: the tracked resource of a run id (for
 * `kjo attach`) or a live run with the same identity labels (for
 * `kjo run --reattach`), and every resource of a found run.
 *
 * @module
 */

import { readResourceRefs, type ResourceRef } from "../body/mark_tracked.ts";
import { InputError } from "../errors.ts";
import type { KindRegistry } from "../kinds/kind_registry.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import type { RunEventInput } from "../output/run_event.ts";
import { collectionPath, objectPath, resolveResource } from "../kube/resource_paths.ts";
import { ApiError } from "../kube/api_error.ts";
import { RESOURCES_ANNOTATION, RUN_ID_LABEL, TRACKED_LABEL } from "../kube/labels.ts";

/** Options of {@linkcode findTrackedResources}. */
export interface FindTrackedOptions {
  client: KubeClient;
  namespace: string;
  /** Label selector the tracked resource must match (the tracked label is added). */
  selector: string;
  /** Kinds to look in; every kind with a state rule. */
  kinds: KindRegistry;
}

/**
 * Lists the tracked resources matching a selector, across every kind with a
 * state rule, newest first. Kinds the cluster does not serve are skipped.
 */
export async function findTrackedResources(options: FindTrackedOptions): Promise<KubeObject[]> {
  const { client, namespace } = options;
  const found: KubeObject[] = [];
  for (const ref of options.kinds.kinds()) {
    let info;
    try {
      info = await resolveResource(client, { ...ref, metadata: {} });
    } catch {
      continue; // a custom kind this cluster does not have
    }
    const list = await client.request<{ items?: KubeObject[] }>({
      path: collectionPath(info, info.namespaced ? namespace : undefined),
      query: { labelSelector: `${options.selector},${TRACKED_LABEL}=true` },
    });
    for (const item of list.items ?? []) {
      found.push({ ...item, apiVersion: ref.apiVersion, kind: ref.kind });
    }
  }
  return found.sort((a, b) =>
    String(b.metadata.creationTimestamp ?? "").localeCompare(
      String(a.metadata.creationTimestamp ?? ""),
    )
  );
}

/**
 * Every resource of the run a tracked resource belongs to, read back from the
 * cluster, the tracked one first. The `kjo/resources` annotation is only a
 * list of names anyone who can edit the tracked resource could change, so a
 * listed object is taken (and later deleted) only when it is the run's: it
 * carries the tracked resource's run id label and sits in the run's
 * namespace, or the tracked resource owns it (by uid). Others are left out
 * with a warning event; listed resources that are gone are left out.
 */
export async function loadRunResources(options: {
  client: KubeClient;
  namespace: string;
  tracked: KubeObject;
  /** Receives a warning for each listed object that is not the run's. */
  emit: (event: RunEventInput) => void;
}): Promise<KubeObject[]> {
  const { client, tracked } = options;
  const ignore = (ref: ResourceRef, why: string) =>
    options.emit({
      type: "info",
      level: "warning",
      message: `ignoring ${ref.kind}/${ref.name} listed in ${describeObject(tracked)}'s ` +
        `${RESOURCES_ANNOTATION} annotation: ${why}; it will not be followed or deleted`,
    });
  const runId = runIdOf(tracked);
  const namespace = tracked.metadata.namespace ?? options.namespace;
  const resources: KubeObject[] = [tracked];
  for (const ref of readResourceRefs(tracked).slice(1)) {
    let object: KubeObject;
    try {
      const info = await resolveResource(client, {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {},
      });
      object = await client.request<KubeObject>({
        path: objectPath(info, ref.name, info.namespaced ? ref.namespace ?? namespace : undefined),
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) continue;
      if (error instanceof InputError) {
        ignore(ref, "the cluster has no such kind");
        continue;
      }
      throw error;
    }
    const why = notOfRun(object, { runId, namespace, trackedUid: tracked.metadata.uid });
    if (why) {
      ignore(ref, why);
      continue;
    }
    resources.push({ ...object, apiVersion: ref.apiVersion, kind: ref.kind });
  }
  return resources;
}

/** Why `object` is not the run's, or `undefined` when it is. */
function notOfRun(
  object: KubeObject,
  run: { runId?: string; namespace: string; trackedUid?: string },
): string | undefined {
  const owned = run.trackedUid !== undefined &&
    (object.metadata.ownerReferences ?? []).some((r) => r.uid === run.trackedUid);
  if (!run.runId || object.metadata.labels?.[RUN_ID_LABEL] !== run.runId) {
    return `it does not carry the label ${RUN_ID_LABEL}=${run.runId ?? "?"}`;
  }
  if (owned || object.metadata.namespace === run.namespace) return undefined;
  return `it is not in the run's namespace ${run.namespace} nor owned by the tracked resource`;
}

/**
 * The run id of a resource (its `kjo/run-id` label).
 */
export function runIdOf(object: KubeObject): string | undefined {
  return object.metadata.labels?.[RUN_ID_LABEL];
}
