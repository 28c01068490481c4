/**
 * kjo's Kubernetes client layer: client, resource paths, apply, delete,
 * resumable watches, resumable log follows and event watches.
 *
 * @example
 * ```ts
 * import { applyResources, createKubeClient } from "./src/kube/mod.ts";
 * ```
 *
 * @module
 */

export * from "./kube_object.ts";
export * from "./api_error.ts";
export type { BackoffBounds } from "./_backoff.ts";
export * from "./kube_client.ts";
export * from "./resource_paths.ts";
export * from "./apply_resources.ts";
export * from "./delete_resources.ts";
export * from "./resumable_watch.ts";
export * from "./log_follow.ts";
export * from "./event_watch.ts";
