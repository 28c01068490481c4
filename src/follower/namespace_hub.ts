/**
 * The watches many followed runs of one namespace share: one resumable watch
 * per tracked kind (label `kjo/tracked=true`), one of the pods of kjo runs
 * (label `kjo/run-id`) and one of the namespace's Events. Each change goes to
 * the run it belongs to (its `kjo/run-id` label, or the involved object's
 * uid for Events). The watches start with the first run of a kind or of the
 * namespace and stop after the last.
 *
 * A hub can also be narrowed to one run ({@linkcode HubScope}): the same
 * dispatch over watches that select only that run's objects. That is how
 * `kjo run` and `kjo attach` follow their one run.
 *
 * @module
 */

import { TRACKED_LABEL } from "../kube/labels.ts";
import type { ClusterError } from "../errors.ts";
import type { KubeEvent } from "../kube/kube_event.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { collectionPath, resolveResource } from "../kube/resource_paths.ts";
import {
  type WatchEventType,
  type WatchReconnect,
  watchResources,
} from "../kube/resumable_watch.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import { PendingEvents } from "./_pending_events.ts";

/** What a run gets from the shared watches of its namespace. */
export interface HubSubscriber {
  /** The run's id (label `kjo/run-id`). */
  runId: string;
  /** The kind of the run's tracked resource: its watch is shared with runs of the same kind. */
  trackedKind: { apiVersion: string; kind: string };
  /** A change of one of the run's tracked resources. */
  onTracked(type: WatchEventType, object: KubeObject): void;
  /** A change of one of the run's pods. */
  onPod(type: WatchEventType, object: KubeObject): void;
  /** An Event about one of the run's objects (not yet de-duplicated). */
  onEvent(event: KubeEvent): void;
  /**
   * A watch the run depends on connects again (`what` names it: `shared
   * watch of pods`, of `events` or of a kind; `watch of the run's pods`,
   * `watch of events` or `watch of Kind/name` in a hub narrowed to one run).
   */
  onReconnect(what: string, info: WatchReconnect): void;
  /** A shared watch the run depends on ended for good (403, 404, repeated 401). */
  onFatal(error: ClusterError): void;
}

/** Narrows a hub's watches to the objects of one run. */
export interface HubScope {
  /** The run's id (label `kjo/run-id`): the pod watch selects it. */
  runId: string;
  /** Name of the run's tracked resource: its kind's watch selects it by name. */
  trackedName: string;
  /**
   * Start the event watch at this resourceVersion instead of listing the
   * namespace's Events first (a busy namespace holds thousands): for a run
   * created just now, the version of its first object.
   */
  eventsFrom?: string;
}

/** Options of {@linkcode NamespaceHub}. */
export interface NamespaceHubOptions {
  client: KubeClient;
  namespace: string;
  /** Silence after which a shared watch is reconnected, in ms. */
  stallTimeoutMs: number;
  /** Watch only the objects of this run (default: every kjo run of the namespace). */
  scope?: HubScope;
  /**
   * Events about objects no run has claimed yet, kept in case a run claims
   * them later (e.g. a pod's `Scheduled` event before the pod watch showed
   * the pod).
   * @default {500}
   */
  pendingEventLimit?: number;
}

interface KindWatch {
  stop: AbortController;
  subscribers: Set<HubSubscriber>;
  done: Promise<void>;
}

type SharedWatches = KindWatch;

/**
 * The shared watches of one (cluster, namespace).
 */
export class NamespaceHub {
  #options: NamespaceHubOptions;
  /** Per run id: its subscribers (one a follow) and the uids of its objects. */
  #runs = new Map<string, { subscribers: Set<HubSubscriber>; uids: Set<string> }>();
  #uids = new Map<string, string>();
  #pending: PendingEvents;
  #kinds = new Map<string, KindWatch>();
  #shared?: SharedWatches;

  /** Creates a hub; nothing is watched until the first {@linkcode subscribe}. */
  constructor(options: NamespaceHubOptions) {
    this.#options = options;
    this.#pending = new PendingEvents(options.pendingEventLimit ?? 500);
  }

  /** The namespace watched. */
  get namespace(): string {
    return this.#options.namespace;
  }

  /** Runs subscribed now. */
  get size(): number {
    return this.#shared?.subscribers.size ?? 0;
  }

  /** Whether the pod and event watches run (they did before the last subscribe). */
  get watching(): boolean {
    return this.#shared !== undefined;
  }

  /**
   * Adds a run: changes of its objects go to `subscriber` from now on.
   * Starts the shared watches if they do not run. Resolves to a function that
   * removes the run again (stopping watches no run needs any more).
   */
  subscribe(subscriber: HubSubscriber): () => Promise<void> {
    const run = this.#runs.get(subscriber.runId) ?? { subscribers: new Set(), uids: new Set() };
    run.subscribers.add(subscriber);
    this.#runs.set(subscriber.runId, run);
    const shared = this.#shared ??= this.#startShared();
    shared.subscribers.add(subscriber);
    const kindKey = `${subscriber.trackedKind.apiVersion}/${subscriber.trackedKind.kind}`;
    let kindWatch = this.#kinds.get(kindKey);
    if (!kindWatch) {
      kindWatch = this.#startKind(subscriber.trackedKind, kindKey);
      this.#kinds.set(kindKey, kindWatch);
    }
    kindWatch.subscribers.add(subscriber);
    const joined = kindWatch;
    let left = false;
    return async () => {
      if (left) return;
      left = true;
      await this.#leave(subscriber, shared, joined, kindKey);
    };
  }

  /**
   * Routes Events about `uid` to run `runId` (for objects without the
   * run-id label, e.g. a ConfigMap of the run; pods and tracked resources
   * are claimed as the watches see them). Events about it seen earlier and
   * kept are delivered at once.
   */
  claim(runId: string, uid: string | undefined): void {
    const run = this.#runs.get(runId);
    if (!uid || !run || this.#uids.has(uid)) return;
    this.#uids.set(uid, runId);
    run.uids.add(uid);
    for (const event of this.#pending.take(uid)) {
      for (const s of run.subscribers) s.onEvent(event);
    }
  }

  async #leave(
    subscriber: HubSubscriber,
    shared: SharedWatches,
    kindWatch: KindWatch,
    kindKey: string,
  ): Promise<void> {
    const run = this.#runs.get(subscriber.runId);
    run?.subscribers.delete(subscriber);
    if (run?.subscribers.size === 0) {
      this.#runs.delete(subscriber.runId);
      for (const uid of run.uids) this.#uids.delete(uid);
    }
    const waits: Promise<void>[] = [];
    kindWatch.subscribers.delete(subscriber);
    if (kindWatch.subscribers.size === 0) {
      if (this.#kinds.get(kindKey) === kindWatch) this.#kinds.delete(kindKey);
      kindWatch.stop.abort();
      waits.push(kindWatch.done);
    }
    shared.subscribers.delete(subscriber);
    if (shared.subscribers.size === 0) {
      if (this.#shared === shared) {
        this.#shared = undefined;
        this.#pending.clear();
      }
      shared.stop.abort();
      waits.push(shared.done);
    }
    await Promise.all(waits);
  }

  #runIdOf(object: KubeObject): string | undefined {
    // A narrowed hub's watches select only its run's objects.
    const runId = this.#options.scope?.runId ?? object.metadata?.labels?.[RUN_ID_LABEL];
    return runId !== undefined && this.#runs.has(runId) ? runId : undefined;
  }

  #startShared(): SharedWatches {
    const { client, namespace, stallTimeoutMs, scope } = this.#options;
    const stop = new AbortController();
    const subscribers = new Set<HubSubscriber>();
    const fatal = (error: ClusterError) => {
      // The next run starts fresh watches; the runs of these fail.
      if (this.#shared === watches) this.#shared = undefined;
      stop.abort();
      for (const s of [...subscribers]) s.onFatal(error);
    };
    const reconnect = (what: string) => (info: WatchReconnect) => {
      for (const s of [...subscribers]) s.onReconnect(what, info);
    };
    const pods = watchResources({
      client,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      labelSelector: scope ? `${RUN_ID_LABEL}=${scope.runId}` : RUN_ID_LABEL,
      signal: stop.signal,
      stallTimeoutMs,
      onReconnect: reconnect(scope ? "watch of the run's pods" : "shared watch of pods"),
      onError: fatal,
      onEvent: (type, object) => this.#dispatchPod(type, object),
    });
    const events = watchResources({
      client,
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      startResourceVersion: scope?.eventsFrom,
      signal: stop.signal,
      stallTimeoutMs,
      onReconnect: reconnect(scope ? "watch of events" : "shared watch of events"),
      onError: fatal,
      onEvent: (type, object) => {
        if (type !== "DELETED") this.#dispatchEvent(object as KubeEvent);
      },
    });
    const done = Promise.all([pods, events]).then(() => {}, (error) => {
      // Not a ClusterError (those go to onError): a bug in dispatch.
      fatal(error);
    });
    const watches: SharedWatches = { stop, done, subscribers };
    return watches;
  }

  #startKind(kind: { apiVersion: string; kind: string }, kindKey: string): KindWatch {
    const { client, namespace, stallTimeoutMs, scope } = this.#options;
    const stop = new AbortController();
    const subscribers = new Set<HubSubscriber>();
    const what = scope
      ? `watch of ${kind.kind}/${scope.trackedName}`
      : `shared watch of ${kind.kind}`;
    const done = (async () => {
      const info = await resolveResource(client, { ...kind, metadata: {} });
      await watchResources({
        client,
        path: collectionPath(info, info.namespaced ? namespace : undefined),
        ...(scope
          ? { fieldSelector: `metadata.name=${scope.trackedName}` }
          : { labelSelector: `${TRACKED_LABEL}=true` }),
        signal: stop.signal,
        stallTimeoutMs,
        onReconnect: (r) => {
          for (const s of [...subscribers]) s.onReconnect(what, r);
        },
        onEvent: (type, object) => {
          const runId = this.#runIdOf(object);
          if (runId === undefined) return;
          this.claim(runId, object.metadata.uid);
          for (const s of this.#runs.get(runId)!.subscribers) {
            if (subscribers.has(s)) {
              s.onTracked(type, { ...object, apiVersion: kind.apiVersion, kind: kind.kind });
            }
          }
        },
      });
    })().catch((error) => {
      if (stop.signal.aborted) return;
      if (this.#kinds.get(kindKey) === watch) this.#kinds.delete(kindKey);
      for (const s of [...subscribers]) s.onFatal(error);
    });
    const watch: KindWatch = { stop, subscribers, done };
    return watch;
  }

  #dispatchPod(type: WatchEventType, object: KubeObject): void {
    const runId = this.#runIdOf(object);
    if (runId === undefined) return;
    const pod = { ...object, apiVersion: "v1", kind: "Pod" };
    this.claim(runId, pod.metadata.uid);
    for (const s of this.#runs.get(runId)!.subscribers) s.onPod(type, pod);
  }

  #dispatchEvent(event: KubeEvent): void {
    const uid = event.involvedObject?.uid;
    const runId = uid ? this.#uids.get(uid) : undefined;
    if (runId !== undefined) {
      for (const s of this.#runs.get(runId)?.subscribers ?? []) s.onEvent(event);
      return;
    }
    this.#pending.add(event);
  }
}
