import assert from "node:assert/strict";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { XComCollector } from "../../../src/logs/xcom_collector.ts";
import { type RunEvent, stampEvent } from "../../../src/output/run_event.ts";
import { type HubSubscriber, NamespaceHub } from "../../../src/follower/namespace_hub.ts";
import { RunState } from "../../../src/follower/_run_state.ts";
import { trackOnHub } from "../../../src/follower/_track_on_hub.ts";
import { stubKubeConfig, until } from "../kube/_stub_api.ts";
import { EVENTS, FakeCluster, job, JOB_SUCCEEDED, JOBS, pod, PODS } from "./_fake_cluster.ts";

/** A fake, a client, a hub (narrowed to `runId` when `scoped`) and the run's state. */
function setup(runId: string, created: (fake: FakeCluster) => KubeObject, scoped: boolean) {
  const fake = new FakeCluster();
  const client = createKubeClient(stubKubeConfig(fake.port), {
    retryBackoff: { minMs: 10, maxMs: 50 },
  });
  const tracked = created(fake);
  const hub = new NamespaceHub({
    client,
    namespace: "ns",
    stallTimeoutMs: 10_000,
    ...(scoped ? { scope: { runId, trackedName: tracked.metadata.name! } } : {}),
  });
  const events: RunEvent[] = [];
  const state = new RunState({
    client,
    namespace: "ns",
    runId,
    created: [tracked],
    rule: KindRegistry.withBuiltins().require(tracked),
    options: { startupTimeoutSeconds: 30 },
    xcom: new XComCollector({}),
    emit: (e) => events.push(stampEvent(e)),
  });
  /** Follows the run on the hub until decided or `signal` aborts. */
  const track = (signal: AbortSignal, caughtUp?: () => void) =>
    trackOnHub({ client, hub, state, namespace: "ns", created: [tracked], signal, caughtUp });
  return {
    fake,
    client,
    hub,
    state,
    tracked,
    events,
    track,
    close: async () => {
      client.close();
      await fake.close();
    },
  };
}

/** Pod `name` of run `runId`, its container ended with 0. */
function donePod(runId: string, name: string): KubeObject {
  const p = pod(runId, 0);
  return { ...p, metadata: { ...p.metadata, name } };
}

Deno.test("trackOnHub: decided, the run's pods are read page by page and every container's last lines drained", async () => {
  const t = setup("r1", (fake) => fake.put(JOBS, job("r1", JOB_SUCCEEDED)), true);
  try {
    for (let i = 0; i < 130; i++) {
      const name = `pod-r1-${String(i).padStart(3, "0")}`;
      t.fake.put(PODS, donePod("r1", name));
      t.fake.logs.set(`${name}/main`, `2026-11-30T00:00:01.000000000Z line of ${name}\n`);
    }
    const verdict = await t.track(new AbortController().signal);
    assert.equal(verdict?.state, "Succeeded");
    const lines = t.events.flatMap((e) => e.type === "log" ? [e.line] : []);
    assert.equal(lines.length, 130, "each container's line once");
    assert.equal(new Set(lines).size, 130);
    const pages = t.fake.stub.seen("GET", PODS).filter((r) =>
      !r.query.get("watch") && r.query.get("labelSelector") === "kjo/run-id=r1"
    );
    assert.deepEqual(
      pages.filter((r) => r.query.get("limit") === "100").map((r) => r.query.get("continue")),
      [null, "100"],
      "the decided run's pods in two pages of at most 100",
    );
    assert.equal(t.hub.watching, false, "the run left the hub");
  } finally {
    await t.close();
  }
});

Deno.test("trackOnHub: a run joining watches already running reads its pods and their Events once, then follows them", async () => {
  const t = setup("r2", (fake) => fake.put(JOBS, job("r2")), false);
  try {
    // Another run keeps the shared watches open; r2 joins after they listed.
    const other: HubSubscriber = {
      runId: "other",
      trackedKind: t.state.trackedKind,
      onTracked() {},
      onPod() {},
      onEvent() {},
      onReconnect() {},
      onFatal() {},
    };
    const leaveOther = t.hub.subscribe(other);
    await until(() => t.fake.openWatches(PODS).length === 1, 5_000, "shared watches");
    const running = t.fake.put(PODS, pod("r2"));
    t.fake.put(EVENTS, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "ev-pulled" },
      involvedObject: { kind: "Pod", name: running.metadata.name, uid: running.metadata.uid },
      reason: "Pulled",
      message: "pulled before r2 joined",
      lastTimestamp: new Date(Date.now() + 1000).toISOString(), // after the run's creation
    } as unknown as KubeObject);
    const abort = new AbortController();
    const caughtUp = Promise.withResolvers<void>();
    const tracking = t.track(abort.signal, caughtUp.resolve);
    await caughtUp.promise;
    const reasons = () => t.events.flatMap((e) => e.type === "k8s_event" ? [e.reason] : []);
    assert.deepEqual(reasons(), ["Pulled"], "the Event from before the join, once");
    assert.equal(
      t.fake.stub.seen("GET", EVENTS).filter((r) =>
        r.query.get("fieldSelector") === `involvedObject.uid=${running.metadata.uid}`
      ).length,
      1,
    );
    t.fake.put(PODS, pod("r2", 0));
    t.fake.put(JOBS, job("r2", JOB_SUCCEEDED));
    assert.equal((await tracking)?.state, "Succeeded");
    assert.deepEqual(reasons(), ["Pulled"], "not again from the shared watch");
    assert.equal(t.hub.size, 1, "r2 left; the other run stays");
    await leaveOther();
  } finally {
    await t.close();
  }
});

Deno.test("trackOnHub: an abort resolves undefined at once and the run leaves the hub", async () => {
  const t = setup("r3", (fake) => fake.put(JOBS, job("r3")), true);
  try {
    const abort = new AbortController();
    const tracking = t.track(abort.signal);
    await until(() => t.fake.openWatches(PODS).length === 1, 5_000, "the run's watches");
    abort.abort("SIGTERM");
    assert.equal(await tracking, undefined);
    assert.equal(t.hub.watching, false);
    await until(() => t.fake.openWatches(PODS).length === 0, 5_000, "watches stopped");
  } finally {
    await t.close();
  }
});

Deno.test("trackOnHub: a change of the tracked resource made before the run joined running watches is read on catch-up", async () => {
  const t = setup("r4", (fake) => fake.put(JOBS, job("r4")), false);
  try {
    const other: HubSubscriber = {
      runId: "other",
      trackedKind: t.state.trackedKind,
      onTracked() {},
      onPod() {},
      onEvent() {},
      onReconnect() {},
      onFatal() {},
    };
    const leaveOther = t.hub.subscribe(other);
    await until(() => t.fake.openWatches(JOBS).length === 1, 5_000, "shared watches");
    // Completes after the run read it (t.tracked) and before it joins: the watch tells nobody.
    t.fake.put(PODS, pod("r4", 0));
    t.fake.put(JOBS, job("r4", JOB_SUCCEEDED));
    await new Promise((r) => setTimeout(r, 100));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort("test: no verdict within 5 s"), 5_000);
    try {
      assert.equal((await t.track(abort.signal))?.state, "Succeeded");
    } finally {
      clearTimeout(timer);
    }
    await leaveOther();
  } finally {
    await t.close();
  }
});
