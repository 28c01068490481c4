/**
 * Augments the parsed documents of a run: names, namespace, labels, kind
 * defaults, the first resource's pod spec and deadlines.
 *
 * @module
 */

import { markTrackedResource } from "./mark_tracked.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import { isObject, type JsonObject } from "./_object.ts";
import { applyLabels, applyNames, applyNamespace } from "./augment_metadata.ts";
import { augmentMainPod, type MainPodOptions } from "./augment_pod.ts";
import { rewriteReferences } from "./rewrite_references.ts";

/**
 * Options of {@linkcode augmentDocuments}; see `BuildBodyOptions` for each field.
 */
export interface AugmentOptions extends Omit<MainPodOptions, "resourceNames"> {
  /** The run id, set as the {@linkcode RUN_ID_LABEL} label. */
  runId: string;
  /** The run's random name postfix (`""` for none). */
  randomPostfix: string;
  /** Prefix of every name. */
  namePrefix?: string;
  /** Postfix of every name. */
  namePostfix?: string;
  /** Namespace of every resource (replaces the body's). */
  namespace?: string;
  /** Namespace of resources the body gives none. */
  defaultNamespace?: string;
  /** Labels of every resource and pod template. */
  labels?: Record<string, string>;
  /** `spec.activeDeadlineSeconds` of the first resource (Job or Pod) when not set. */
  activeDeadlineSeconds?: number;
  /** `spec.ttlSecondsAfterFinished` of the first resource (Job) when not set. */
  ttlSecondsAfterFinished?: number;
}

/**
 * The defaults the original operator puts on every Job and Pod of a body:
 * `spec.backoffLimit: 0` on a Job, `restartPolicy: Never` on a Job's pod
 * template and on a Pod; each only when not set. (The original also added
 * the `foregroundDeletion` finalizer to Jobs; kjo does not, so an object
 * never hangs on a finalizer: how pods go with their Job is left to the
 * delete call's propagation policy.)
 */
export function applyKindDefaults(object: KubeObject): void {
  const spec = object.spec;
  if (!isObject(spec)) return;
  if (object.kind === "Pod") {
    spec.restartPolicy ??= "Never";
  } else if (object.kind === "Job") {
    spec.backoffLimit ??= 0;
    const template = spec.template;
    if (isObject(template) && isObject(template.spec)) template.spec.restartPolicy ??= "Never";
  }
}

function applyDeadlines(object: KubeObject, options: AugmentOptions): void {
  const spec = object.spec as JsonObject | undefined;
  if (!isObject(spec)) return;
  if (object.kind === "Job" || object.kind === "Pod") {
    if (options.activeDeadlineSeconds !== undefined) {
      spec.activeDeadlineSeconds ??= options.activeDeadlineSeconds;
    }
  }
  if (object.kind === "Job" && options.ttlSecondsAfterFinished !== undefined) {
    spec.ttlSecondsAfterFinished ??= options.ttlSecondsAfterFinished;
  }
}

/**
 * Augments `objects` in place (and returns them), in this order:
 * 1. names of every resource (`[prefix]-[name]-[postfix]-[random]`), `generateName` dropped;
 * 2. namespace (explicit, else default where missing; not on cluster-scoped kinds);
 *    then references between the resources follow their new names and
 *    selectors follow the labels kjo changes (see `rewriteReferences`);
 * 3. labels + `kjo/run-id` on every resource and pod template;
 * 4. kind defaults on every Job and Pod ({@linkcode applyKindDefaults});
 * 5. the first resource's pod spec (envs, `KUBERNETES_JOB_OPERATOR_RESOURCES`,
 *    main container, pull secrets, secret files; see `augmentMainPod`);
 * 6. `activeDeadlineSeconds` / `ttlSecondsAfterFinished` on the first resource
 *    when it is a Job (or Pod, deadline only) and they are not set.
 *
 * Expects documents that passed `validateShape`.
 */
export function augmentDocuments(objects: KubeObject[], options: AugmentOptions): KubeObject[] {
  for (const object of objects) object.metadata ??= {};
  const originals = objects.map(({ metadata }) => ({
    name: metadata.name,
    namespace: metadata.namespace,
  }));
  const labels = { ...options.labels, [RUN_ID_LABEL]: options.runId };
  applyNames(objects, {
    prefix: options.namePrefix,
    postfix: options.namePostfix,
    random: options.randomPostfix,
  });
  applyNamespace(objects, options);
  rewriteReferences(objects, { originals, labels });
  applyLabels(objects, labels);
  objects.forEach(applyKindDefaults);
  if (objects.length > 0) {
    augmentMainPod(objects[0], {
      ...options,
      resourceNames: objects.map((object) => object.metadata.name as string),
    });
    applyDeadlines(objects[0], options);
  }
  markTrackedResource(objects);
  return objects;
}
