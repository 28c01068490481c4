import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { resolveResource } from "../../../src/kube/resource_paths.ts";
import { type RemovalStep, removeObjects } from "../../../src/runner/remove_objects.ts";
import { status } from "../kube/_stub_api.ts";
import { FakeCluster } from "./_fake_cluster.ts";

const LABEL = { "kjo/run-id": "r1" };

function seed(cluster: FakeCluster) {
  const job = cluster.create("jobs", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "job", namespace: "ns", labels: LABEL },
  });
  const owned = {
    ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "job", uid: job.metadata.uid! }],
  };
  const pod = cluster.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "job-pod", namespace: "ns", labels: LABEL, ...owned },
  });
  const cm = cluster.create("configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cfg", namespace: "ns", labels: LABEL, ...owned },
  });
  return { job, pod, cm };
}

async function places(cluster: FakeCluster) {
  const client = cluster.stub.client();
  const info = (apiVersion: string, kind: string) =>
    resolveResource(client, { apiVersion, kind, metadata: {} });
  return [
    { info: await info("batch/v1", "Job"), namespace: "ns" },
    { info: await info("v1", "ConfigMap"), namespace: "ns" },
    { info: await info("v1", "Pod"), namespace: "ns" },
  ];
}

const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name);

Deno.test("removeObjects: owners are deleted, owned objects left to the garbage collector, the wait sees all gone", async () => {
  const cluster = new FakeCluster();
  try {
    const { job, cm } = seed(cluster);
    const steps: string[] = [];
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [cm, job],
      sweep: { selector: "kjo/run-id=r1", places: await places(cluster) },
      onStep: (s: RemovalStep) => steps.push(`${s.result} ${s.object.metadata.name}`),
    });
    assert.deepEqual(steps, ["deleted job", "owner cfg"]);
    assert.deepEqual(names(report.deleted), ["job"]);
    assert.deepEqual(report.withOwner.map((w) => w.owner.metadata.name), ["job"]);
    assert.equal(report.allGone, true);
    assert.deepEqual(report.remaining, []);
    assert.deepEqual(cluster.objects, []);
    const deletes = cluster.stub.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), ["/apis/batch/v1/namespaces/ns/jobs/job"]);
  } finally {
    await cluster.close();
  }
});

Deno.test("removeObjects: what appears meanwhile is deleted; refused objects are neither deleted nor waited for", async () => {
  const cluster = new FakeCluster();
  try {
    const { job } = seed(cluster);
    cluster.gc = false;
    const late = cluster.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "late", namespace: "ns", labels: LABEL },
    });
    cluster.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "not-mine", namespace: "ns", labels: LABEL },
    });
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [job],
      sweep: {
        selector: "kjo/run-id=r1",
        places: await places(cluster),
        accept: (o) => o.metadata.name !== "not-mine",
      },
      timeoutMs: 2_000,
    });
    // Without a garbage collector the owned pod and ConfigMap stay: they are waited for, not deleted.
    assert.equal(report.allGone, false);
    assert.deepEqual(names(report.deleted), ["job", "late"]);
    assert.deepEqual(names(report.remaining).sort(), ["cfg", "job-pod"]);
    assert.ok(cluster.objects.some((o) => o.metadata.name === "not-mine"));
    assert.ok(!cluster.objects.some((o) => o === late));
  } finally {
    await cluster.close();
  }
});

Deno.test("removeObjects: a failed delete is reported, not waited for; its owned objects are deleted themselves", async () => {
  const cluster = new FakeCluster();
  cluster.intercept = (req) =>
    req.method === "DELETE" && req.path.endsWith("/jobs/job")
      ? status(403, "Forbidden", "jobs is forbidden")
      : undefined;
  try {
    const { job, pod, cm } = seed(cluster);
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [job, pod, cm],
      sweep: { selector: "kjo/run-id=r1", places: await places(cluster) },
      timeoutMs: 5_000,
    });
    assert.deepEqual(names(report.failed.map((f) => f.object)), ["job"]);
    assert.match(String(report.failed[0].error), /HTTP 403/);
    assert.deepEqual(names(report.deleted), ["job-pod", "cfg"]);
    assert.deepEqual(report.remaining, []);
    assert.equal(report.allGone, false, "not all gone: the Job is still there");
    assert.deepEqual(names(cluster.objects), ["job"]);
  } finally {
    await cluster.close();
  }
});

Deno.test("removeObjects: settleMs keeps listing until a late create has landed and deletes it", async () => {
  const cluster = new FakeCluster();
  try {
    setTimeout(() =>
      cluster.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "landed-late", namespace: "ns", labels: LABEL },
      }), 300);
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [],
      sweep: { selector: "kjo/run-id=r1", places: await places(cluster) },
      settleMs: 1_000,
    });
    assert.deepEqual(names(report.deleted), ["landed-late"]);
    assert.equal(report.allGone, true);
    assert.deepEqual(cluster.objects, []);
  } finally {
    await cluster.close();
  }
});

Deno.test("removeObjects: wait false deletes and returns without listing", async () => {
  const cluster = new FakeCluster();
  try {
    const { job } = seed(cluster);
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [job],
      sweep: { selector: "kjo/run-id=r1", places: await places(cluster) },
      wait: false,
    });
    assert.deepEqual(names(report.deleted), ["job"]);
    assert.equal(cluster.stub.requests.filter((r) => r.method === "GET").length, 0);
  } finally {
    await cluster.close();
  }
});

Deno.test("removeObjects: every object is tried; two failures are reported together and the object between them is deleted", async () => {
  const cluster = new FakeCluster();
  cluster.intercept = (req) =>
    req.method === "DELETE" && /\/(jobs|secrets)\//.test(req.path)
      ? status(403, "Forbidden", "no delete for you")
      : undefined;
  try {
    const make = (plural: string, apiVersion: string, kind: string, name: string) =>
      cluster.create(plural, {
        apiVersion,
        kind,
        metadata: { name, namespace: "ns", labels: LABEL },
      });
    const job = make("jobs", "batch/v1", "Job", "job");
    const cm = make("configmaps", "v1", "ConfigMap", "cfg");
    const secret = make("secrets", "v1", "Secret", "s");
    const report = await removeObjects({
      client: cluster.stub.client(),
      objects: [secret, cm, job],
      wait: false,
    });
    assert.deepEqual(names(report.failed.map((f) => f.object)), ["s", "job"]);
    assert.deepEqual(names(report.deleted), ["cfg"]);
    assert.equal(cluster.stub.requests.filter((r) => r.method === "DELETE").length, 3);
    assert.deepEqual(names(cluster.objects), ["job", "s"]);
  } finally {
    await cluster.close();
  }
});
