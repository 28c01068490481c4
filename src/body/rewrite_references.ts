/**
 * Rewrites the references between the resources of a body after kjo renamed
 * them: a Job whose pod mounts the body's ConfigMap `settings` mounts
 * `settings-k0rhv2jg` once kjo named the ConfigMap so. References to objects
 * outside the body are left as they are.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { getPath, isObject, type JsonObject } from "./_object.ts";
import {
  findSibling,
  namespaceOf,
  type OriginalMetadata,
  type Sibling,
  siblingsOf,
} from "./_siblings.ts";
import { podSpecPath } from "./pod_spec_path.ts";
import { rewriteSelectors } from "./rewrite_selectors.ts";

export type { OriginalMetadata } from "./_siblings.ts";

/** A field path; `"*"` steps into every item of a list. */
type Path = readonly string[];

/** A field holding the name of a resource of `kind`. */
type Reference = readonly [path: Path, kind: string];

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"];

/** Volume sources whose `secretRef.name` names a Secret of the pod's namespace. */
const SECRET_REF_VOLUMES = ["cephfs", "cinder", "flexVolume", "iscsi", "rbd"];

/** Name references inside a pod spec (of a Pod, or of any pod template). */
const POD_SPEC_REFERENCES: readonly Reference[] = [
  [["volumes", "*", "configMap", "name"], "ConfigMap"],
  [["volumes", "*", "secret", "secretName"], "Secret"],
  [["volumes", "*", "projected", "sources", "*", "configMap", "name"], "ConfigMap"],
  [["volumes", "*", "projected", "sources", "*", "secret", "name"], "Secret"],
  [["volumes", "*", "persistentVolumeClaim", "claimName"], "PersistentVolumeClaim"],
  [["volumes", "*", "csi", "nodePublishSecretRef", "name"], "Secret"],
  ...SECRET_REF_VOLUMES.map((source): Reference => [
    ["volumes", "*", source, "secretRef", "name"],
    "Secret",
  ]),
  [["imagePullSecrets", "*", "name"], "Secret"],
  [["serviceAccountName"], "ServiceAccount"],
  [["serviceAccount"], "ServiceAccount"],
  ...CONTAINER_LISTS.flatMap((list): Reference[] => [
    [[list, "*", "env", "*", "valueFrom", "configMapKeyRef", "name"], "ConfigMap"],
    [[list, "*", "env", "*", "valueFrom", "secretKeyRef", "name"], "Secret"],
    [[list, "*", "envFrom", "*", "configMapRef", "name"], "ConfigMap"],
    [[list, "*", "envFrom", "*", "secretRef", "name"], "Secret"],
  ]),
];

/** Name references of other kinds, from the resource's root, by the resource's kind. */
const OBJECT_REFERENCES: ReadonlyMap<string, readonly Reference[]> = new Map([
  ["ServiceAccount", [
    [["secrets", "*", "name"], "Secret"],
    [["imagePullSecrets", "*", "name"], "Secret"],
  ]],
  ["StatefulSet", [[["spec", "serviceName"], "Service"]]],
  ["Secret", [[
    ["metadata", "annotations", "kubernetes.io/service-account.name"],
    "ServiceAccount",
  ]]],
]);

const RBAC_GROUP = "rbac.authorization.k8s.io";

/** Calls `at(holder, key)` for every field at `path` under `node`. */
function visit(node: unknown, path: Path, at: (holder: JsonObject, key: string) => void): void {
  const [step, ...rest] = path;
  if (step === "*") {
    if (Array.isArray(node)) { for (const item of node) visit(item, rest, at); }
  } else if (isObject(node)) {
    if (rest.length === 0) at(node, step);
    else visit(node[step], rest, at);
  }
}

/** Renames `holder[key]` when it names a sibling of `kind` that `inNamespace` accepts. */
function rewriteField(
  siblings: readonly Sibling[],
  field: { holder: JsonObject; key: string; kind: string },
  inNamespace: (sibling: Sibling) => boolean,
): Sibling | undefined {
  const { holder, key, kind } = field;
  const found = findSibling(siblings, { kind, name: holder[key], inNamespace });
  if (found !== undefined) holder[key] = found.to;
  return found;
}

/**
 * `roleRef` (a Role of the binding's namespace, or a ClusterRole) and the
 * `ServiceAccount` subjects of a RoleBinding or ClusterRoleBinding. A
 * subject's namespace (default: the binding's) may be the body's namespace
 * of the ServiceAccount or its final one; it becomes the final one.
 */
function rewriteBinding(object: KubeObject, siblings: readonly Sibling[]): void {
  const namespace = namespaceOf(object);
  const roleRef = object.roleRef;
  if (
    isObject(roleRef) && (roleRef.apiGroup === undefined || roleRef.apiGroup === RBAC_GROUP) &&
    (roleRef.kind === "ClusterRole" || (roleRef.kind === "Role" && object.kind === "RoleBinding"))
  ) {
    rewriteField(
      siblings,
      { holder: roleRef, key: "name", kind: roleRef.kind },
      (sibling) => sibling.namespace === namespace,
    );
  }
  if (!Array.isArray(object.subjects)) return;
  for (const subject of object.subjects) {
    if (!isObject(subject) || subject.kind !== "ServiceAccount") continue;
    if (subject.apiGroup !== undefined && subject.apiGroup !== "") continue;
    const subjectNamespace = typeof subject.namespace === "string" && subject.namespace !== ""
      ? subject.namespace
      : namespace;
    const found = rewriteField(
      siblings,
      { holder: subject, key: "name", kind: "ServiceAccount" },
      (sibling) =>
        sibling.namespace === subjectNamespace ||
        (sibling.originalNamespace !== "" && sibling.originalNamespace === subjectNamespace),
    );
    if (found !== undefined && typeof subject.namespace === "string" && found.namespace !== "") {
      subject.namespace = found.namespace;
    }
  }
}

/** Options of {@linkcode rewriteReferences} (and `rewriteSelectors`). */
export interface RewriteReferencesOptions {
  /**
   * `metadata.name` and `metadata.namespace` of each resource as the body
   * wrote them, in the order of the resources.
   */
  originals: readonly OriginalMetadata[];
  /**
   * The labels kjo is about to set on every resource and pod template.
   *
   * @default {{}}
   */
  labels?: Readonly<Record<string, string>>;
}

/**
 * Rewrites, in place, every reference from one resource of a body to another
 * (a sibling) that kjo renamed. Call it after names and namespaces are final
 * and before kjo's labels are applied. A reference is rewritten when it names
 * a sibling of the kind the field refers to, by the name the body gave it, in
 * the namespace the field looks in; every other reference (to objects outside
 * the body, to a kind the body holds under another name) stays as it is.
 *
 * Rewritten fields:
 * - in every pod spec (a Pod, the pod template of a Job, CronJob, Deployment
 *   or any other kind with one): `configMap` and `secret` volumes and
 *   projected sources, `persistentVolumeClaim.claimName`, the
 *   `secretRef`/`nodePublishSecretRef` of csi, cephfs, cinder, flexVolume,
 *   iscsi and rbd volumes, `imagePullSecrets`, `serviceAccountName` and
 *   `serviceAccount`, and in every container, init container and ephemeral
 *   container `env[].valueFrom` (`configMapKeyRef`, `secretKeyRef`) and
 *   `envFrom` (`configMapRef`, `secretRef`);
 * - a ServiceAccount's `secrets` and `imagePullSecrets`; a StatefulSet's
 *   `serviceName`; a Secret's `kubernetes.io/service-account.name` annotation;
 * - a RoleBinding's or ClusterRoleBinding's `roleRef` and ServiceAccount
 *   `subjects` (name, and namespace when given);
 * - label selectors, see `rewriteSelectors`.
 *
 * @example
 * ```ts
 * import { rewriteReferences } from "./rewrite_references.ts";
 *
 * const job = {
 *   apiVersion: "batch/v1",
 *   kind: "Job",
 *   metadata: { name: "reader-k0rhv2jg" },
 *   spec: {
 *     template: {
 *       spec: {
 *         containers: [{ name: "main", image: "busybox" }],
 *         volumes: [{ name: "config", configMap: { name: "settings" } }],
 *       },
 *     },
 *   },
 * };
 * const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings-k0rhv2jg" } };
 * rewriteReferences([job, configMap], { originals: [{ name: "reader" }, { name: "settings" }] });
 * job.spec.template.spec.volumes[0].configMap.name; // "settings-k0rhv2jg"
 * ```
 */
export function rewriteReferences(objects: KubeObject[], options: RewriteReferencesOptions): void {
  const siblings = siblingsOf(objects, options.originals);
  for (const object of objects) {
    const namespace = namespaceOf(object);
    const sameNamespace = (sibling: Sibling) => sibling.namespace === namespace;
    const rewriteAll = (root: unknown, references: readonly Reference[]) => {
      for (const [path, kind] of references) {
        visit(
          root,
          path,
          (holder, key) => rewriteField(siblings, { holder, key, kind }, sameNamespace),
        );
      }
    };
    const path = podSpecPath(object);
    if (path !== undefined) rewriteAll(getPath(object, path), POD_SPEC_REFERENCES);
    rewriteAll(object, OBJECT_REFERENCES.get(object.kind) ?? []);
    if (object.kind === "RoleBinding" || object.kind === "ClusterRoleBinding") {
      rewriteBinding(object, siblings);
    }
  }
  rewriteSelectors(objects, options);
}
