/**
 * Finds runs in the cluster by label: the tracked resource of a run id (for
 * `kjo attach`) or a live run with the same identity labels (for
 * `kjo run --reattach`), and every resource of a found run.
 *
 * @module
 */

import { readResourceRefs } from "../body/mark_tracked.ts";
import type { KindRegistry } from "../kinds/kind_registry.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { collectionPath, objectPath, resolveResource } from "../kube/resource_paths.ts";
import { ApiError } from "../kube/api_error.ts";
import { RUN_ID_LABEL, TRACKED_LABEL } from "../kube/labels.ts";

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
 *
 * @example
 * ```ts
 * const [job] = await findTrackedResources({ client, namespace, selector: "kjo/run-id=abc", kinds });
 * ```
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
 * cluster, the tracked one first. Resources listed in its `kjo/resources`
 * annotation that are gone are left out.
 *
 * @example
 * ```ts
 * const created = await loadRunResources({ client, namespace, tracked: job });
 * ```
 */
export async function loadRunResources(
  options: { client: KubeClient; namespace: string; tracked: KubeObject },
): Promise<KubeObject[]> {
  const { client, namespace, tracked } = options;
  const resources: KubeObject[] = [tracked];
  for (const ref of readResourceRefs(tracked).slice(1)) {
    try {
      const info = await resolveResource(client, {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {},
      });
      const object = await client.request<KubeObject>({
        path: objectPath(info, ref.name, info.namespaced ? ref.namespace ?? namespace : undefined),
      });
      resources.push({ ...object, apiVersion: ref.apiVersion, kind: ref.kind });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) continue;
      throw error;
    }
  }
  return resources;
}

/**
 * The run id of a resource (its `kjo/run-id` label).
 *
 * @example
 * ```ts
 * runIdOf(job); // "k3f9x0q2m7ab"
 * ```
 */
export function runIdOf(object: KubeObject): string | undefined {
  return object.metadata.labels?.[RUN_ID_LABEL];
}
