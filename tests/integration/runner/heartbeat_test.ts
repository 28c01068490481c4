// The follower's heartbeat Lease against the real API server: created with
// a MicroTime the server accepts, renewed with a merge patch, deleted on
// stop.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { RunEventInput } from "../../../src/output/run_event.ts";
import { followedRunIds, startHeartbeat } from "../../../src/runner/heartbeat.ts";
import { startHeartbeatGroup } from "../../../src/runner/heartbeat_group.ts";

const cluster = await useTestNamespace("kjo-heartbeat");
const ns = cluster.namespace;
const leases = cluster.kc.makeApiClient(k8s.CoordinationV1Api);
const test = namespaceTests("heartbeat (integration)", cluster);

async function runLeases(runId: string) {
  return (await leases.listNamespacedLease({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }))
    .items;
}

test("heartbeat: the Lease is created, renewed and deleted on the real API server", async () => {
  const owner = await cluster.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "tracked", labels: { "kjo/run-id": "hb1" } } },
  });
  const client = createKubeClient(cluster.kc);
  const events: RunEventInput[] = [];
  try {
    const heartbeat = startHeartbeat({
      client,
      namespace: ns,
      runId: "hb1",
      tracked: { ...owner, apiVersion: "v1", kind: "ConfigMap" } as KubeObject,
      emit: (e) => events.push(e),
      periodMs: 400,
    });
    const [first] = await waitFor("the Lease", 30_000, async () => {
      const items = await runLeases("hb1");
      return items.length === 1 && items;
    });
    const created = first.spec!.renewTime!;
    assert.equal(first.metadata!.ownerReferences?.[0].uid, owner.metadata!.uid);
    assert.equal(first.spec!.leaseDurationSeconds, 180);
    await waitFor("a renewal", 30_000, async () => {
      const [lease] = await runLeases("hb1");
      return lease && new Date(lease.spec!.renewTime!).getTime() > new Date(created).getTime();
    });
    const [renewed] = await runLeases("hb1");
    assert.ok(
      followedRunIds([
        { ...renewed, apiVersion: "coordination.k8s.io/v1", kind: "Lease" } as KubeObject,
      ], Date.now()).has("hb1"),
    );
    await heartbeat.stop();
    assert.deepEqual(await runLeases("hb1"), []);
    assert.deepEqual(events, [], "no warning");
  } finally {
    client.close();
  }
});

test("heartbeat group: one Lease lists the runs a follower follows, on the real API server", async () => {
  const client = createKubeClient(cluster.kc);
  const events: RunEventInput[] = [];
  const listed = async () => {
    const items = (await leases.listNamespacedLease({
      namespace: ns,
      labelSelector: "kjo/follower=true",
    })).items;
    return items.map((lease) => ({
      ...lease,
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
    } as KubeObject));
  };
  try {
    const group = startHeartbeatGroup({ client, namespace: ns, periodMs: 60_000, flushMs: 200 });
    const leaveA = group.join("ga", (e) => events.push(e));
    group.join("gb", (e) => events.push(e));
    await waitFor("both runs listed", 30_000, async () => {
      const found = followedRunIds(await listed(), Date.now());
      return found.has("ga") && found.has("gb");
    });
    leaveA();
    await waitFor("run ga taken out", 30_000, async () => {
      const found = followedRunIds(await listed(), Date.now());
      return !found.has("ga") && found.has("gb");
    });
    assert.equal((await listed()).length, 1, "one Lease for the follower");
    await group.stop();
    assert.deepEqual(await listed(), []);
    assert.deepEqual(events, [], "no warning");
  } finally {
    client.close();
  }
});
