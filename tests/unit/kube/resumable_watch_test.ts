import assert from "node:assert/strict";
import { ClusterError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  namespacedPath,
  type WatchEventInfo,
  type WatchEventType,
  type WatchReconnect,
  watchResources,
} from "../../../src/kube/resumable_watch.ts";

interface WatchEvent extends WatchEventInfo {
  type: WatchEventType;
  object: KubeObject;
}
const collect =
  (into: WatchEvent[]) => (type: WatchEventType, object: KubeObject, info: WatchEventInfo) =>
    void into.push({ type, object, ...info });
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import {
  freePort,
  json,
  type PushStream,
  startStubApi,
  status,
  type StubApi,
  stubKubeConfig,
  until,
} from "./_stub_api.ts";

const PODS = "/api/v1/namespaces/ns/pods";

function pod(name: string, rv: string, phase = "Pending"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", uid: `uid-${name}`, resourceVersion: rv },
    status: { phase },
  };
}

function podList(rv: string, items: KubeObject[]) {
  return {
    kind: "PodList",
    apiVersion: "v1",
    metadata: { resourceVersion: rv },
    items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
  };
}

const summary = (events: WatchEvent[]) =>
  events.map((e) => `${e.type}:${e.object.metadata.name}${e.fromList ? "(list)" : ""}`);

Deno.test("namespacedPath inserts the namespace", () => {
  assert.equal(namespacedPath("/apis/batch/v1/jobs", "ci"), "/apis/batch/v1/namespaces/ci/jobs");
  assert.equal(namespacedPath("/api/v1/namespaces/a/pods", "ci"), "/api/v1/namespaces/a/pods");
  assert.equal(namespacedPath("/api/v1/pods"), "/api/v1/pods");
});

Deno.test("watch: list, then watch from the list's version; resumes from the last bookmark; re-lists on an ERROR 410", async () => {
  const streams: PushStream[] = [];
  let lists = 0;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      lists++;
      return lists === 1
        ? json(podList("10", [pod("a", "8"), pod("b", "9")]))
        : json(podList("40", [pod("a", "35", "Running"), pod("c", "39")]));
    }
    const stream = s.openStream();
    streams.push(stream);
    return stream.response();
  });
  const events: WatchEvent[] = [];
  const reconnects: WatchReconnect[] = [];
  const ac = new AbortController();
  try {
    const watch = watchResources({
      client: stub.client(),
      path: "/api/v1/pods",
      namespace: "ns",
      labelSelector: "kjo/run-id=r1",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      onEvent: collect(events),
      onReconnect: (r) => void reconnects.push(r),
    });
    await until(() => streams.length === 1, 2_000, "first watch");
    assert.deepEqual(summary(events), ["ADDED:a(list)", "ADDED:b(list)"]);
    const firstWatch = stub.seen("GET", PODS).find((r) => r.query.get("watch") === "true")!;
    assert.equal(firstWatch.query.get("resourceVersion"), "10");
    assert.equal(firstWatch.query.get("allowWatchBookmarks"), "true");
    assert.equal(firstWatch.query.get("labelSelector"), "kjo/run-id=r1");
    assert.equal(firstWatch.query.get("timeoutSeconds"), "4");
    assert.equal(stub.requests[0].query.get("labelSelector"), "kjo/run-id=r1");

    streams[0].send({ type: "MODIFIED", object: pod("a", "11", "Running") });
    streams[0].send({
      type: "BOOKMARK",
      object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "15" } },
    });
    await until(() => watch.stats.resourceVersion === "15", 2_000, "bookmark");
    streams[0].end(); // like the server's timeoutSeconds running out

    await until(() => streams.length === 2, 2_000, "second watch");
    const watches = stub.requests.filter((r) => r.query.get("watch") === "true");
    assert.equal(watches[1].query.get("resourceVersion"), "15");
    assert.equal(reconnects[0].reason, "closed");

    streams[1].send({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired", message: "too old" },
    });
    await until(() => streams.length === 3, 2_000, "watch after re-list");
    assert.equal(lists, 2);
    const third = stub.requests.filter((r) => r.query.get("watch") === "true")[2];
    assert.equal(third.query.get("resourceVersion"), "40");
    assert.deepEqual(summary(events), [
      "ADDED:a(list)",
      "ADDED:b(list)",
      "MODIFIED:a",
      "MODIFIED:a(list)",
      "ADDED:c(list)",
      "DELETED:b(list)",
    ]);
    assert.equal(events[0].object.kind, "Pod", "list items get their kind back");
    // The watch keeps only each object's identity (bounded memory): so is a re-list's DELETED.
    assert.deepEqual(events.at(-1)!.object, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "b", namespace: "ns", uid: "uid-b", resourceVersion: "9" },
    });
    assert.equal(watch.stats.relists, 1);
    assert.equal(watch.stats.reconnects, 2);

    ac.abort();
    await watch;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: HTTP 410 on the watch request re-lists", async () => {
  let lists = 0;
  let watches = 0;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      lists++;
      return json(podList(String(lists * 100), [pod("a", String(lists * 100))]));
    }
    watches++;
    if (watches === 1) return status(410, "Expired", "resourceVersion too old");
    return s.openStream().response();
  });
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  try {
    const watch = watchResources({
      client: stub.client(),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      onEvent: collect(events),
    });
    await until(() => watches === 2, 2_000, "watch after 410");
    assert.equal(lists, 2);
    const last = stub.requests.filter((r) => r.query.get("watch") === "true").at(-1)!;
    assert.equal(last.query.get("resourceVersion"), "200");
    assert.deepEqual(summary(events), ["ADDED:a(list)", "MODIFIED:a(list)"]);
    ac.abort();
    await watch;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: a silent stream is dropped within stallTimeoutMs and resumed from the same version", async () => {
  const opened: number[] = [];
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") return json(podList("7", []));
    opened.push(Date.now());
    const stream = s.openStream();
    const response = stream.response();
    if (opened.length === 1) stream.send({ type: "ADDED", object: pod("x", "9") });
    return response; // then silence
  });
  const ac = new AbortController();
  try {
    const watch = watchResources({
      client: stub.client(),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 300,
      timeoutSeconds: 60,
      onEvent: () => {},
    });
    await until(() => opened.length === 2, 3_000, "reconnect after stall");
    const gap = opened[1] - opened[0];
    assert.ok(gap >= 280 && gap < 1_000, `stall detected after ${gap} ms`);
    const watchReqs = stub.requests.filter((r) => r.query.get("watch") === "true");
    assert.equal(watchReqs[1].query.get("resourceVersion"), "9");
    assert.equal(watch.stats.stalls, 1);
    ac.abort();
    await watch;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: a broken connection is resumed at once, not after the stall timeout", async () => {
  const streams: PushStream[] = [];
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") return json(podList("1", []));
    const stream = s.openStream();
    streams.push(stream);
    return stream.response();
  });
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  try {
    const watch = watchResources({
      client: stub.client(),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 10_000,
      backoff: { minMs: 10, maxMs: 20 },
      onEvent: collect(events),
    });
    await until(() => streams.length === 1);
    streams[0].send({ type: "ADDED", object: pod("a", "5") });
    await until(() => events.length === 1);
    const broke = Date.now();
    streams[0].break();
    await until(() => streams.length === 2, 2_000, "reconnect after break");
    assert.ok(Date.now() - broke < 1_000);
    const watchReqs = stub.requests.filter((r) => r.query.get("watch") === "true");
    assert.equal(watchReqs[1].query.get("resourceVersion"), "5");
    assert.equal(watch.stats.errors, 1);
    ac.abort();
    await watch;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: keeps trying while the server is unreachable, then lists when it comes up", async () => {
  const port = freePort();
  let stub: StubApi | undefined;
  const ac = new AbortController();
  const events: WatchEvent[] = [];
  const reconnects: WatchReconnect[] = [];
  const client = createKubeClient(stubKubeConfig(port), { maxRetries: 0 });
  try {
    const watch = watchResources({
      client,
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 2_000,
      backoff: { minMs: 20, maxMs: 40 },
      onEvent: collect(events),
      onReconnect: (r) => void reconnects.push(r),
    });
    await until(() => reconnects.length >= 3, 2_000, "failed attempts");
    assert.ok(reconnects.every((r) => r.reason === "error"));
    stub = startStubApi(
      (req, s) =>
        req.query.get("watch") === "true"
          ? s.openStream().response()
          : json(podList("3", [pod("a", "3")])),
      port,
    );
    await until(() => events.length === 1, 3_000, "list after the server came up");
    ac.abort();
    await watch;
  } finally {
    ac.abort();
    client.close();
    await stub?.close();
  }
});

Deno.test("watch: 403 ends the watch with a ClusterError (onError, or rejection)", async () => {
  const stub = startStubApi(() =>
    status(403, "Forbidden", 'pods is forbidden: User "x" cannot list resource "pods"')
  );
  const ac = new AbortController();
  try {
    let reported: ClusterError | undefined;
    await watchResources({
      client: stub.client(),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 1_000,
      onEvent: () => {},
      onError: (e) => (reported = e),
    });
    assert.ok(reported instanceof ClusterError);
    assert.match(
      reported!.message,
      /forbidden: kjo needs verb "list" on \/api\/v1\/namespaces\/ns\/pods/,
    );

    await assert.rejects(
      watchResources({
        client: stub.client(),
        path: PODS,
        signal: ac.signal,
        stallTimeoutMs: 1_000,
        onEvent: () => {},
      }),
      ClusterError,
    );
    assert.equal(stub.requests.length, 2, "403 is not retried");
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: ends cleanly when aborted during back-off", async () => {
  const stub = startStubApi(() => status(503, "ServiceUnavailable", "busy"));
  const ac = new AbortController();
  try {
    const watch = watchResources({
      client: stub.client({ maxRetries: 0 }),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 1_000,
      backoff: { minMs: 5_000, maxMs: 5_000 },
      onEvent: () => {},
    });
    await until(() => stub.requests.length === 1);
    const t = Date.now();
    ac.abort();
    await watch;
    assert.ok(Date.now() - t < 500);
  } finally {
    await stub.close();
  }
});

Deno.test("watch: 401 is retried a few times (credentials may rotate), then ends the watch", async () => {
  const stub = startStubApi(() => status(401, "Unauthorized", "Unauthorized"));
  const ac = new AbortController();
  try {
    await assert.rejects(
      watchResources({
        client: stub.client({ maxRetries: 0 }),
        path: PODS,
        signal: ac.signal,
        stallTimeoutMs: 1_000,
        backoff: { minMs: 1, maxMs: 2 },
        onEvent: () => {},
      }),
      (e) => e instanceof ClusterError && /^unauthorized:/.test(e.message),
    );
    assert.equal(stub.requests.length, 3);
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("watch: startResourceVersion watches from that version without listing; a 410 falls back to a list", async () => {
  const streams: PushStream[] = [];
  let lists = 0;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      lists++;
      return json(podList("50", [pod("a", "45", "Running")]));
    }
    const stream = s.openStream();
    streams.push(stream);
    return stream.response();
  });
  const events: WatchEvent[] = [];
  const ac = new AbortController();
  try {
    const watch = watchResources({
      client: stub.client(),
      path: PODS,
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      startResourceVersion: "7",
      onEvent: collect(events),
    });
    await until(() => streams.length === 1, 2_000, "first watch");
    assert.equal(lists, 0, "no list before the first watch");
    const first = stub.requests.find((r) => r.query.get("watch") === "true")!;
    assert.equal(first.query.get("resourceVersion"), "7");
    streams[0].send({ type: "ADDED", object: pod("a", "8") });
    await until(() => events.length === 1, 2_000, "the change after version 7");
    streams[0].send({
      type: "ERROR",
      object: { kind: "Status", code: 410, reason: "Expired", message: "too old" },
    });
    await until(() => streams.length === 2, 2_000, "watch after the fallback list");
    assert.equal(lists, 1);
    const second = stub.requests.filter((r) => r.query.get("watch") === "true")[1];
    assert.equal(second.query.get("resourceVersion"), "50");
    assert.deepEqual(summary(events), ["ADDED:a", "MODIFIED:a(list)"]);
    ac.abort();
    await watch;
  } finally {
    await stub.close();
  }
});
