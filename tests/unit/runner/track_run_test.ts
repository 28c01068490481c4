import assert from "node:assert/strict";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { XComCollector } from "../../../src/logs/xcom_collector.ts";
import { type RunEvent, stampEvent } from "../../../src/output/run_event.ts";
import { type TrackingOutcome, trackRun } from "../../../src/runner/track_run.ts";
import type { TrackingOptions } from "../../../src/runner/_tracking.ts";
import { stubKubeConfig, until } from "../kube/_stub_api.ts";
import { FakeCluster } from "./_fake_cluster.ts";
import {
  EVENTS,
  FakeCluster as ClusterWithEvents,
  job as followerJob,
  JOB_SUCCEEDED,
  JOBS,
  pod as followerPod,
  PODS,
} from "../follower/_fake_cluster.ts";

/** Creates Job `work` of run r1 (with `status`) in the fake and tracks it. */
async function track(
  cluster: FakeCluster,
  jobStatus: Record<string, unknown> | undefined,
  options: TrackingOptions = {},
  during?: (job: KubeObject, events: RunEvent[]) => void | Promise<void>,
  signal = new AbortController().signal,
): Promise<{ outcome: TrackingOutcome; events: RunEvent[] }> {
  const job = cluster.create("jobs", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "work", namespace: "ns", labels: { "kjo/run-id": "r1" } },
    ...(jobStatus ? { status: jobStatus } : {}),
  });
  const client = createKubeClient(stubKubeConfig(cluster.stub.port));
  const events: RunEvent[] = [];
  try {
    const tracking = trackRun({
      client,
      namespace: "ns",
      created: [job],
      rule: KindRegistry.withBuiltins().require(job),
      runId: "r1",
      options: { startupTimeoutSeconds: 30, ...options },
      xcom: new XComCollector({}),
      emit: (e) => events.push(stampEvent(e)),
      signal,
    });
    await during?.(job, events);
    return { outcome: await tracking, events };
  } finally {
    client.close();
  }
}

/** The watch stream whose request path contains `part` (streams open in request order). */
function watchOf(cluster: FakeCluster, part: string) {
  const watches = cluster.stub.requests.filter((r) => r.method === "GET" && r.query.get("watch"));
  const i = watches.findIndex((r) => r.path.includes(part));
  return i >= 0 ? cluster.watches[i] : undefined;
}

Deno.test("trackRun: a Job listed Complete is decided Succeeded, its status emitted, no summary", async () => {
  const cluster = new FakeCluster();
  try {
    const { outcome, events } = await track(cluster, {
      conditions: [{ type: "Complete", status: "True" }],
      succeeded: 1,
    });
    assert.equal(outcome.verdict?.state, "Succeeded");
    assert.deepEqual(outcome.summary, []);
    assert.deepEqual(outcome.lineErrors, []);
    assert.ok(
      events.some((e) =>
        e.type === "status" && e.resource === "Job/work" && e.state === "Succeeded"
      ),
    );
    await until(() => cluster.openWatches === 0, 5_000, "every watch to be stopped");
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun: a failed Job's summary is headed 'failed' with the failing condition", async () => {
  const cluster = new FakeCluster();
  try {
    const { outcome } = await track(cluster, {
      conditions: [{
        type: "Failed",
        status: "True",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      }],
      failed: 1,
    });
    assert.equal(outcome.verdict?.state, "Failed");
    assert.equal(
      outcome.summary[0],
      "Job/work failed: condition Failed, reason BackoffLimitExceeded: Job has reached the specified backoff limit",
    );
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun: the execution timeout decides TimedOut and the summary says 'timed out'", async () => {
  const cluster = new FakeCluster();
  try {
    const { outcome } = await track(cluster, undefined, { executionTimeoutSeconds: 1 });
    assert.equal(outcome.verdict?.state, "TimedOut");
    assert.match(outcome.summary[0], /^Job\/work timed out: /);
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun: the tracked resource deleted decides Deleted and the summary says 'was deleted'", async () => {
  const cluster = new FakeCluster();
  try {
    const { outcome } = await track(cluster, undefined, {}, async (job) => {
      await until(() => watchOf(cluster, "/jobs") !== undefined, 5_000, "the Job's watch");
      watchOf(cluster, "/jobs")!.send({ type: "DELETED", object: job });
    });
    assert.equal(outcome.verdict?.state, "Deleted");
    assert.match(outcome.summary[0], /^Job\/work was deleted/);
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun: aborting ends tracking without a verdict or summary and stops the watches", async () => {
  const cluster = new FakeCluster();
  const stop = new AbortController();
  try {
    const { outcome } = await track(cluster, undefined, {}, async () => {
      await until(() => cluster.watches.length >= 3, 5_000, "the three watches");
      stop.abort("SIGTERM");
    }, stop.signal);
    assert.equal(outcome.verdict, undefined);
    assert.deepEqual(outcome.summary, []);
    await until(() => cluster.openWatches === 0, 5_000, "the watches to close");
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun: a watch reconnect is counted in the stats and said", async () => {
  const cluster = new FakeCluster();
  try {
    const { outcome } = await track(cluster, undefined, {}, async (job, events) => {
      await until(() => watchOf(cluster, "/pods") !== undefined, 5_000, "the pods' watch");
      watchOf(cluster, "/pods")!.break();
      await until(
        () =>
          events.some((e) =>
            e.type === "info" && e.message.startsWith("watch of the run's pods: ")
          ),
        5_000,
        "the reconnect message",
      );
      await until(() => watchOf(cluster, "/jobs") !== undefined, 5_000, "the Job's watch");
      watchOf(cluster, "/jobs")!.send({ type: "DELETED", object: job });
    });
    assert.equal(outcome.stats.watchReconnects, 1);
    assert.equal(outcome.stats.watchStalls, 0);
  } finally {
    await cluster.close();
  }
});

Deno.test("trackRun of a found run (attach): Events watched from now, its objects' earlier Events read once, the namespace's never listed", async () => {
  const fake = new ClusterWithEvents();
  const client = createKubeClient(stubKubeConfig(fake.port));
  const event = (name: string, involved: KubeObject, reason: string) =>
    ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name },
      involvedObject: { kind: "Pod", name: involved.metadata.name, uid: involved.metadata.uid },
      reason,
      message: reason,
      lastTimestamp: new Date(Date.now() + 1000).toISOString(), // after the run's creation
    }) as unknown as KubeObject;
  try {
    const job = fake.put(JOBS, followerJob("r9"));
    const pod = fake.put(PODS, followerPod("r9"));
    const other = fake.put(PODS, followerPod("someone-else"));
    for (let i = 0; i < 30; i++) fake.put(EVENTS, event(`noise-${i}`, other, "Noise"));
    fake.put(EVENTS, event("pulled", pod, "Pulled"));
    const events: RunEvent[] = [];
    const reasons = () => events.flatMap((e) => e.type === "k8s_event" ? [e.reason] : []);
    const tracking = trackRun({
      client,
      namespace: "ns",
      created: [job],
      rule: KindRegistry.withBuiltins().require(job),
      runId: "r9",
      options: { startupTimeoutSeconds: 30 },
      xcom: new XComCollector({}),
      emit: (e) => events.push(stampEvent(e)),
      signal: new AbortController().signal,
    });
    await until(() => reasons().length === 1, 5_000, "the earlier Event");
    await until(() => fake.openWatches(EVENTS).length === 1, 5_000, "the Event watch");
    fake.put(EVENTS, event("killing", pod, "Killing"));
    await until(() => reasons().length === 2, 5_000, "the Event from the watch");
    fake.put(PODS, followerPod("r9", 0));
    fake.put(JOBS, followerJob("r9", JOB_SUCCEEDED));
    assert.equal((await tracking).verdict?.state, "Succeeded");
    assert.deepEqual(reasons(), ["Pulled", "Killing"]);
    const reads = fake.stub.seen("GET", EVENTS).filter((r) => !r.query.get("watch"));
    assert.ok(reads.length > 0);
    for (const r of reads) {
      assert.ok(
        r.query.get("limit") === "1" ||
          r.query.get("fieldSelector")?.startsWith("involvedObject.uid="),
        `no list of the namespace's Events: ${r.query}`,
      );
    }
  } finally {
    client.close();
    await fake.close();
  }
});
