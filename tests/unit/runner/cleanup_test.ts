import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { RunEventInput } from "../../../src/output/run_event.ts";
import { cleanUpRun, describeCleanup } from "../../../src/runner/cleanup.ts";
import { FakeCluster } from "./_fake_cluster.ts";

function seed(cluster: FakeCluster) {
  const label = { "kjo/run-id": "r1" };
  const job = cluster.create("jobs", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "job", namespace: "ns", labels: label },
  });
  const svc = cluster.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "svc", namespace: "ns", labels: label },
  });
  cluster.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "job-pod",
      namespace: "ns",
      labels: label,
      ownerReferences: [{
        apiVersion: "batch/v1",
        kind: "Job",
        name: "job",
        uid: job.metadata.uid!,
      }],
    },
  });
  return [job, svc] as KubeObject[];
}

Deno.test("cleanUpRun: the policy keeps the resources, nothing is deleted, the report says kept", async () => {
  const cluster = new FakeCluster();
  const events: RunEventInput[] = [];
  try {
    const created = seed(cluster);
    const cleanup = await cleanUpRun({
      client: cluster.stub.client(),
      namespace: "ns",
      runId: "r1",
      created,
      policy: "IfSucceeded",
      succeeded: false,
      emit: (e) => events.push(e),
    });
    assert.deepEqual(cleanup, {
      kept: ["Job/job", "Service/svc"],
      deleted: [],
      notDeleted: [],
      policy: "IfSucceeded",
    });
    assert.equal(describeCleanup(cleanup), "kept Job/job, Service/svc (delete policy IfSucceeded)");
    assert.equal(cluster.stub.requests.length, 0);
    assert.deepEqual(events.map((e) => (e as { message: string }).message), [
      "keeping Job/job, Service/svc (delete policy IfSucceeded)",
    ]);
  } finally {
    await cluster.close();
  }
});

Deno.test("cleanUpRun: deletes in reverse order, waits for the run's pods, reports Deleted per resource", async () => {
  const cluster = new FakeCluster();
  const events: RunEventInput[] = [];
  try {
    const created = seed(cluster);
    const cleanup = await cleanUpRun({
      client: cluster.stub.client(),
      namespace: "ns",
      runId: "r1",
      created,
      policy: "Always",
      succeeded: true,
      emit: (e) => events.push(e),
    });
    assert.deepEqual(cleanup.deleted, ["Service/svc", "Job/job"]);
    assert.deepEqual(cleanup.notDeleted, []);
    assert.equal(describeCleanup(cleanup), "deleted Service/svc, Job/job");
    assert.deepEqual(cluster.objects, []);
    assert.deepEqual(
      events.map((e) =>
        `${(e as { resource: string }).resource} ${(e as { state: string }).state}`
      ),
      ["Service/svc Deleted", "Job/job Deleted"],
    );
    const lists = cluster.stub.requests.filter((r) => r.method === "GET");
    assert.ok(lists.some((r) => r.path === "/api/v1/namespaces/ns/pods"));
    assert.ok(lists.every((r) => r.query.get("labelSelector") === "kjo/run-id=r1"));
  } finally {
    await cluster.close();
  }
});

Deno.test("cleanUpRun: a resource still there at the timeout is reported as not deleted", async () => {
  const cluster = new FakeCluster();
  // The Service's delete is accepted but it never goes (a finalizer, say).
  cluster.intercept = (req) =>
    req.method === "DELETE" && req.path.endsWith("/services/svc")
      ? new Response(JSON.stringify({ kind: "Status", status: "Success" }), { status: 200 })
      : undefined;
  const events: RunEventInput[] = [];
  try {
    const created = seed(cluster);
    const cleanup = await cleanUpRun({
      client: cluster.stub.client(),
      namespace: "ns",
      runId: "r1",
      created,
      policy: "Always",
      succeeded: true,
      emit: (e) => events.push(e),
      waitTimeoutMs: 1_000,
    });
    assert.deepEqual(cleanup.deleted, ["Job/job"]);
    assert.deepEqual(cleanup.notDeleted, ["Service/svc (still present 1s after deletion)"]);
    assert.equal(
      describeCleanup(cleanup),
      "deleted Job/job; not deleted: Service/svc (still present 1s after deletion)",
    );
    assert.ok(
      events.some((e) =>
        (e as { message?: string }).message ===
          "cleanup: still present 1s after deletion: Service/svc"
      ),
    );
  } finally {
    await cluster.close();
  }
});

Deno.test("describeCleanup: nothing created", () => {
  assert.equal(
    describeCleanup({ kept: [], deleted: [], notDeleted: [], policy: "Always" }),
    "nothing was created",
  );
});
