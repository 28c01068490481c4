/**
 * Deleting one object of a run with a uid precondition, so a newer object of
 * the same name is never removed.
 *
 * @module
 */

import { ClusterError } from "../errors.ts";
import { ApiError } from "./api_error.ts";
import type { KubeClient } from "./kube_client.ts";
import { describeObject, type KubeObject } from "./kube_object.ts";
import { objectPath, resolveResource } from "./resource_paths.ts";

/** How dependents of a deleted object are removed. */
export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/** Options of {@linkcode deleteObject}. */
export interface DeleteObjectOptions {
  client: KubeClient;
  /** The object as created or as read back (its uid becomes a precondition). */
  object: KubeObject;
  /** Namespace of a namespaced object without `metadata.namespace`. */
  namespace?: string;
  /**
   * How dependents go.
   *
   * @default {"Background"}
   */
  propagationPolicy?: PropagationPolicy;
  /**
   * Grace period of pods; the server's default when absent.
   */
  gracePeriodSeconds?: number;
  signal?: AbortSignal;
}

/**
 * What happened to a deleted object: `deleted` (the server accepted the
 * delete) or `gone` (it was already gone, or its name now belongs to another
 * object).
 */
export type DeleteResult = "deleted" | "gone";

/**
 * Deletes one object, with its uid as precondition when it has one.
 * Connection errors are retried (DELETE is idempotent); other errors are
 * thrown as the client's {@linkcode ApiError} or {@linkcode ClusterError}.
 */
export async function deleteObject(options: DeleteObjectOptions): Promise<DeleteResult> {
  const { object } = options;
  const name = object.metadata?.name;
  if (!name) {
    throw new ClusterError(`${describeObject(object)}: cannot delete an object without a name`);
  }
  const info = await resolveResource(options.client, object);
  const namespace = info.namespaced ? (object.metadata.namespace ?? options.namespace) : undefined;
  const body: Record<string, unknown> = {
    apiVersion: "v1",
    kind: "DeleteOptions",
    propagationPolicy: options.propagationPolicy ?? "Background",
  };
  if (options.gracePeriodSeconds !== undefined) {
    body.gracePeriodSeconds = options.gracePeriodSeconds;
  }
  if (object.metadata.uid) body.preconditions = { uid: object.metadata.uid };
  try {
    await options.client.request({
      method: "DELETE",
      path: objectPath(info, name, namespace),
      body,
      signal: options.signal,
    });
    return "deleted";
  } catch (err) {
    // 404: already gone. 409 on a uid precondition: the name now belongs to another object.
    if (
      err instanceof ApiError && (err.status === 404 || (err.status === 409 && object.metadata.uid))
    ) {
      return "gone";
    }
    throw err;
  }
}
