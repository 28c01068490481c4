/**
 * Ordering of one object's copies by `metadata.resourceVersion`.
 *
 * @module
 */

/**
 * Whether `version` is newer than `previous` for the same object. Kubernetes
 * resourceVersions are opaque strings; the API servers in use (etcd-backed)
 * give integers that grow with every write, so two integers are compared as
 * numbers. Anything else counts as newer unless equal, so a copy is never
 * lost for not being comparable.
 */
export function isNewer(version: string | undefined, previous: string | undefined): boolean {
  if (previous === undefined || version === undefined) return true;
  if (/^\d+$/.test(version) && /^\d+$/.test(previous)) return BigInt(version) > BigInt(previous);
  return version !== previous;
}
