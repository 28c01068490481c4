/**
 * Deleting the objects of a run: by object (with a uid precondition, so a
 * newer object of the same name is never removed).
 *
 * @module
 */

import { ClusterError, errorText } from "../errors.ts";
import { ApiError } from "./api_error.ts";
import type { KubeClient } from "./kube_client.ts";
import { describeObject, type KubeObject } from "./kube_object.ts";
import { objectPath, resolveResource } from "./resource_paths.ts";

/**
 * How dependents of a deleted object are removed.
 *
 * @example
 * ```ts
 * const policy: PropagationPolicy = "Foreground";
 * ```
 */
export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/**
 * Options of {@linkcode deleteResources}.
 *
 * @example
 * ```ts
 * const options: DeleteResourcesOptions = { client, objects: created, gracePeriodSeconds: 0 };
 * ```
 */
export interface DeleteResourcesOptions {
  client: KubeClient;
  /** Objects to delete (as created or as read back); deleted in reverse order. */
  objects: KubeObject[];
  /** Namespace for namespaced objects without `metadata.namespace`. */
  namespace?: string;
  /** Default `Background`. */
  propagationPolicy?: PropagationPolicy;
  /** Grace period of pods; server default when absent. */
  gracePeriodSeconds?: number;
  signal?: AbortSignal;
}

/**
 * What happened to one object.
 *
 * @example
 * ```ts
 * const outcome: DeleteOutcome = { object: job, result: "gone" };
 * ```
 */
export interface DeleteOutcome {
  object: KubeObject;
  /** `deleted`: the server accepted the delete; `gone`: it was already gone (or replaced). */
  result: "deleted" | "gone";
}

/**
 * Deletes objects, ignoring those already gone. Connection errors are retried
 * (DELETE is idempotent); every object is attempted even if one fails, then
 * the first failure is thrown as a {@linkcode ClusterError} naming all that
 * failed.
 *
 * @example
 * ```ts
 * await deleteResources({ client, objects: created, propagationPolicy: "Foreground" });
 * ```
 */
export async function deleteResources(options: DeleteResourcesOptions): Promise<DeleteOutcome[]> {
  const outcomes: DeleteOutcome[] = [];
  const failures: { object: KubeObject; error: unknown }[] = [];
  for (const object of [...options.objects].reverse()) {
    try {
      outcomes.push({ object, result: await deleteOne(options, object) });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      failures.push({ object, error });
    }
  }
  if (failures.length > 0) {
    const list = failures.map((f) => `${describeObject(f.object)}: ${errorText(f.error)}`).join(
      "; ",
    );
    throw new ClusterError(`could not delete ${failures.length} object(s): ${list}`, {
      cause: failures[0].error,
    });
  }
  return outcomes;
}

async function deleteOne(
  options: DeleteResourcesOptions,
  object: KubeObject,
): Promise<DeleteOutcome["result"]> {
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
