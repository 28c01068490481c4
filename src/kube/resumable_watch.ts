/**
 * A watch that survives broken connections: LIST, then WATCH from the list's
 * resourceVersion with bookmarks, resume from the last resourceVersion after
 * any break, re-list after 410 Gone, and a stall timer for silent streams.
 *
 * @module
 */

import { ClusterError } from "../errors.ts";
import {
  ApiError,
  isPermanentApiError,
  type KubeStatus,
  MAX_UNAUTHORIZED,
  unauthorizedError,
} from "./api_error.ts";
import { type BackoffBounds, backoffDelay, sleep, STREAM_BACKOFF } from "./_backoff.ts";
import { LineSplitter } from "./_line_splitter.ts";
import { stallGuard } from "./_stall_guard.ts";
import type { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "./kube_object.ts";

/**
 * Kind of change.
 */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/**
 * Extra facts about one delivered change.
 */
export interface WatchEventInfo {
  /**
   * True when the event was made from a LIST (the initial one, or a re-list
   * after 410) rather than received on the watch stream.
   */
  fromList: boolean;
}

/**
 * Why the watch connects again.
 */
export interface WatchReconnect {
  /**
   * `closed`: the stream ended (e.g. the server's timeoutSeconds);
   * `stall`: nothing arrived for stallTimeoutMs; `error`: the request failed;
   * `gone`: 410, the watcher re-lists.
   */
  reason: "closed" | "stall" | "error" | "gone";
  /** Wait before the next request, in ms. */
  delayMs: number;
  /** resourceVersion the next watch starts from. */
  resourceVersion?: string;
  error?: unknown;
}

/**
 * Counters of one watch (live; read them any time).
 */
export interface WatchStats {
  /** Watch requests after the first one. */
  reconnects: number;
  /** LISTs after the first one (after 410 Gone). */
  relists: number;
  /** Streams aborted for silence. */
  stalls: number;
  /** Failed requests. */
  errors: number;
  /** Events delivered to onEvent. */
  events: number;
  /** Last resourceVersion seen (from objects and bookmarks). */
  resourceVersion?: string;
}

/**
 * Options of {@linkcode watchResources}.
 */
export interface WatchResourcesOptions {
  client: KubeClient;
  /**
   * Collection path, e.g. `/api/v1/namespaces/ci/pods` (see `collectionPath`),
   * or a cluster-wide one like `/api/v1/pods` together with `namespace`.
   */
  path: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Start watching from this resourceVersion instead of listing first: the
   * changes after it arrive as ADDED/MODIFIED/DELETED. For a caller that
   * knows where "now" began (e.g. the version of an object it just created)
   * and needs nothing older; an expired version (410) falls back to a list.
   */
  startResourceVersion?: string;
  /** Stops the watch; `done` then resolves. */
  signal: AbortSignal;
  /** A stream silent this long is dropped and re-opened. Use ≥ 5 s against real clusters. */
  stallTimeoutMs: number;
  /**
   * Server-side watch timeout: when absent, 80 % of `stallTimeoutMs`, at least 1 s.
   */
  timeoutSeconds?: number;
  /**
   * Reconnect back-off (jittered).
   *
   * @default {{ minMs: 200, maxMs: 10_000 }}
   */
  backoff?: BackoffBounds;
  /**
   * LIST page size.
   *
   * @default {500}
   */
  pageSize?: number;
  /**
   * Receives every change, in order; awaited before the next one (same shape
   * as client-node's `Watch` callback).
   */
  onEvent: (type: WatchEventType, object: KubeObject, info: WatchEventInfo) => void | Promise<void>;
  /** Told before every reconnect. */
  onReconnect?: (info: WatchReconnect) => void;
  /**
   * Receives the error that ends the watch (401 repeatedly, 403, 404, 400):
   * when given, `done` resolves after calling it; otherwise `done` rejects.
   */
  onError?: (error: ClusterError) => void;
}

/**
 * A running watch: a promise that resolves when the signal aborted (or after
 * `onError` received a fatal error) and rejects with a fatal
 * {@linkcode ClusterError} when there is no `onError`, plus live counters.
 */
export type ResourceWatch = Promise<void> & {
  /** Live counters, e.g. for metrics. */
  readonly stats: Readonly<WatchStats>;
};

/** A stream shorter than this that delivered nothing counts as a failure for back-off. */
const HEALTHY_STREAM_MS = 1_000;

/**
 * Watches a collection until `signal` aborts, delivering every change once
 * the list has been read: a synthetic ADDED for each listed object, then the
 * stream's events. After a 410 it lists again and reports the difference
 * (MODIFIED for objects it knew, ADDED for new ones, DELETED for those gone;
 * such a DELETED carries only the object's apiVersion, kind and identifying
 * metadata, which is all the watch keeps of each object it has seen).
 * Connection problems never end it; 401 (repeated), 403, 404 and 400 do.
 *
 * @example Watch the pods of one run
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { createKubeClient } from "./kube_client.ts";
 * import { watchResources } from "./resumable_watch.ts";
 *
 * if (import.meta.main) {
 *   const kubeConfig = new KubeConfig();
 *   kubeConfig.loadFromDefault();
 *   const ac = new AbortController();
 *   const watch = watchResources({
 *     client: createKubeClient(kubeConfig),
 *     path: "/api/v1/pods",
 *     namespace: "ci",
 *     labelSelector: "kjo/run-id=r1",
 *     signal: ac.signal,
 *     stallTimeoutMs: 90_000,
 *     onEvent: (type, object) => console.log(type, object.metadata.name),
 *   });
 *   setTimeout(() => ac.abort(), 10_000);
 *   await watch;
 * }
 * ```
 */
export function watchResources(options: WatchResourcesOptions): ResourceWatch {
  const stats: WatchStats = { reconnects: 0, relists: 0, stalls: 0, errors: 0, events: 0 };
  const done = runWatch(options, stats).catch((err) => {
    if (options.onError && err instanceof ClusterError) {
      options.onError(err);
      return;
    }
    throw err;
  });
  return Object.assign(done, { stats });
}

/**
 * Inserts `namespaces/{namespace}` into a cluster-wide collection path.
 */
export function namespacedPath(path: string, namespace?: string): string {
  if (!namespace || path.includes("/namespaces/")) return path;
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash)}/namespaces/${encodeURIComponent(namespace)}${path.slice(slash)}`;
}

type StreamOutcome =
  | { kind: "closed"; healthy: boolean }
  | { kind: "stall"; healthy: boolean }
  /** The connection broke after a healthy stream: reconnect at once. */
  | { kind: "broken"; error: unknown }
  | { kind: "gone" }
  | { kind: "aborted" };

async function runWatch(o: WatchResourcesOptions, stats: WatchStats): Promise<void> {
  const path = namespacedPath(o.path, o.namespace);
  const backoff = o.backoff ?? STREAM_BACKOFF;
  const timeoutSeconds = o.timeoutSeconds ??
    Math.max(1, Math.floor((o.stallTimeoutMs * 0.8) / 1000));
  const signal = o.signal;
  let known = new Map<string, KubeObject>();
  let resourceVersion: string | undefined = o.startResourceVersion || undefined;
  let needList = resourceVersion === undefined;
  let listedOnce = false;
  let failures = 0;
  let unauthorized = 0;

  const setVersion = (rv: string | undefined) => {
    if (rv) resourceVersion = stats.resourceVersion = rv;
  };
  const emit = async (type: WatchEventType, object: KubeObject, fromList: boolean) => {
    stats.events++;
    await o.onEvent(type, object, { fromList });
  };

  async function list(): Promise<void> {
    const items: KubeObject[] = [];
    let itemKind: string | undefined;
    let itemApiVersion: string | undefined;
    let listVersion: string | undefined;
    let cont: string | undefined;
    do {
      let page: KubeListBody;
      try {
        page = await o.client.request<KubeListBody>({
          path,
          query: {
            labelSelector: o.labelSelector,
            fieldSelector: o.fieldSelector,
            limit: o.pageSize ?? 500,
            continue: cont,
          },
          signal,
        });
      } catch (err) {
        if (cont && err instanceof ApiError && err.status === 410) {
          // The continue token expired: start the list over.
          items.length = 0;
          cont = undefined;
          continue;
        }
        throw err;
      }
      items.push(...(page?.items ?? []));
      itemKind = page?.kind?.replace(/List$/, "") || itemKind;
      itemApiVersion = page?.apiVersion || itemApiVersion;
      listVersion = page?.metadata?.resourceVersion || listVersion;
      cont = page?.metadata?.continue || undefined;
    } while (cont);

    const seen = new Map<string, KubeObject>();
    for (const raw of items) {
      const object = {
        ...raw,
        kind: raw.kind ?? itemKind ?? "",
        apiVersion: raw.apiVersion ?? itemApiVersion ?? "",
      };
      const key = objectKey(object);
      seen.set(key, identity(object));
      await emit(known.has(key) ? "MODIFIED" : "ADDED", object, true);
    }
    for (const [key, object] of known) {
      if (!seen.has(key)) await emit("DELETED", object, true);
    }
    known = seen;
    setVersion(listVersion);
  }

  async function watchOnce(): Promise<StreamOutcome> {
    const guard = stallGuard(signal, o.stallTimeoutMs, "watch");
    const started = Date.now();
    let received = 0;
    guard.arm();
    try {
      const res = await o.client.stream({
        path,
        query: {
          watch: "true",
          resourceVersion,
          allowWatchBookmarks: "true",
          timeoutSeconds,
          labelSelector: o.labelSelector,
          fieldSelector: o.fieldSelector,
        },
        signal: guard.signal,
        headersTimeoutMs: o.stallTimeoutMs + 1_000,
      });
      const splitter = new LineSplitter();
      for await (const chunk of res.body) {
        guard.arm();
        for (const piece of splitter.push(chunk)) {
          const result = await handleLine(piece.text);
          if (result === "gone") return { kind: "gone" };
          if (result === "event") received++;
        }
        guard.arm();
      }
      return { kind: "closed", healthy: received > 0 || Date.now() - started >= HEALTHY_STREAM_MS };
    } catch (err) {
      if (signal.aborted) return { kind: "aborted" };
      if (guard.stalled) return { kind: "stall", healthy: received > 0 };
      if (err instanceof ApiError && err.status === 410) return { kind: "gone" };
      // A stream that delivered events (or lived long) and then broke says
      // nothing bad about the server: no back-off, or resets would add up.
      const healthy = received > 0 || Date.now() - started >= HEALTHY_STREAM_MS;
      if (healthy && err instanceof ClusterError && !(err instanceof ApiError)) {
        return { kind: "broken", error: err };
      }
      throw err;
    } finally {
      guard.dispose();
    }
  }

  async function handleLine(text: string): Promise<"event" | "gone" | "ignored"> {
    if (text.trim() === "") return "ignored";
    let event: { type?: string; object?: KubeObject | KubeStatus };
    try {
      event = JSON.parse(text);
    } catch {
      return "ignored";
    }
    switch (event.type) {
      case "BOOKMARK":
        setVersion((event.object as KubeObject | undefined)?.metadata?.resourceVersion);
        return "event";
      case "ERROR": {
        const status = (event.object ?? {}) as KubeStatus;
        if (status.code === 410) return "gone";
        throw new ApiError({ status: status.code ?? 500, method: "WATCH", path, body: status });
      }
      case "ADDED":
      case "MODIFIED":
      case "DELETED": {
        const object = event.object as KubeObject;
        if (!object?.metadata) return "ignored";
        const key = objectKey(object);
        if (event.type === "DELETED") known.delete(key);
        else known.set(key, identity(object));
        setVersion(object.metadata.resourceVersion);
        await emit(event.type, object, false);
        return "event";
      }
      default:
        return "ignored";
    }
  }

  while (!signal.aborted) {
    let reason: WatchReconnect["reason"];
    let error: unknown;
    let delayMs = 0;
    try {
      if (needList) {
        if (listedOnce) stats.relists++;
        await list();
        needList = false;
        listedOnce = true;
        unauthorized = 0;
      }
      const outcome = await watchOnce();
      if (outcome.kind === "aborted") break;
      unauthorized = 0;
      reason = outcome.kind === "broken" ? "error" : outcome.kind;
      if (outcome.kind === "broken") {
        error = outcome.error;
        stats.errors++;
        failures = 0;
      } else if (outcome.kind === "gone") {
        needList = true;
        delayMs = failures > 0 ? backoffDelay(failures - 1, backoff) : 0;
        failures++;
      } else {
        if (outcome.kind === "stall") stats.stalls++;
        if (outcome.healthy) {
          failures = 0;
        } else {
          delayMs = backoffDelay(failures, backoff);
          failures++;
        }
      }
    } catch (err) {
      if (signal.aborted) break;
      if (err instanceof ApiError && err.status === 401 && ++unauthorized < MAX_UNAUTHORIZED) {
        // Credentials may be rotating (token file, exec plugin); try a few times.
      } else if (isPermanentApiError(err)) {
        throw fatalError(err, path, needList ? "list" : "watch");
      } else if (!(err instanceof ClusterError) && !(err instanceof ApiError)) {
        // A bug in onEvent (or elsewhere) is not a connection problem.
        throw err;
      }
      reason = "error";
      error = err;
      stats.errors++;
      delayMs = backoffDelay(failures, backoff);
      failures++;
    }
    stats.reconnects++;
    o.onReconnect?.({ reason, delayMs, resourceVersion, error });
    if (!(await sleep(delayMs, signal))) break;
  }
}

interface KubeListBody {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/**
 * What the watch remembers of each object it has seen, for the DELETED events
 * a re-list finds: its identity, not the whole object (a watch of a busy
 * namespace sees thousands).
 */
function identity(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, labels } = object.metadata;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name, namespace, uid, resourceVersion, ...(labels ? { labels } : {}) },
  };
}

function objectKey(object: KubeObject): string {
  return object.metadata.uid ?? `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
}

function fatalError(err: ApiError, path: string, verb: string): ClusterError {
  const message = err.serverMessage;
  switch (err.status) {
    case 401:
      return unauthorizedError(err);
    case 403:
      return new ClusterError(`forbidden: kjo needs verb "${verb}" on ${path} (${message})`, {
        cause: err,
      });
    default:
      return new ClusterError(`${verb} ${path} failed: ${err.message}`, { cause: err });
  }
}
