/**
 * Kubernetes Events (core v1) about the objects of a run, as they come:
 * filtered to a growing set of involved objects, de-duplicated, and without
 * events from before the run started.
 *
 * State stays bounded over a long run: objects added with `track` are
 * de-duplicated and only the most recently tracked `trackLimit` are kept
 * (the objects given at the start always are); the occurrence counts of
 * delivered events are kept for the last `deliveredLimit` events.
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
 */
export interface InvolvedObjectRef {
  uid?: string;
  kind?: string;
  name?: string;
}

/**
 * Options of {@linkcode watchEvents}.
 */
export interface WatchEventsOptions {
  client: KubeClient;
  namespace: string;
  signal: AbortSignal;
  stallTimeoutMs: number;
  /**
   * Events last seen before this time are ignored. Compared at second precision.
   *
   * @default {new Date()}
   */
  since?: Date;
  /**
   * Watch from this resourceVersion without listing the namespace's Events
   * first (a busy namespace holds thousands): for a run created just now,
   * the version of its first object. Without it, the Events are listed.
   */
  startResourceVersion?: string;
  /**
   * Objects known at the start; more can be added with `track`.
   *
   * @default {[]}
   */
  objects?: InvolvedObjectRef[];
  /** Receives each new event (or new occurrence count of one), in order. */
  onEvent: (event: KubeEvent) => void | Promise<void>;
  onReconnect?: WatchResourcesOptions["onReconnect"];
  onError?: WatchResourcesOptions["onError"];
  /**
   * Unmatched recent events kept in case their object is tracked later.
   *
   * @default {500}
   */
  pendingLimit?: number;
  /**
   * Objects added with `track` kept (the most recently tracked); the
   * `objects` given at the start are always kept.
   * @default {5000}
   */
  trackLimit?: number;
  /**
   * Delivered events whose occurrence count is remembered, to drop repeats
   * (the most recently delivered).
   * @default {5000}
   */
  deliveredLimit?: number;
}

/**
 * A running event watch.
 */
export type EventWatch = ResourceWatch & {
  /**
   * Adds an object to the set (again: it only counts as recently tracked);
   * events about it seen earlier in this run (kept while unmatched) are
   * delivered at once.
   */
  track(ref: InvolvedObjectRef): void;
  /** Objects in the set now (the initial ones included). */
  readonly tracked: number;
};

/**
 * Watches the Events of `namespace` and delivers those about tracked objects
 * (matched by uid, or by kind and name for refs without uid). Each event uid
 * is delivered once per occurrence count (`count` or `series.count`); events
 * whose last occurrence is before `since` are dropped.
 *
 * @example Relay the events of a Job and, later, of its pods
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { watchEvents } from "./event_watch.ts";
 * import { createKubeClient } from "./kube_client.ts";
 *
 * if (import.meta.main) {
 *   const kubeConfig = new KubeConfig();
 *   kubeConfig.loadFromDefault();
 *   const ac = new AbortController();
 *   const events = watchEvents({
 *     client: createKubeClient(kubeConfig),
 *     namespace: "ci",
 *     signal: ac.signal,
 *     stallTimeoutMs: 60_000,
 *     objects: [{ uid: "uid-of-the-job" }],
 *     onEvent: (e) => console.log(e.involvedObject.name, e.reason, e.message),
 *   });
 *   // When a pod of the Job appears:
 *   events.track({ uid: "uid-of-the-pod" });
 *   setTimeout(() => ac.abort(), 10_000);
 *   await events;
 * }
 * ```
 */
export function watchEvents(options: WatchEventsOptions): EventWatch {
  const sinceMs = Math.floor((options.since ?? new Date()).getTime() / 1000) * 1000;
  const fixed = new RefSet(options.objects ?? []);
  const added = new RefSet([]);
  const trackLimit = options.trackLimit ?? 5000;
  const deliveredCount = new Map<string, number>();
  const deliveredLimit = options.deliveredLimit ?? 5000;
  const pending = new Map<string, KubeEvent>();
  const pendingLimit = options.pendingLimit ?? 500;
  let chain: Promise<void> = Promise.resolve();

  const matches = (event: KubeEvent) =>
    fixed.matches(event.involvedObject ?? {}) || added.matches(event.involvedObject ?? {});

  const deliver = (event: KubeEvent): Promise<void> => {
    const uid = eventUid(event);
    const count = occurrence(event);
    if ((deliveredCount.get(uid) ?? 0) >= count) return chain;
    deliveredCount.delete(uid); // re-insert: the most recent last
    deliveredCount.set(uid, count);
    if (deliveredCount.size > deliveredLimit) {
      deliveredCount.delete(deliveredCount.keys().next().value!);
    }
    chain = chain.then(() => options.onEvent(event));
    return chain;
  };

  const watch = watchResources({
    client: options.client,
    path: "/api/v1/events",
    namespace: options.namespace,
    startResourceVersion: options.startResourceVersion,
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
  // A getter: Object.assign would copy its value once.
  Object.defineProperty(done, "tracked", { get: () => fixed.size + added.size });
  return Object.assign(done as typeof done & { readonly tracked: number }, {
    stats: watch.stats,
    track(ref: InvolvedObjectRef) {
      if (fixed.has(ref)) return;
      const isNew = !added.has(ref);
      added.add(ref, trackLimit);
      if (!isNew) return;
      for (const [uid, event] of pending) {
        if (matchesRef(ref, event.involvedObject ?? {})) {
          pending.delete(uid);
          deliver(event).catch(() => {}); // a failing onEvent surfaces through the watch promise
        }
      }
    },
  });
}

/** Involved-object refs: uids in a set (O(1) lookups), name refs in insertion order. */
class RefSet {
  readonly #refs = new Map<string, InvolvedObjectRef>();
  readonly #uids = new Set<string>();

  constructor(refs: InvolvedObjectRef[]) {
    for (const ref of refs) this.add(ref, Infinity);
  }

  get size(): number {
    return this.#refs.size;
  }

  has(ref: InvolvedObjectRef): boolean {
    return this.#refs.has(refKey(ref));
  }

  /** Adds (or refreshes) a ref; drops the least recently added beyond `limit`. */
  add(ref: InvolvedObjectRef, limit: number): void {
    const key = refKey(ref);
    this.#refs.delete(key);
    this.#refs.set(key, ref);
    if (ref.uid) this.#uids.add(ref.uid);
    while (this.#refs.size > limit) {
      const [oldKey, old] = this.#refs.entries().next().value!;
      this.#refs.delete(oldKey);
      if (old.uid) this.#uids.delete(old.uid);
    }
  }

  matches(involved: KubeEvent["involvedObject"]): boolean {
    if (involved.uid && this.#uids.has(involved.uid)) return true;
    if (this.#refs.size === this.#uids.size) return false; // only uid refs
    for (const ref of this.#refs.values()) {
      if (!ref.uid && matchesRef(ref, involved)) return true;
    }
    return false;
  }
}

function refKey(ref: InvolvedObjectRef): string {
  return ref.uid ? `uid:${ref.uid}` : `name:${ref.kind ?? ""}/${ref.name ?? ""}`;
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

/** When an Event last happened (ms since the epoch), from the first time field it has. */
export function eventTimeMs(event: KubeEvent): number | undefined {
  const text = event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ??
    event.firstTimestamp ?? event.metadata.creationTimestamp;
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
