import assert from "node:assert/strict";
import { DETACH, RunFollower } from "../../../src/follower/run_follower.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { stubKubeConfig, until } from "../kube/_stub_api.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { EVENTS, FakeCluster, job, JOB_SUCCEEDED, JOBS, pod, PODS } from "./_fake_cluster.ts";

function setup() {
  const fake = new FakeCluster();
  const follower = new RunFollower({ kubeConfig: stubKubeConfig(fake.port) });
  return {
    fake,
    follower,
    close: async () => {
      await follower.close();
      await fake.close();
    },
  };
}

function collect() {
  const events: RunEvent[] = [];
  return { events, onEvent: (e: RunEvent) => events.push(e) };
}

const deletes = (fake: FakeCluster, runId: string) =>
  fake.stub.seen("DELETE", `${JOBS}/job-${runId}`).length;

/** Lets run `runId` succeed: its pod ends with 0, then its Job completes. */
function succeed(fake: FakeCluster, runId: string) {
  fake.put(PODS, pod(runId, 0));
  fake.put(JOBS, job(runId, JOB_SUCCEEDED));
}

Deno.test("RunFollower: concurrent runs each get their own result; logs once; detach deletes nothing", async () => {
  const { fake, follower, close } = setup();
  try {
    for (const runId of ["a", "b", "c"]) fake.put(JOBS, job(runId));
    fake.logs.set(
      "pod-a/main",
      '2026-11-30T00:00:01.000000000Z hello a\n2026-11-30T00:00:02.000000000Z ::kube_api:xcom={"k":1}\n',
    );
    const a = collect();
    const b = collect();
    const c = collect();
    const detachB = new AbortController();
    const results = {
      a: follower.follow({ runId: "a", deletePolicy: "Always", ...a }),
      b: follower.follow({ runId: "b", deletePolicy: "Always", signal: detachB.signal, ...b }),
      c: follower.follow({ runId: "c", deletePolicy: "Never", getLogs: false, ...c }),
    };
    await until(() => follower.size === 3, 5_000, "three follows");
    succeed(fake, "a");
    fake.put(PODS, pod("c", 1));
    fake.put(
      JOBS,
      job("c", {
        failed: 1,
        conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }],
      }),
    );
    const ra = await results.a;
    const rc = await results.c;
    detachB.abort(DETACH);
    const rb = await results.b;

    assert.equal(ra.state, "Succeeded");
    assert.equal(ra.exitCode, 0);
    assert.deepEqual(ra.xcom, { k: 1 });
    assert.deepEqual(
      a.events.filter((e) => e.type === "log").map((e) => e.type === "log" && e.line),
      ["hello a"],
    );
    assert.equal(deletes(fake, "a"), 1);

    assert.equal(rc.state, "Failed");
    assert.equal(rc.exitCode, 1);
    assert.equal(rc.reason, "BackoffLimitExceeded");
    assert.equal(deletes(fake, "c"), 0, "delete policy Never");
    assert.equal(c.events.filter((e) => e.type === "log").length, 0);
    assert.equal(fake.stub.seen("GET", "/api/v1/namespaces/ns/pods/pod-c/log").length, 0);

    assert.equal(rb.state, "Detached");
    assert.equal(rb.exitCode, 143);
    assert.equal(deletes(fake, "b"), 0, "detach deletes nothing, even with delete policy Always");
    assert.ok(fake.objects.get(JOBS)!.has("job-b"));
    assert.equal(b.events.at(-1), rb, "the result is the last event");
    assert.ok(!b.events.some((e) => e.type === "log"));

    // One watch per collection for the three runs, all stopped now.
    for (const path of [JOBS, PODS]) {
      assert.equal(fake.watchers.filter((w) => w.path === path).length, 1, path);
    }
    await until(() => fake.openWatches(PODS).length === 0, 5_000, "watches stopped");
    assert.deepEqual(follower.namespaces, []);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: an abort with a signal name deletes the run like attach does", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("a"));
    const stop = new AbortController();
    const result = follower.follow({ runId: "a", deletePolicy: "Never", signal: stop.signal });
    await until(() => follower.size === 1);
    stop.abort("SIGTERM");
    const r = await result;
    assert.equal(r.state, "Interrupted");
    assert.equal(r.exitCode, 143);
    assert.equal(deletes(fake, "a"), 1);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: a run joining watches that already run gets its earlier pods and events", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("first"));
    const first = follower.follow({ runId: "first", deletePolicy: "Never", getLogs: false });
    await until(() => fake.openWatches(PODS).length === 1, 5_000, "pod watch");
    // Run "late" gets stuck while nobody follows it; nothing changes after the follow joins.
    fake.put(JOBS, job("late"));
    const stuck = pod("late") as KubeObject & { status: Record<string, unknown> };
    stuck.status = {
      phase: "Pending",
      containerStatuses: [{
        name: "main",
        restartCount: 0,
        state: { waiting: { reason: "InvalidImageName", message: "bad name" } },
      }],
    };
    const stuckPod = fake.put(PODS, stuck);
    fake.put(EVENTS, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "late-ev" },
      involvedObject: { kind: "Pod", name: "pod-late", uid: stuckPod.metadata.uid },
      reason: "InspectFailed",
      type: "Warning",
      message: "invalid image",
      lastTimestamp: new Date(Date.now() + 1000).toISOString(),
    } as unknown as KubeObject);
    await new Promise((r) => setTimeout(r, 100)); // the shared watches saw all that
    const late = collect();
    const r = await follower.follow({
      runId: "late",
      deletePolicy: "Never",
      getLogs: false,
      ...late,
    });
    assert.equal(r.state, "Failed");
    assert.match(JSON.stringify(r), /InvalidImageName/);
    assert.deepEqual(
      late.events.filter((e) => e.type === "k8s_event").map((e) =>
        e.type === "k8s_event" && e.reason
      ),
      ["InspectFailed"],
    );
    assert.equal(fake.watchers.filter((w) => w.path === PODS).length, 1, "no second pod watch");
    succeed(fake, "first");
    assert.equal((await first).state, "Succeeded");
  } finally {
    await close();
  }
});

Deno.test("RunFollower: Events of a pod that existed before the run joined go to the run", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("first"));
    const first = follower.follow({ runId: "first", deletePolicy: "Never", getLogs: false });
    await until(() => fake.openWatches(EVENTS).length === 1, 5_000, "event watch");
    fake.put(JOBS, job("late"));
    const running = fake.put(PODS, pod("late"));
    await new Promise((r) => setTimeout(r, 100)); // the pod watch saw it before the run joined
    const late = collect();
    const result = follower.follow({
      runId: "late",
      deletePolicy: "Never",
      getLogs: false,
      ...late,
    });
    await until(() => late.events.some((e) => e.type === "status"), 5_000, "late followed");
    await new Promise((r) => setTimeout(r, 100));
    fake.put(EVENTS, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "late-ev" },
      involvedObject: { kind: "Pod", name: "pod-late", uid: running.metadata.uid },
      reason: "Unhealthy",
      type: "Warning",
      message: "probe failed",
      lastTimestamp: new Date(Date.now() + 1000).toISOString(),
    } as unknown as KubeObject);
    await until(() => late.events.some((e) => e.type === "k8s_event"), 5_000, "the pod's event");
    succeed(fake, "late");
    succeed(fake, "first");
    assert.equal((await result).state, "Succeeded");
    assert.equal((await first).state, "Succeeded");
  } finally {
    await close();
  }
});

Deno.test("RunFollower: a run whose tracked resource is a Pod sees it through both watches", async () => {
  const { fake, follower, close } = setup();
  try {
    const tracked = (exitCode?: number) => {
      const p = pod("p", exitCode);
      p.metadata.labels!["kjo/tracked"] = "true";
      return p;
    };
    fake.put(PODS, tracked());
    const result = follower.follow({ runId: "p", deletePolicy: "Never", getLogs: false });
    await until(() => fake.openWatches(PODS).length === 2, 5_000, "kind and pod watches");
    fake.put(PODS, tracked(0));
    const r = await result;
    assert.equal(r.state, "Succeeded", JSON.stringify(r));
    assert.deepEqual(r.resources, ["Pod/pod-p"]);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: after 410 Gone the shared watches list again; the run sees each change and event once", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("a"));
    const a = collect();
    const result = follower.follow({ runId: "a", deletePolicy: "Never", getLogs: false, ...a });
    await until(() => fake.openWatches(EVENTS).length === 1, 5_000, "event watch");
    const running = fake.put(PODS, pod("a"));
    const event = (name: string, reason: string) =>
      fake.put(EVENTS, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name },
        involvedObject: { kind: "Pod", name: "pod-a", uid: running.metadata.uid },
        reason,
        message: reason,
        lastTimestamp: new Date(Date.now() + 1000).toISOString(),
      } as unknown as KubeObject);
    event("ev-1", "Before");
    await until(() => a.events.some((e) => e.type === "k8s_event"), 5_000, "first event");
    fake.put(JOBS, job("other")); // every watch is now behind the compaction
    fake.compact();
    fake.breakWatches();
    event("ev-2", "During");
    await until(
      () =>
        [PODS, EVENTS].every((path) =>
          fake.stub.seen("GET", path).filter((r) => !r.query.get("watch")).length >= 2
        ),
      5_000,
      "re-lists",
    );
    await until(() => fake.openWatches(EVENTS).length === 1, 5_000, "event watch again");
    succeed(fake, "a");
    const r = await result;
    assert.equal(r.state, "Succeeded");
    assert.ok((r.stats?.watchRelists ?? 0) >= 1, JSON.stringify(r.stats));
    const reasons = a.events.flatMap((e) => e.type === "k8s_event" ? [e.reason] : []);
    assert.deepEqual(reasons, ["Before", "During"]);
    const states = a.events.flatMap((e) => e.type === "status" ? [e.state] : []);
    assert.deepEqual(states, ["Pending", "Succeeded"]);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: a missing run is an Error result with exit code 2; close() detaches what is left", async () => {
  const { fake, follower, close } = setup();
  try {
    const missing = await follower.follow({ runId: "nope" });
    assert.equal(missing.state, "Error");
    assert.equal(missing.exitCode, 2);
    assert.match(missing.message!, /no run nope in namespace ns/);

    fake.put(JOBS, job("a"));
    const pending = follower.follow({ runId: "a", deletePolicy: "Always" });
    await until(() => follower.size === 1);
    await follower.close();
    assert.equal((await pending).state, "Detached");
    assert.equal(deletes(fake, "a"), 0);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: cleanup deletes a run's resources and waits until they are gone", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("a"));
    fake.put(PODS, pod("a"));
    const r = await follower.cleanup({ runId: "a" });
    assert.equal(r.state, "Deleted");
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.resources, ["Job/job-a"]);
    assert.equal(fake.objects.get(JOBS)!.size, 0);
    assert.equal(fake.objects.get(PODS)!.size, 0);
    const again = await follower.cleanup({ runId: "a" });
    assert.equal(again.state, "Deleted");
    assert.match(again.message!, /nothing of run a left/);
  } finally {
    await close();
  }
});

Deno.test("RunFollower: pieces of an over-long line are no events; xcom caps fail the run (same rules as kjo run)", async () => {
  const { fake, follower, close } = setup();
  try {
    fake.put(JOBS, job("a"));
    fake.put(JOBS, job("b"));
    fake.logs.set(
      "pod-a/main",
      `2026-11-30T00:00:01.000000000Z ${"a".repeat(1024 * 1024)}::kube_api:xcom={"injected":1}\n` +
        '2026-11-30T00:00:02.000000000Z ::kube_api:xcom={"real":1}\n',
    );
    fake.logs.set(
      "pod-b/main",
      `2026-11-30T00:00:01.000000000Z ::kube_api:xcom={"a":${"[".repeat(40)}${"]".repeat(40)}}\n`,
    );
    const ra = follower.follow({ runId: "a", deletePolicy: "Never" });
    const rb = follower.follow({ runId: "b", deletePolicy: "Never", xcomMaxDepth: 8 });
    await until(() => follower.size === 2, 5_000, "two follows");
    succeed(fake, "a");
    succeed(fake, "b");
    const a = await ra;
    assert.equal(a.state, "Succeeded");
    assert.deepEqual(a.xcom, { real: 1 });
    const b = await rb;
    assert.equal(b.state, "Failed");
    assert.equal(b.reason, "InvalidKubeApiEvent");
    assert.equal(
      b.message,
      "pod-b/main: xcom value nests deeper than the cap of 8 levels (xcom max depth)",
    );
  } finally {
    await close();
  }
});
