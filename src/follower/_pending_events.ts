/**
 * Events about objects no run has claimed yet, indexed by the involved
 * object's uid, the oldest dropped past a limit.
 *
 * @module
 */

import type { KubeEvent } from "../kube/kube_event.ts";

/** A bounded store of unclaimed Events, taken out by involved-object uid. */
export class PendingEvents {
  #limit: number;
  /** By event key, oldest first (a re-added key moves to the end). */
  #events = new Map<string, KubeEvent>();
  /** Event keys by involved-object uid. */
  #byUid = new Map<string, Set<string>>();

  /** `limit`: most events kept. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Events kept now. */
  get size(): number {
    return this.#events.size;
  }

  /** Keeps `event` (the latest copy of its key), dropping the oldest past the limit. */
  add(event: KubeEvent): void {
    const key = event.metadata.uid ?? `${event.metadata.name}`;
    this.#remove(key);
    this.#events.set(key, event);
    const uid = event.involvedObject?.uid;
    if (uid !== undefined) {
      let keys = this.#byUid.get(uid);
      if (!keys) this.#byUid.set(uid, keys = new Set());
      keys.add(key);
    }
    if (this.#events.size > this.#limit) this.#remove(this.#events.keys().next().value!);
  }

  /** Removes and returns the events about `uid`, oldest first. */
  take(uid: string): KubeEvent[] {
    const keys = this.#byUid.get(uid);
    if (!keys) return [];
    const taken: KubeEvent[] = [];
    for (const key of this.#events.keys()) {
      if (keys.has(key)) taken.push(this.#events.get(key)!);
    }
    for (const key of keys) this.#events.delete(key);
    this.#byUid.delete(uid);
    return taken;
  }

  /** Forgets every event. */
  clear(): void {
    this.#events.clear();
    this.#byUid.clear();
  }

  #remove(key: string): void {
    const event = this.#events.get(key);
    if (!event) return;
    this.#events.delete(key);
    const uid = event.involvedObject?.uid;
    const keys = uid === undefined ? undefined : this.#byUid.get(uid);
    keys?.delete(key);
    if (uid !== undefined && keys?.size === 0) this.#byUid.delete(uid);
  }
}
