/**
 * The resources of a body as reference targets: each one's kind, API group,
 * name before and after kjo renamed it, and namespace. Private to
 * `src/body/`; used by `rewriteReferences` and `rewriteSelectors`.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { CLUSTER_SCOPED_KINDS } from "./augment_metadata.ts";

/**
 * `metadata.name` and `metadata.namespace` of a resource as the body wrote
 * them, before kjo named it and set its namespace.
 */
export interface OriginalMetadata {
  /** The body's `metadata.name` (anything; only a non-empty string counts). */
  name?: unknown;
  /** The body's `metadata.namespace` (anything; only a string counts). */
  namespace?: unknown;
}

/** One resource of the body as a reference target. */
export interface Sibling {
  kind: string;
  /** API group from `apiVersion` (`""` for the core group). */
  group: string;
  /** The name the body gave it. */
  from: string;
  /** The name kjo gave it. */
  to: string;
  /** The final namespace (`""` when unknown or cluster-scoped). */
  namespace: string;
  /** The body's namespace (`""` when the body gave none). */
  originalNamespace: string;
}

/**
 * The API group a reference to each kind expects. A resource of a known kind
 * from another group (a custom `Secret` kind, say) is no reference target.
 */
const TARGET_GROUPS: ReadonlyMap<string, string> = new Map([
  ["ConfigMap", ""],
  ["Secret", ""],
  ["ServiceAccount", ""],
  ["PersistentVolumeClaim", ""],
  ["Service", ""],
  ["Job", "batch"],
  ["Role", "rbac.authorization.k8s.io"],
  ["ClusterRole", "rbac.authorization.k8s.io"],
]);

/** The API group of an `apiVersion`: `"batch/v1"` → `"batch"`, `"v1"` → `""`. */
export function apiGroup(apiVersion: unknown): string {
  if (typeof apiVersion !== "string") return "";
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/** The namespace of an object as a comparable string (`""` when unset or cluster-scoped). */
export function namespaceOf(object: KubeObject): string {
  if (CLUSTER_SCOPED_KINDS.has(object.kind)) return "";
  const namespace = object.metadata.namespace;
  return typeof namespace === "string" ? namespace : "";
}

/**
 * The reference targets of a body: every resource the body named
 * (`metadata.name`), paired with its name and namespace after augmentation.
 * `originals` is index-aligned with `objects`.
 */
export function siblingsOf(
  objects: readonly KubeObject[],
  originals: readonly OriginalMetadata[],
): Sibling[] {
  const siblings: Sibling[] = [];
  objects.forEach((object, i) => {
    const before = originals[i];
    const from = before?.name;
    const to = object.metadata.name;
    if (typeof from !== "string" || from === "" || typeof to !== "string") return;
    const clusterScoped = CLUSTER_SCOPED_KINDS.has(object.kind);
    siblings.push({
      kind: object.kind,
      group: apiGroup(object.apiVersion),
      from,
      to,
      namespace: namespaceOf(object),
      originalNamespace: !clusterScoped && typeof before.namespace === "string"
        ? before.namespace
        : "",
    });
  });
  return siblings;
}

/**
 * The sibling a reference `name` to a `kind` points at, or `undefined`: a
 * resource of that kind (and of the group such references expect) that the
 * body named `name`, in a namespace `inNamespace` accepts (cluster-scoped
 * kinds match in any namespace). A `name` that already is the final name of
 * such a sibling (written with `it.resource_name`) finds nothing, so it is
 * never renamed twice.
 */
export function findSibling(
  siblings: readonly Sibling[],
  reference: { kind: string; name: unknown; inNamespace: (sibling: Sibling) => boolean },
): Sibling | undefined {
  const { kind, name, inNamespace } = reference;
  const group = TARGET_GROUPS.get(kind);
  if (typeof name !== "string" || name === "" || group === undefined) return undefined;
  const candidates = siblings.filter((sibling) =>
    sibling.kind === kind && sibling.group === group &&
    (CLUSTER_SCOPED_KINDS.has(kind) || inNamespace(sibling))
  );
  if (candidates.some((sibling) => sibling.to === name)) return undefined;
  return candidates.find((sibling) => sibling.from === name);
}
