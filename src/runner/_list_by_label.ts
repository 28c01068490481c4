/**
 * Listing the objects of one kind by label selector, page by page: the one
 * listing `kjo cleanup` and the end of a run share.
 *
 * @module
 */

import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { collectionPath, resolveResource, type ResourceInfo } from "../kube/resource_paths.ts";

/** A kind, and the namespace to look in (`undefined`: every namespace, or cluster-scoped). */
export interface Place {
  info: ResourceInfo;
  namespace?: string;
}

/** Page size of every label listing. */
const PAGE_SIZE = 500;

/**
 * Every object of `place` matching `selector`, with `apiVersion` and `kind`
 * set (list items carry neither). Errors are the client's.
 */
export async function listByLabel(
  client: KubeClient,
  place: Place,
  selector: string,
): Promise<KubeObject[]> {
  const { info } = place;
  const found: KubeObject[] = [];
  let next: string | undefined;
  do {
    const page = await client.request<
      { items?: KubeObject[]; metadata?: { continue?: string } }
    >({
      path: collectionPath(info, info.namespaced ? place.namespace : undefined),
      query: { labelSelector: selector, limit: PAGE_SIZE, continue: next },
    });
    for (const item of page?.items ?? []) {
      found.push({ ...item, apiVersion: info.apiVersion, kind: info.kind });
    }
    next = page?.metadata?.continue || undefined;
  } while (next);
  return found;
}

/**
 * The places of `objects` (each kind once per namespace), for listing them
 * again by label.
 */
export async function placesOf(
  client: KubeClient,
  objects: readonly KubeObject[],
  namespace: string,
): Promise<Place[]> {
  const places = new Map<string, Place>();
  for (const object of objects) {
    const info = await resolveResource(client, object);
    const ns = info.namespaced ? object.metadata?.namespace || namespace : undefined;
    places.set(`${info.apiVersion}/${info.kind}@${ns ?? ""}`, { info, namespace: ns });
  }
  return [...places.values()];
}
