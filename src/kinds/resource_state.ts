/**
 * The state of a tracked resource, as decided by a kind's state rules.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";

/** Where a tracked resource is in its life. */
export type ResourceState = "Pending" | "Running" | "Succeeded" | "Failed";

/**
 * A state with the reason that decided it, for status lines and failure
 * summaries.
 */
export interface StateVerdict {
  state: ResourceState;
  /** A CamelCase reason, as Kubernetes writes them (`Completed`, `ErrImagePull`). */
  reason?: string;
  /** A human sentence. */
  message?: string;
}

/**
 * Decides the state of one object of a kind.
 */
export type StateRule = (object: KubeObject) => StateVerdict;
