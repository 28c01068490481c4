/**
 * Marks the first resource of a run as the tracked one, so that `kjo attach`
 * and `kjo run --reattach` can find a run and all of its resources later from
 * the cluster alone.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { RESOURCES_ANNOTATION, TRACKED_LABEL } from "../kube/labels.ts";

/** One resource of a run as listed in {@linkcode RESOURCES_ANNOTATION}. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * Adds the {@linkcode TRACKED_LABEL} and the {@linkcode RESOURCES_ANNOTATION}
 * (a JSON list of {@linkcode ResourceRef}, in apply order) to the first
 * object. Call after names and namespaces are final.
 */
export function markTrackedResource(objects: KubeObject[]): void {
  const first = objects[0];
  if (!first) return;
  const refs: ResourceRef[] = objects.map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: String(o.metadata.name),
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  }));
  first.metadata.labels = { ...first.metadata.labels, [TRACKED_LABEL]: "true" };
  first.metadata.annotations = {
    ...first.metadata.annotations,
    [RESOURCES_ANNOTATION]: JSON.stringify(refs),
  };
}

/**
 * Reads the {@linkcode RESOURCES_ANNOTATION} of a tracked resource; an empty
 * list when it is missing or unreadable.
 */
export function readResourceRefs(object: KubeObject): ResourceRef[] {
  const text = object.metadata.annotations?.[RESOURCES_ANNOTATION];
  if (!text) return [];
  try {
    const value = JSON.parse(text);
    return Array.isArray(value)
      ? value.filter((r) => r && typeof r.kind === "string" && typeof r.name === "string")
      : [];
  } catch {
    return [];
  }
}
