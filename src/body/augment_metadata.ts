/**
 * Metadata augmentation applied to every resource of a run: name, namespace
 * and labels.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { getPath, isObject, type JsonObject } from "./_object.ts";
import { templatePaths } from "./pod_spec_path.ts";
import { makeResourceName } from "./resource_name.ts";

/**
 * Kinds that are not namespaced; they never get a namespace. Custom
 * cluster-scoped kinds are not known here: a namespace set on them is
 * ignored by the API server.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "StorageClass",
  "CustomResourceDefinition",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "CertificateSigningRequest",
  "FlowSchema",
  "PriorityLevelConfiguration",
]);

/**
 * Run-wide name parts.
 */
export interface NameParts {
  /** Prefix of every name. */
  prefix?: string;
  /** Postfix of every name (before the random postfix). */
  postfix?: string;
  /** The run's random postfix; `""` for none. */
  random: string;
}

/**
 * The base of a resource's name: `metadata.name`, else
 * `metadata.generateName`, else the lowercase kind.
 */
export function nameBase(object: KubeObject): string {
  const { name, generateName } = object.metadata;
  if (typeof name === "string" && name !== "") return name;
  if (typeof generateName === "string" && generateName !== "") return generateName;
  return object.kind.toLowerCase();
}

/**
 * Names every resource `[prefix]-[base]-[postfix]-[random]` (see
 * {@linkcode makeResourceName}) and drops `generateName`, so the run knows
 * every name before it creates anything.
 */
export function applyNames(objects: KubeObject[], parts: NameParts): void {
  for (const object of objects) {
    object.metadata.name = makeResourceName({
      prefix: parts.prefix,
      base: nameBase(object),
      postfix: parts.postfix,
      random: parts.random,
      kind: object.kind,
    });
    delete object.metadata.generateName;
  }
}

/**
 * Sets the namespace of every namespaced resource: `namespace` (explicit,
 * replaces the body's own) or else `defaultNamespace` (only where the body
 * has none). Cluster-scoped kinds ({@linkcode CLUSTER_SCOPED_KINDS}) are left
 * alone.
 */
export function applyNamespace(
  objects: KubeObject[],
  options: { namespace?: string; defaultNamespace?: string },
): void {
  for (const object of objects) {
    if (CLUSTER_SCOPED_KINDS.has(object.kind)) continue;
    if (options.namespace !== undefined) object.metadata.namespace = options.namespace;
    else if (object.metadata.namespace === undefined && options.defaultNamespace !== undefined) {
      object.metadata.namespace = options.defaultNamespace;
    }
  }
}

/**
 * Adds `labels` to `metadata.labels` of every resource and of every template
 * inside it (`spec.template` of a Job, Deployment, …; `spec.jobTemplate` and
 * `spec.jobTemplate.spec.template` of a CronJob), so pods carry them too. The
 * given labels replace the body's labels with the same key.
 */
export function applyLabels(objects: KubeObject[], labels: Record<string, string>): void {
  const add = (metadata: JsonObject) => {
    metadata.labels = { ...(isObject(metadata.labels) ? metadata.labels : {}), ...labels };
  };
  for (const object of objects) {
    add(object.metadata);
    for (const path of templatePaths(object)) {
      const template = getPath(object, path) as JsonObject;
      if (template.metadata === undefined) template.metadata = {};
      // A malformed template metadata is left for validation to report.
      if (isObject(template.metadata)) add(template.metadata);
    }
  }
}
