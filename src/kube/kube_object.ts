/**
 * The shape of a Kubernetes object as kjo handles it: plain JSON, as parsed
 * from a body or returned by the API server.
 *
 * @module
 */

/** Owner reference as stored in `metadata.ownerReferences`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Standard object metadata; only the fields kjo reads or writes are typed. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [field: string]: unknown;
}

/**
 * Any Kubernetes object.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/**
 * A short human name for an object: `Kind/name`, e.g. `Job/build-x1y2`.
 */
export function describeObject(object: Pick<KubeObject, "kind" | "metadata">): string {
  return `${object.kind}/${object.metadata?.name ?? object.metadata?.generateName ?? "?"}`;
}
