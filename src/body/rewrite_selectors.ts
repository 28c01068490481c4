/**
 * Keeps the label selectors of a body pointing at its pods when kjo changes
 * the labels they select on: a renamed Job's `job-name` label, or a body
 * label whose value kjo's own labels replace.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import { getPath, isObject } from "./_object.ts";
import { namespaceOf, siblingsOf } from "./_siblings.ts";
import { podSpecPath } from "./pod_spec_path.ts";
import type { RewriteReferencesOptions } from "./rewrite_references.ts";

/**
 * The labels the Job controller puts on a Job's pods, whose value is the
 * Job's name.
 */
export const JOB_NAME_LABELS: readonly string[] = ["batch.kubernetes.io/job-name", "job-name"];

/** Where selectors of pod labels live: `[kinds (undefined: any), path]`. */
const SELECTOR_PATHS: readonly (readonly [ReadonlySet<string> | undefined, readonly string[]])[] = [
  [new Set(["Service", "ReplicationController"]), ["spec", "selector"]],
  [undefined, ["spec", "selector", "matchLabels"]],
  [new Set(["NetworkPolicy"]), ["spec", "podSelector", "matchLabels"]],
];

/** The labels of the pods an object makes (a Pod's own, else its pod template's). */
function podLabels(object: KubeObject): unknown {
  if (object.kind === "Pod") return object.metadata.labels;
  const path = podSpecPath(object);
  if (path === undefined) return undefined;
  return getPath(object, [...path.slice(0, -1), "metadata", "labels"]);
}

/**
 * A Job whose pod template carries its own name in a {@linkcode JOB_NAME_LABELS}
 * label gets its new name there: the API server rejects a generated-selector
 * Job whose template `job-name` label is not the Job's name.
 */
function renameOwnJobLabels(object: KubeObject, originalName: unknown): void {
  const name = object.metadata.name;
  if (object.kind !== "Job" || typeof originalName !== "string" || name === originalName) return;
  const labels = podLabels(object);
  if (!isObject(labels)) return;
  for (const key of JOB_NAME_LABELS) if (labels[key] === originalName) labels[key] = name;
}

/** Label value changes by namespace, key and old value; ambiguous ones are dropped. */
class LabelChanges {
  #changes = new Map<string, string>();
  #ambiguous = new Set<string>();

  add(where: { namespace: string; key: string; from: string }, to: string): void {
    const id = JSON.stringify([where.namespace, where.key, where.from]);
    const known = this.#changes.get(id);
    if (known !== undefined && known !== to) this.#ambiguous.add(id);
    this.#changes.set(id, to);
  }

  get(where: { namespace: string; key: string; from: string }): string | undefined {
    const id = JSON.stringify([where.namespace, where.key, where.from]);
    return this.#ambiguous.has(id) ? undefined : this.#changes.get(id);
  }

  get size(): number {
    return this.#changes.size;
  }
}

/**
 * Rewrites, in place, the label selectors of a body that select its own
 * pods by a label kjo changes. Call it after names and namespaces are final
 * and before kjo's `labels` are applied (it compares the body's pod labels
 * with them). A selector value is rewritten when, in the selector's
 * namespace:
 * - its key is `job-name` or `batch.kubernetes.io/job-name`
 *   ({@linkcode JOB_NAME_LABELS}) and it names a Job of the body by the name
 *   the body gave it (the Job controller labels the pods with the final name);
 * - or a pod (template) of the body carries that label with that value and
 *   kjo's `labels` replace the value.
 *
 * A Job's own pod template label `job-name` (or `batch.kubernetes.io/job-name`)
 * holding the Job's body name gets its new name, as the API server demands.
 *
 * Selectors: a Service's and a ReplicationController's `spec.selector`, any
 * kind's `spec.selector.matchLabels` (Deployment, StatefulSet, Job,
 * PodDisruptionBudget, …), a NetworkPolicy's `spec.podSelector.matchLabels`.
 * `matchExpressions` are left as they are.
 */
export function rewriteSelectors(objects: KubeObject[], options: RewriteReferencesOptions): void {
  const changes = new LabelChanges();
  for (const sibling of siblingsOf(objects, options.originals)) {
    if (sibling.kind !== "Job" || sibling.group !== "batch" || sibling.from === sibling.to) {
      continue;
    }
    for (const key of JOB_NAME_LABELS) {
      changes.add({ namespace: sibling.namespace, key, from: sibling.from }, sibling.to);
    }
  }
  const labels = options.labels ?? {};
  for (const object of objects) {
    const current = podLabels(object);
    if (!isObject(current)) continue;
    for (const [key, from] of Object.entries(current)) {
      const to = Object.hasOwn(labels, key) ? labels[key] : undefined;
      if (typeof from !== "string" || to === undefined || to === from) continue;
      changes.add({ namespace: namespaceOf(object), key, from }, to);
    }
  }
  objects.forEach((object, i) => renameOwnJobLabels(object, options.originals[i]?.name));
  if (changes.size === 0) return;
  for (const object of objects) {
    const namespace = namespaceOf(object);
    for (const [kinds, path] of SELECTOR_PATHS) {
      if (kinds !== undefined && !kinds.has(object.kind)) continue;
      const selector = getPath(object, path);
      if (!isObject(selector)) continue;
      for (const [key, from] of Object.entries(selector)) {
        if (typeof from !== "string") continue;
        const to = changes.get({ namespace, key, from });
        if (to !== undefined) selector[key] = to;
      }
    }
  }
}
