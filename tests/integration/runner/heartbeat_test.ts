// The follower's heartbeat Lease against the real API server: created with
// a MicroTime the server accepts, renewed with a merge patch, deleted on
// stop.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { useTestNamespace, waitFor } from "../_cluster.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { RunEventInput } from "../../../src/output/run_event.ts";
import { followedRunIds, startHeartbeat } from "../../../src/runner/heartbeat.ts";

const cluster = await useTestNamespace("kjo-heartbeat");
const ns = cluster.namespace;
const leases = cluster.kc.makeApiClient(k8s.CoordinationV1Api);

async function runLeases(runId: string) {
  return (await leases.listNamespacedLease({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }))
    .items;
}

Deno.test("heartbeat: the Lease is created, renewed and deleted on the real API server", async () => {
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

Deno.test({ name: "heartbeat: teardown", fn: async () => await cluster.dispose() });
