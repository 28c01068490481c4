/**
 * The default bodies used when a run is started from an image: a Job (the
 * default) or a Pod with one container named `main`.
 *
 * @module
 */

import type { ExecutionObject } from "../choices.ts";
import type { KubeObject } from "../kube/kube_object.ts";

/**
 * What the default body runs.
 */
export interface ImageBody {
  /** Container image. */
  image: string;
  /** Container command (entrypoint); the image's when absent. */
  command?: string[];
  /** Container arguments; the image's when absent. */
  args?: string[];
  /**
   * `Job` or `Pod`.
   *
   * @default {"Job"}
   */
  kind?: ExecutionObject;
}

/**
 * Name of the single container of the default bodies.
 */
export const DEFAULT_CONTAINER_NAME = "main";

/**
 * The default body for an image: a `batch/v1` Job with `backoffLimit: 0` and
 * a pod template with `restartPolicy: Never`, or a `v1` Pod with
 * `restartPolicy: Never`; one container named `main`. Neither has a name:
 * augmentation names it after the lowercase kind (plus prefix, postfix and
 * random postfix).
 */
export function defaultBody(source: ImageBody): KubeObject[] {
  const container: Record<string, unknown> = { name: DEFAULT_CONTAINER_NAME, image: source.image };
  if (source.command !== undefined) container.command = [...source.command];
  if (source.args !== undefined) container.args = [...source.args];
  const podSpec = { restartPolicy: "Never", containers: [container] };
  if ((source.kind ?? "Job") === "Pod") {
    return [{ apiVersion: "v1", kind: "Pod", metadata: {}, spec: podSpec }];
  }
  return [{
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {},
    spec: { backoffLimit: 0, template: { metadata: {}, spec: podSpec } },
  }];
}
