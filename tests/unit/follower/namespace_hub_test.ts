import assert from "node:assert/strict";
import type { ClusterError } from "../../../src/errors.ts";
import type { KubeEvent } from "../../../src/kube/kube_event.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { WatchEventType } from "../../../src/kube/resumable_watch.ts";
import { type HubSubscriber, NamespaceHub } from "../../../src/follower/namespace_hub.ts";
import { stubKubeConfig, until } from "../kube/_stub_api.ts";
import { EVENTS, FakeCluster, job, JOBS, pod, PODS } from "./_fake_cluster.ts";

class Recorder implements HubSubscriber {
  readonly trackedKind = { apiVersion: "batch/v1", kind: "Job" };
  tracked: [WatchEventType, string][] = [];
  pods: [WatchEventType, string][] = [];
  events: string[] = [];
  fatal: ClusterError[] = [];
  reconnects = 0;
  constructor(readonly runId: string) {}
  onTracked(type: WatchEventType, object: KubeObject) {
    this.tracked.push([type, object.metadata.name!]);
  }
  onPod(type: WatchEventType, object: KubeObject) {
    this.pods.push([type, object.metadata.name!]);
  }
  onEvent(event: KubeEvent) {
    this.events.push(event.reason!);
  }
  onReconnect() {
    this.reconnects++;
  }
  onFatal(error: ClusterError) {
    this.fatal.push(error);
  }
}

function event(name: string, uid: string, reason: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name },
    involvedObject: { kind: "Pod", name: "x", uid },
    reason,
    message: reason,
    lastTimestamp: new Date().toISOString(),
  } as unknown as KubeObject;
}

function setup() {
  const fake = new FakeCluster();
  const client = createKubeClient(stubKubeConfig(fake.port), {
    retryBackoff: { minMs: 10, maxMs: 50 },
  });
  const hub = new NamespaceHub({ client, namespace: "ns", stallTimeoutMs: 10_000 });
  return {
    fake,
    hub,
    close: async () => {
      client.close();
      await fake.close();
    },
  };
}

const watchesOpen = (fake: FakeCluster) => () =>
  fake.openWatches(JOBS).length === 1 && fake.openWatches(PODS).length === 1 &&
  fake.openWatches(EVENTS).length === 1;

Deno.test("NamespaceHub: runs share one watch per kind, pods and events, each change goes to its run", async () => {
  const { fake, hub, close } = setup();
  try {
    const a = new Recorder("run-a");
    const b = new Recorder("run-b");
    const leaveA = hub.subscribe(a);
    const leaveB = hub.subscribe(b);
    await until(watchesOpen(fake), 5_000, "shared watches");
    fake.put(JOBS, job("run-a"));
    fake.put(JOBS, job("run-b"));
    fake.put(JOBS, job("run-other")); // a run nobody follows
    const podA = fake.put(PODS, pod("run-a"));
    fake.put(PODS, pod("run-b"));
    await until(() => a.pods.length === 1 && b.pods.length === 1 && b.tracked.length === 1);
    fake.put(EVENTS, event("ev-1", podA.metadata.uid!, "Pulled"));
    await until(() => a.events.length === 1);

    assert.deepEqual(a.tracked, [["ADDED", "job-run-a"]]);
    assert.deepEqual(b.tracked, [["ADDED", "job-run-b"]]);
    assert.deepEqual(a.pods, [["ADDED", "pod-run-a"]]);
    assert.deepEqual(b.pods, [["ADDED", "pod-run-b"]]);
    assert.deepEqual(a.events, ["Pulled"]);
    assert.deepEqual(b.events, []);
    // One watch of each, whatever the number of runs.
    for (const path of [JOBS, PODS, EVENTS]) {
      assert.equal(fake.stub.seen("GET", path).filter((r) => r.query.get("watch")).length, 1, path);
    }
    assert.equal(
      fake.watchers.find((w) => w.path === PODS)!.query.get("labelSelector"),
      "kjo/run-id",
    );
    assert.equal(
      fake.watchers.find((w) => w.path === JOBS)!.query.get("labelSelector"),
      "kjo/tracked=true",
    );

    await leaveA();
    assert.equal(fake.openWatches(PODS).length, 1, "b still needs the watches");
    await leaveB();
    await until(
      () =>
        fake.openWatches(PODS).length + fake.openWatches(JOBS).length +
            fake.openWatches(EVENTS).length === 0,
      5_000,
      "watches stopped after the last run",
    );
    assert.equal(hub.watching, false);
  } finally {
    await close();
  }
});

Deno.test("NamespaceHub: an event seen before its object was claimed is kept and delivered on claim", async () => {
  const { fake, hub, close } = setup();
  try {
    const a = new Recorder("run-a");
    const leave = hub.subscribe(a);
    await until(watchesOpen(fake), 5_000, "shared watches");
    fake.put(EVENTS, event("ev-early", "uid-configmap", "Early"));
    fake.put(EVENTS, event("ev-noise", "uid-unrelated", "Noise"));
    await until(() => fake.stub.requests.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(a.events, []);
    hub.claim("run-a", "uid-configmap");
    assert.deepEqual(a.events, ["Early"]);
    await leave();
  } finally {
    await close();
  }
});

Deno.test("NamespaceHub: two follows of one run both get its changes; a run joining later starts no new watch", async () => {
  const { fake, hub, close } = setup();
  try {
    const first = new Recorder("run-a");
    const second = new Recorder("run-a");
    const leave1 = hub.subscribe(first);
    await until(watchesOpen(fake), 5_000, "shared watches");
    const leave2 = hub.subscribe(second);
    fake.put(PODS, pod("run-a"));
    await until(() => first.pods.length === 1 && second.pods.length === 1);
    assert.equal(fake.watchers.length, 3);
    await leave1();
    await leave2();
  } finally {
    await close();
  }
});

Deno.test("NamespaceHub: after broken connections the watches resume; no change is delivered twice or lost", async () => {
  const { fake, hub, close } = setup();
  try {
    const a = new Recorder("run-a");
    const leave = hub.subscribe(a);
    await until(watchesOpen(fake), 5_000, "shared watches");
    fake.put(PODS, pod("run-a"));
    await until(() => a.pods.length === 1);
    fake.breakWatches();
    fake.put(PODS, pod("run-a", 0)); // while the watches are down
    await until(() => a.reconnects >= 3, 5_000, "reconnects");
    await until(watchesOpen(fake), 5_000, "watches again");
    await until(() => a.pods.length === 2);
    fake.put(PODS, pod("run-a", 1));
    await until(() => a.pods.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(a.pods, [["ADDED", "pod-run-a"], ["MODIFIED", "pod-run-a"], [
      "MODIFIED",
      "pod-run-a",
    ]]);
    // Resumed from the last resourceVersion, not re-listed.
    assert.equal(fake.stub.seen("GET", PODS).filter((r) => !r.query.get("watch")).length, 1);
    await leave();
  } finally {
    await close();
  }
});

Deno.test("NamespaceHub: a forbidden watch ends the runs that need it with the cluster's error", async () => {
  const { fake, hub, close } = setup();
  try {
    fake.forbid(PODS);
    const a = new Recorder("run-a");
    const leave = hub.subscribe(a);
    await until(() => a.fatal.length > 0, 5_000, "fatal error");
    assert.match(a.fatal[0].message, /forbidden/);
    assert.equal(hub.watching, false, "the next run starts fresh watches");
    await leave();
  } finally {
    await close();
  }
});

Deno.test("NamespaceHub narrowed to one run: its watches select only that run; Events start at the given version, unlisted", async () => {
  const fake = new FakeCluster();
  const client = createKubeClient(stubKubeConfig(fake.port));
  try {
    fake.put(EVENTS, event("ev-old", "uid-old", "BeforeTheRun"));
    const created = fake.put(JOBS, job("run-a"));
    const hub = new NamespaceHub({
      client,
      namespace: "ns",
      stallTimeoutMs: 10_000,
      scope: {
        runId: "run-a",
        trackedName: "job-run-a",
        eventsFrom: created.metadata.resourceVersion,
      },
    });
    const a = new Recorder("run-a");
    const leave = hub.subscribe(a);
    hub.claim("run-a", "uid-old");
    await until(watchesOpen(fake), 5_000, "the run's watches");
    fake.put(JOBS, job("run-b"));
    const podA = fake.put(PODS, pod("run-a"));
    fake.put(PODS, pod("run-b"));
    fake.put(EVENTS, event("ev-new", podA.metadata.uid!, "Pulled"));
    await until(() => a.pods.length === 1 && a.events.length === 1);
    await new Promise((r) => setTimeout(r, 100)); // run-b's objects would have come by now

    assert.deepEqual(a.tracked, [["ADDED", "job-run-a"]]);
    assert.deepEqual(a.pods, [["ADDED", "pod-run-a"]]);
    assert.deepEqual(a.events, ["Pulled"], "no Event from before the run's first object");
    const query = (path: string) => fake.watchers.find((w) => w.path === path)!.query;
    assert.equal(query(PODS).get("labelSelector"), "kjo/run-id=run-a");
    assert.equal(query(JOBS).get("fieldSelector"), "metadata.name=job-run-a");
    assert.equal(query(JOBS).get("labelSelector"), null);
    assert.equal(query(EVENTS).get("resourceVersion"), created.metadata.resourceVersion);
    assert.equal(
      fake.stub.seen("GET", EVENTS).filter((r) => !r.query.get("watch")).length,
      0,
      "the namespace's Events are not listed",
    );
    await leave();
    assert.equal(hub.watching, false);
  } finally {
    client.close();
    await fake.close();
  }
});
