/**
 * Kubernetes Events (core v1) about the objects of a run, as they come:
 * filtered to a growing set of involved objects, de-duplicated, and without
 * events from before the run started.
 *
 * @module
 */

import type { KubeObject } from "./kube_object.ts";
import type { KubeClient } from "./kube_client.ts";
import {
  type ResourceWatch,
  watchResources,
  type WatchResourcesOptions,
} from "./resumable_watch.ts";

/**
 * A core v1 Event (the fields kjo reads).
 *
 * @example
 * ```ts
 * const text = (e: KubeEvent) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`;
 * ```
 */
export interface KubeEvent extends KubeObject {
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    fieldPath?: string;
  };
  reason?: string;
  message?: string;
  /** `Normal` or `Warning`. */
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

/**
 * An object whose events are wanted: by uid, or by name (and kind).
 *
 * @example
 * ```ts
 * const byUid: InvolvedObjectRef = { uid: pod.metadata.uid };
 * const byName: InvolvedObjectRef = { kind: "Job", name: "build" };
 * ```
 */
export interface InvolvedObjectRef {
  uid?: string;
  kind?: string;
  name?: string;
}

/**
 * Options of {@linkcode watchEvents}.
 *
 * @example
 * ```ts
 * const options: WatchEventsOptions = {
 *   client, namespace: "ci", signal, stallTimeoutMs: 60_000, onEvent: (e) => console.log(e.reason),
 * };
 * ```
 */
export interface WatchEventsOptions {
  client: KubeClient;
  namespace: string;
  signal: AbortSignal;
  stallTimeoutMs: number;
  /** Events last seen before this time are ignored (default: now). Compared at second precision. */
  since?: Date;
  /** Objects known at the start; more can be added with `track`. */
  objects?: InvolvedObjectRef[];
  /** Receives each new event (or new occurrence count of one), in order. */
  onEvent: (event: KubeEvent) => void | Promise<void>;
  onReconnect?: WatchResourcesOptions["onReconnect"];
  onError?: WatchResourcesOptions["onError"];
  /** Unmatched recent events kept in case their object is tracked later (default 500). */
  pendingLimit?: number;
}

/**
 * A running event watch.
 *
 * @example
 * ```ts
 * const events = watchEvents({ client, namespace: "ci", signal, stallTimeoutMs: 60_000, onEvent });
 * events.track({ uid: job.metadata.uid });
 * ```
 */
export type EventWatch = ResourceWatch & {
  /**
   * Adds an object to the set; events about it seen earlier in this run
   * (kept while unmatched) are delivered at once.
   */
  track(ref: InvolvedObjectRef): void;
};

/**
 * Watches the Events of `namespace` and delivers those about tracked objects
 * (matched by uid, or by kind and name for refs without uid). Each event uid
 * is delivered once per occurrence count (`count` or `series.count`); events
 * whose last occurrence is before `since` are dropped.
 *
 * @example
 * ```ts
 * const events = watchEvents({
 *   client, namespace: "ci", signal: ac.signal, stallTimeoutMs: 60_000,
 *   objects: [{ uid: job.metadata.uid }],
 *   onEvent: (e) => console.log(e.involvedObject.name, e.reason, e.message),
 * });
 * podWatchSaw((pod) => events.track({ uid: pod.metadata.uid }));
 * ```
 */
export function watchEvents(options: WatchEventsOptions): EventWatch {
  const sinceMs = Math.floor((options.since ?? new Date()).getTime() / 1000) * 1000;
  const refs: InvolvedObjectRef[] = [...(options.objects ?? [])];
  const deliveredCount = new Map<string, number>();
  const pending = new Map<string, KubeEvent>();
  const pendingLimit = options.pendingLimit ?? 500;
  let chain: Promise<void> = Promise.resolve();

  const matches = (event: KubeEvent) =>
    refs.some((ref) => matchesRef(ref, event.involvedObject ?? {}));

  const deliver = (event: KubeEvent): Promise<void> => {
    const uid = eventUid(event);
    const count = occurrence(event);
    if ((deliveredCount.get(uid) ?? 0) >= count) return chain;
    deliveredCount.set(uid, count);
    chain = chain.then(() => options.onEvent(event));
    return chain;
  };

  const watch = watchResources({
    client: options.client,
    path: "/api/v1/events",
    namespace: options.namespace,
    signal: options.signal,
    stallTimeoutMs: options.stallTimeoutMs,
    onReconnect: options.onReconnect,
    onError: options.onError,
    onEvent: (type, object) => {
      if (type === "DELETED") return;
      const event = object as KubeEvent;
      const when = eventTimeMs(event);
      if (when !== undefined && when < sinceMs) return;
      if ((deliveredCount.get(eventUid(event)) ?? 0) >= occurrence(event)) return;
      if (!matches(event)) {
        const uid = eventUid(event);
        pending.delete(uid); // keep insertion order = latest last
        pending.set(uid, event);
        if (pending.size > pendingLimit) pending.delete(pending.keys().next().value!);
        return;
      }
      return deliver(event);
    },
  });

  const done = watch.then(() => chain);
  return Object.assign(done, {
    stats: watch.stats,
    track(ref: InvolvedObjectRef) {
      refs.push(ref);
      for (const [uid, event] of pending) {
        if (matchesRef(ref, event.involvedObject ?? {})) {
          pending.delete(uid);
          deliver(event).catch(() => {}); // a failing onEvent surfaces through the watch promise
        }
      }
    },
  });
}

function matchesRef(ref: InvolvedObjectRef, involved: KubeEvent["involvedObject"]): boolean {
  if (ref.uid) return involved.uid === ref.uid;
  if (!ref.name || involved.name !== ref.name) return false;
  return !ref.kind || involved.kind === ref.kind;
}

function eventUid(event: KubeEvent): string {
  return event.metadata.uid ?? `${event.metadata.namespace ?? ""}/${event.metadata.name ?? ""}`;
}

function occurrence(event: KubeEvent): number {
  return event.series?.count ?? event.count ?? 1;
}

function eventTimeMs(event: KubeEvent): number | undefined {
  const text = event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ??
    event.firstTimestamp ?? event.metadata.creationTimestamp;
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
