/**
 * A small stateful API server on top of the stub API for follower tests:
 * Jobs, Pods and Events of one namespace, LIST with label/field selectors,
 * WATCH streams the test drives with {@linkcode FakeCluster.put} and
 * {@linkcode FakeCluster.remove}, GET and DELETE, and pod logs.
 *
 * @module
 */

import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  json,
  type PushStream,
  type SeenRequest,
  startStubApi,
  status,
  type StubApi,
} from "../kube/_stub_api.ts";

const COLLECTIONS: Record<string, string> = {
  "/apis/batch/v1/namespaces/ns/jobs": "Job",
  "/api/v1/namespaces/ns/pods": "Pod",
  "/api/v1/namespaces/ns/events": "Event",
};

/** An open (or ended) watch request. */
export interface Watcher {
  path: string;
  query: URLSearchParams;
  stream: PushStream;
  /** True once the client went away or the stream ended. */
  closed: boolean;
}

/** The fake cluster; `stub.requests` records every request. */
export class FakeCluster {
  readonly stub: StubApi;
  readonly objects = new Map<string, Map<string, KubeObject>>();
  readonly watchers: Watcher[] = [];
  /** Log text per `pod/container` (lines `TS text`). */
  readonly logs = new Map<string, string>();
  #version = 100;
  #forbidden = new Set<string>();
  #compactedAt = 0;
  /** Every change, for watches that start from an older resourceVersion. */
  #history: { path: string; type: string; object: KubeObject }[] = [];
  #uid = 0;

  constructor() {
    for (const path of Object.keys(COLLECTIONS)) this.objects.set(path, new Map());
    this.stub = startStubApi((seen, stub) => this.#handle(seen, stub));
  }

  /** Port of the fake. */
  get port(): number {
    return this.stub.port;
  }

  /** Creates or updates an object and tells the watchers. */
  put(path: string, object: KubeObject): KubeObject {
    const items = this.objects.get(path)!;
    const name = object.metadata.name!;
    const existing = items.get(name);
    const stored: KubeObject = {
      ...object,
      kind: COLLECTIONS[path],
      metadata: {
        ...object.metadata,
        namespace: "ns",
        uid: existing?.metadata.uid ?? object.metadata.uid ?? `uid-${++this.#uid}`,
        resourceVersion: String(++this.#version),
        creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString(),
      },
    };
    items.set(name, stored);
    this.#notify(path, existing ? "MODIFIED" : "ADDED", stored);
    return stored;
  }

  /** Deletes an object and tells the watchers. */
  remove(path: string, name: string): void {
    const items = this.objects.get(path)!;
    const object = items.get(name);
    if (!object) return;
    items.delete(name);
    this.#notify(path, "DELETED", {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.#version) },
    });
  }

  /** Open watch streams of a collection path. */
  openWatches(path: string): Watcher[] {
    return this.watchers.filter((w) => w.path === path && !w.closed);
  }

  /** Breaks every open watch stream mid-body (the clients reconnect). */
  breakWatches(): void {
    for (const w of this.watchers) w.stream.break();
  }

  /**
   * Compacts the history: watches from a resourceVersion older than now get
   * 410 Gone (as an ERROR event), so the clients list again.
   */
  compact(): void {
    this.#compactedAt = this.#version;
  }

  /** Answers every later request on `path` with 403. */
  forbid(path: string): void {
    this.#forbidden.add(path);
  }

  /** Stops the server. */
  close(): Promise<void> {
    return this.stub.close();
  }

  #notify(path: string, type: string, object: KubeObject): void {
    this.#history.push({ path, type, object });
    for (const w of this.openWatches(path)) {
      if (matches(object, w.query)) w.stream.send({ type, object });
    }
  }

  #handle(seen: SeenRequest, stub: StubApi): Response {
    const { path, query, method } = seen;
    if (this.#forbidden.has(path)) return status(403, "Forbidden", `${path} is forbidden`);
    if (COLLECTIONS[path]) {
      if (query.get("watch") === "true") {
        const stream = stub.openStream();
        const watcher: Watcher = { path, query, stream, closed: false };
        stream.cancelled.then(() => watcher.closed = true);
        this.watchers.push(watcher);
        const response = stream.response();
        // Like the API server: replay the changes after the requested resourceVersion.
        const since = Number(query.get("resourceVersion") ?? this.#version);
        if (since < this.#compactedAt) {
          stream.send({
            type: "ERROR",
            object: { kind: "Status", code: 410, reason: "Expired", message: "too old" },
          });
          stream.end();
          return response;
        }
        for (const change of this.#history) {
          if (
            change.path === path && Number(change.object.metadata.resourceVersion) > since &&
            matches(change.object, query)
          ) stream.send({ type: change.type, object: change.object });
        }
        return response;
      }
      // Pages like the API server: `limit`, then `continue` (here: the offset) while more remain.
      const all = [...this.objects.get(path)!.values()].filter((o) => matches(o, query));
      const limit = Number(query.get("limit") ?? 0);
      const from = Number(query.get("continue") ?? 0);
      const items = limit > 0 ? all.slice(from, from + limit) : all;
      const more = limit > 0 && from + limit < all.length;
      return json({
        kind: `${COLLECTIONS[path]}List`,
        apiVersion: "v1",
        metadata: {
          resourceVersion: String(this.#version),
          ...(more ? { continue: String(from + limit) } : {}),
        },
        items,
      });
    }
    const log = path.match(/^\/api\/v1\/namespaces\/ns\/pods\/([^/]+)\/log$/);
    if (log) {
      const text = this.logs.get(`${log[1]}/${query.get("container")}`);
      return text === undefined ? status(404, "NotFound", "no log") : new Response(text);
    }
    const slash = path.lastIndexOf("/");
    const collection = path.slice(0, slash);
    const name = decodeURIComponent(path.slice(slash + 1));
    const object = this.objects.get(collection)?.get(name);
    if (!object) return status(404, "NotFound", `${name} not found`);
    if (method === "DELETE") {
      this.remove(collection, name);
      // The garbage collector: a Job's pods go with it.
      const runId = object.metadata.labels?.["kjo/run-id"];
      if (collection === JOBS && runId) {
        for (const p of [...this.objects.get(PODS)!.values()]) {
          if (p.metadata.labels?.["kjo/run-id"] === runId) this.remove(PODS, p.metadata.name!);
        }
      }
      return json({ kind: "Status", status: "Success" });
    }
    return json(object);
  }
}

function matches(object: KubeObject, query: URLSearchParams): boolean {
  const labels = object.metadata.labels ?? {};
  for (const term of (query.get("labelSelector") ?? "").split(",").filter(Boolean)) {
    const [key, value] = term.split("=");
    if (value === undefined ? !(key in labels) : labels[key] !== value) return false;
  }
  const field = query.get("fieldSelector");
  if (field) {
    const [key, value] = field.split("=");
    if (key === "metadata.name" && object.metadata.name !== value) return false;
    if (
      key === "involvedObject.uid" &&
      (object as unknown as { involvedObject?: { uid?: string } }).involvedObject?.uid !== value
    ) return false;
  }
  return true;
}

/** Collection paths of the fake. */
export const JOBS = "/apis/batch/v1/namespaces/ns/jobs";
/** Pods of the fake's namespace. */
export const PODS = "/api/v1/namespaces/ns/pods";
/** Events of the fake's namespace. */
export const EVENTS = "/api/v1/namespaces/ns/events";

/** A tracked Job of run `runId`. */
export function job(runId: string, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `job-${runId}`, labels: { "kjo/run-id": runId, "kjo/tracked": "true" } },
    spec: { backoffLimit: 0 },
    status,
  } as KubeObject;
}

/** A pod of run `runId`, its container `main` running or terminated with `exitCode`. */
export function pod(runId: string, exitCode?: number): KubeObject {
  const state = exitCode === undefined
    ? { running: { startedAt: new Date().toISOString() } }
    : { terminated: { exitCode, reason: exitCode ? "Error" : "Completed" } };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${runId}`, labels: { "kjo/run-id": runId, "job-name": `job-${runId}` } },
    spec: { containers: [{ name: "main", image: "busybox" }] },
    status: {
      phase: exitCode === undefined ? "Running" : exitCode ? "Failed" : "Succeeded",
      containerStatuses: [{ name: "main", ready: false, restartCount: 0, state }],
    },
  } as KubeObject;
}

/** A Job status that the Job rule decides as succeeded. */
export const JOB_SUCCEEDED = {
  succeeded: 1,
  conditions: [{ type: "Complete", status: "True" }],
};
