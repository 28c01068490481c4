import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { RunEventInput } from "../../../src/output/run_event.ts";
import {
  followedRunIds,
  HEARTBEAT_PERIOD_MS,
  HEARTBEAT_STALE_MS,
  startHeartbeat,
} from "../../../src/runner/heartbeat.ts";
import { status, until } from "../kube/_stub_api.ts";
import { FakeCluster } from "./_fake_cluster.ts";

const tracked: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "job-1", namespace: "ns", uid: "uid-job" },
};

Deno.test("heartbeat: a Lease owned by the tracked resource, renewed each period, deleted on stop", async () => {
  const cluster = new FakeCluster();
  const events: RunEventInput[] = [];
  try {
    const heartbeat = startHeartbeat({
      client: cluster.stub.client(),
      namespace: "ns",
      runId: "r1",
      tracked,
      emit: (e) => events.push(e),
      periodMs: 50,
    });
    await until(() => cluster.stub.seen("PATCH", /\/leases\//).length >= 2, 5_000, "renewals");
    const [lease] = cluster.of("leases") as (KubeObject & { spec: Record<string, unknown> })[];
    assert.match(lease.metadata.name!, /^kjo-follow-/);
    assert.deepEqual(lease.metadata.labels, { "kjo/run-id": "r1" });
    assert.deepEqual(lease.metadata.ownerReferences, [{
      apiVersion: "batch/v1",
      kind: "Job",
      name: "job-1",
      uid: "uid-job",
    }]);
    assert.equal(lease.spec.leaseDurationSeconds, HEARTBEAT_STALE_MS / 1000);
    assert.match(String(lease.spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const patch = cluster.stub.seen("PATCH", /\/leases\//)[0];
    assert.match(
      String((patch.body as { spec: { renewTime: string } }).spec.renewTime),
      /\.\d{6}Z$/,
    );
    await heartbeat.stop();
    await heartbeat.stop(); // idempotent
    assert.deepEqual(cluster.of("leases"), []);
    assert.equal(cluster.stub.seen("DELETE", /\/leases\//).length, 1);
    const patches = cluster.stub.seen("PATCH", /\/leases\//).length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(cluster.stub.seen("PATCH", /\/leases\//).length, patches, "no renewal after stop");
    assert.deepEqual(events, []);
    assert.equal(HEARTBEAT_PERIOD_MS * 3, HEARTBEAT_STALE_MS);
  } finally {
    await cluster.close();
  }
});

Deno.test("heartbeat: a follower not allowed to hold Leases warns once and goes on", async () => {
  const cluster = new FakeCluster();
  cluster.intercept = (req) =>
    req.path.includes("/leases") ? status(403, "Forbidden", "leases is forbidden") : undefined;
  const events: RunEventInput[] = [];
  try {
    const heartbeat = startHeartbeat({
      client: cluster.stub.client(),
      namespace: "ns",
      runId: "r1",
      tracked,
      emit: (e) => events.push(e),
      periodMs: 20,
    });
    await until(() => events.length > 0, 5_000, "the warning");
    await new Promise((resolve) => setTimeout(resolve, 100));
    await heartbeat.stop();
    assert.equal(events.length, 1);
    const [warning] = events as { level: string; message: string }[];
    assert.equal(warning.level, "warning");
    assert.match(warning.message, /^heartbeat: could not create the follower's Lease: .*HTTP 403/);
    assert.equal(cluster.stub.seen("PATCH", /leases/).length, 0);
    assert.equal(cluster.stub.seen("DELETE", /leases/).length, 0);
  } finally {
    await cluster.close();
  }
});

Deno.test("followedRunIds: runs with a Lease renewed within the stale time (or its own longer duration)", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  const lease = (runId: string | undefined, agoMs: number, durationS?: number): KubeObject =>
    ({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: `l-${runId}`, labels: runId ? { "kjo/run-id": runId } : {} },
      spec: {
        renewTime: new Date(now - agoMs).toISOString(),
        ...(durationS ? { leaseDurationSeconds: durationS } : {}),
      },
    }) as KubeObject;
  const followed = followedRunIds([
    lease("fresh", 30_000),
    lease("stale", HEARTBEAT_STALE_MS + 1),
    lease("long", HEARTBEAT_STALE_MS + 60_000, 600),
    lease(undefined, 0),
    {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { labels: { "kjo/run-id": "no-time" } },
    },
  ], now);
  assert.deepEqual([...followed].sort(), ["fresh", "long"]);
});
