/**
 * Where the pod spec and pod templates of a resource live, by kind.
 *
 * @module
 */

import { getPath, isObject } from "./_object.ts";

/** Kinds whose pod template is at `spec.template`. */
const TEMPLATE_KINDS = new Set([
  "Job",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "PodTemplate",
]);

/**
 * The path of the pod spec of a resource: `spec` for a Pod,
 * `spec.jobTemplate.spec.template.spec` for a CronJob, `spec.template.spec`
 * for Job, Deployment, StatefulSet, DaemonSet, ReplicaSet and
 * ReplicationController (`template.spec` for a PodTemplate). Other kinds
 * count as having a pod spec only when `spec.template.spec.containers` is a
 * list. Returns `undefined` when the kind has no pod spec.
 *
 * The path is returned for known kinds even when the fields are missing, so
 * that validation can report them.
 */
export function podSpecPath(object: { kind?: unknown }): string[] | undefined {
  const kind = object.kind;
  if (kind === "Pod") return ["spec"];
  if (kind === "PodTemplate") return ["template", "spec"];
  if (kind === "CronJob") return ["spec", "jobTemplate", "spec", "template", "spec"];
  if (typeof kind === "string" && TEMPLATE_KINDS.has(kind)) return ["spec", "template", "spec"];
  if (Array.isArray(getPath(object, ["spec", "template", "spec", "containers"]))) {
    return ["spec", "template", "spec"];
  }
  return undefined;
}

/**
 * The paths of the templates (objects with their own `metadata`) inside a
 * resource that should carry the run's labels: `spec.template` of any kind
 * with a pod template; `spec.jobTemplate` and `spec.jobTemplate.spec.template`
 * of a CronJob; `template` of a PodTemplate. Only paths whose value is an
 * object are returned.
 */
export function templatePaths(object: { kind?: unknown }): string[][] {
  const candidates: string[][] = [];
  if (object.kind === "CronJob") {
    candidates.push(["spec", "jobTemplate"], ["spec", "jobTemplate", "spec", "template"]);
  } else if (object.kind === "PodTemplate") {
    candidates.push(["template"]);
  } else if (object.kind !== "Pod" && podSpecPath(object) !== undefined) {
    candidates.push(["spec", "template"]);
  }
  return candidates.filter((path) => isObject(getPath(object, path)));
}
