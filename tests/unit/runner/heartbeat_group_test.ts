import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { RunEventInput } from "../../../src/output/run_event.ts";
import { followedRunIds } from "../../../src/runner/heartbeat.ts";
import { startHeartbeatGroup } from "../../../src/runner/heartbeat_group.ts";
import { status, until } from "../kube/_stub_api.ts";
import { FakeCluster } from "./_fake_cluster.ts";

type Lease = KubeObject & { spec: { renewTime: string } };

function annotationOf(body: unknown): string[] {
  const annotations = (body as KubeObject).metadata.annotations ?? {};
  return JSON.parse(annotations["kjo/followed-runs"]);
}

Deno.test("heartbeat group: one Lease for many runs, rewritten when runs join or leave, deleted on stop", async () => {
  const cluster = new FakeCluster();
  const events: RunEventInput[] = [];
  try {
    const group = startHeartbeatGroup({
      client: cluster.stub.client(),
      namespace: "ns",
      periodMs: 60_000,
      flushMs: 30,
    });
    const leaves = Array.from(
      { length: 100 },
      (_, i) => group.join(`run-${i}`, (e) => events.push(e)),
    );
    await until(() => cluster.of("leases").length === 1, 5_000, "the Lease");
    // 100 joins cost one create (and at most a flush), not 100.
    assert.equal(cluster.stub.seen("POST", /\/leases$/).length, 1);
    await until(
      () =>
        cluster.stub.seen("PATCH", /\/leases\//).some((r) => annotationOf(r.body).length === 100) ||
        annotationOf(cluster.of("leases")[0]).length === 100,
      5_000,
      "all 100 runs listed",
    );
    const [lease] = cluster.of("leases") as Lease[];
    assert.match(lease.metadata.name!, /^kjo-follower-/);
    assert.deepEqual(lease.metadata.labels, { "kjo/follower": "true" });
    for (const leave of leaves.slice(0, 60)) leave();
    await until(
      () => {
        const patches = cluster.stub.seen("PATCH", /\/leases\//);
        return patches.length > 0 && annotationOf(patches.at(-1)!.body).length === 40;
      },
      5_000,
      "the 60 runs that left taken out",
    );
    const last = cluster.stub.seen("PATCH", /\/leases\//).at(-1)!;
    assert.deepEqual(
      annotationOf(last.body),
      Array.from({ length: 40 }, (_, i) => `run-${i + 60}`).sort(),
    );
    const writes = cluster.stub.seen("PATCH", /\/leases\//).length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(
      cluster.stub.seen("PATCH", /\/leases\//).length,
      writes,
      "no write without a change before the period",
    );
    await group.stop();
    await group.stop(); // idempotent
    assert.deepEqual(cluster.of("leases"), []);
    assert.deepEqual(events, []);
  } finally {
    await cluster.close();
  }
});

Deno.test("heartbeat group: a Lease deleted by someone is created again", async () => {
  const cluster = new FakeCluster();
  try {
    const group = startHeartbeatGroup({
      client: cluster.stub.client(),
      namespace: "ns",
      periodMs: 40,
      flushMs: 20,
    });
    group.join("r1", () => {});
    await until(() => cluster.of("leases").length === 1, 5_000, "the Lease");
    cluster.intercept = (seen) =>
      seen.method === "PATCH" ? status(404, "NotFound", "leases not found") : undefined;
    await until(
      () => cluster.stub.seen("POST", /\/leases$/).length === 2,
      5_000,
      "a second create",
    );
    await group.stop();
  } finally {
    await cluster.close();
  }
});

Deno.test("heartbeat group: without the right to create Leases, one warning and no retry storm", async () => {
  const cluster = new FakeCluster();
  const events: RunEventInput[] = [];
  try {
    cluster.intercept = (seen) =>
      seen.method === "POST" ? status(403, "Forbidden", "leases is forbidden") : undefined;
    const group = startHeartbeatGroup({
      client: cluster.stub.client(),
      namespace: "ns",
      periodMs: 1_000,
      flushMs: 1_000,
    });
    group.join("r1", (e) => events.push(e));
    group.join("r2", () => {});
    await until(() => events.length === 1, 5_000, "the warning");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(cluster.stub.seen("POST", /\/leases$/).length, 1);
    assert.equal(events.length, 1);
    assert.match(JSON.stringify(events[0]), /could not create the follower's Lease/);
    await group.stop();
  } finally {
    await cluster.close();
  }
});

Deno.test("followedRunIds: a fresh follower Lease marks every listed run; a stale one none", () => {
  const now = Date.now();
  const lease = (renewedAgoMs: number, runs: unknown): KubeObject => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: "kjo-follower-x",
      labels: { "kjo/follower": "true" },
      annotations: { "kjo/followed-runs": JSON.stringify(runs) },
    },
    spec: { renewTime: new Date(now - renewedAgoMs).toISOString() },
  } as KubeObject);
  assert.deepEqual([...followedRunIds([lease(1_000, ["a", "b"])], now)].sort(), ["a", "b"]);
  assert.deepEqual([...followedRunIds([lease(600_000, ["a"])], now)], []);
  // Malformed annotations are data, not a crash.
  assert.deepEqual([...followedRunIds([lease(1_000, { a: 1 })], now)], []);
  assert.deepEqual([...followedRunIds([lease(1_000, ["a", 7, null])], now)], ["a"]);
});
