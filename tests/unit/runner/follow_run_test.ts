import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";
import { type ResultEvent, type RunEvent, stampEvent } from "../../../src/output/run_event.ts";
import { followRun } from "../../../src/runner/follow_run.ts";
import { run } from "../../../src/runner/run.ts";
import type { RunOptions } from "../../../src/runner/run_options.ts";
import { status, stubKubeConfig, until } from "../kube/_stub_api.ts";
import { FakeCluster } from "./_fake_cluster.ts";

const BODY = [
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "work" },
    spec: {
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
      },
    },
  },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { a: "1" } },
];

async function runOn(
  cluster: FakeCluster,
  options: Partial<RunOptions> = {},
): Promise<{ result: ResultEvent; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await run({
    source: { body: BODY },
    kubeConfig: stubKubeConfig(cluster.stub.port),
    runId: "testrun00003",
    startupTimeoutSeconds: 30,
    ...options,
    onEvent: (e) => events.push(e),
  });
  return { result, events };
}

const kinds = (cluster: FakeCluster, plural: string) =>
  cluster.of(plural).map((o) => o.metadata.name);

Deno.test("run: a permanent watch error after create applies the delete policy, stops the other watches and says what was deleted", async () => {
  const cluster = new FakeCluster();
  // The tracked resource's watch (by name) is forbidden once the pod and
  // event watches are streaming; everything else works.
  let watchesOpenAtCleanup: number | undefined;
  cluster.intercept = async (req) => {
    if (req.method === "DELETE" && req.path.includes("/jobs/")) {
      // Cleanup starts after tracking stopped its watches (bounded wait for the server to see it).
      await until(() => cluster.openWatches === 0, 3_000).catch(() => {});
      watchesOpenAtCleanup = cluster.openWatches;
    }
    if (req.method !== "GET" || !req.query.get("fieldSelector")) return undefined;
    await until(() => cluster.watches.length >= 2, 5_000, "the pod and event watches");
    return status(403, "Forbidden", "jobs is forbidden: watch");
  };
  try {
    const { result, events } = await runOn(cluster, { deletePolicy: "IfFailed" });
    assert.equal(result.state, "Error");
    assert.equal(result.exitCode, 3);
    assert.match(result.message ?? "", /^forbidden: .*jobs is forbidden: watch/);
    assert.match(result.message ?? "", /; deleted Job\/work-\S+, ConfigMap\/cfg-\S+$/);
    assert.deepEqual(kinds(cluster, "jobs"), []);
    assert.deepEqual(kinds(cluster, "configmaps"), []);
    assert.deepEqual(kinds(cluster, "leases"), [], "the heartbeat Lease is gone too");
    // The Job was deleted; its ConfigMap (owned by it) went with it.
    const deletes = cluster.stub.requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path.replace(/-[a-z0-9]+$/, "")), [
      "/apis/coordination.k8s.io/v1/namespaces/ns/leases/kjo-follow",
      "/apis/batch/v1/namespaces/ns/jobs/work",
    ]);
    assert.deepEqual(
      events.filter((e) => e.type === "status" && e.state === "Deleted").length,
      2,
    );
    // The other watches were stopped before cleanup, not when the client closed.
    assert.equal(watchesOpenAtCleanup, 0);
  } finally {
    await cluster.close();
  }
});

Deno.test("run: a permanent watch error with the default policy keeps the resources and says so", async () => {
  const cluster = new FakeCluster();
  cluster.intercept = (req) =>
    req.method === "GET" && req.query.get("fieldSelector")
      ? status(404, "NotFound", "the server could not find the requested resource")
      : undefined;
  try {
    const { result } = await runOn(cluster);
    assert.equal(result.exitCode, 3);
    assert.match(
      result.message ?? "",
      /; kept Job\/work-\S+, ConfigMap\/cfg-\S+ \(delete policy IfSucceeded\)$/,
    );
    assert.equal(kinds(cluster, "jobs").length, 1);
    assert.equal(kinds(cluster, "configmaps").length, 1);
  } finally {
    await cluster.close();
  }
});

Deno.test("run: a delete that fails is reported as not deleted; the owned ConfigMap is deleted itself", async () => {
  const cluster = new FakeCluster();
  cluster.onCreate = (object) => {
    if (object.kind === "Job") {
      (object as KubeObject & { status?: unknown }).status = {
        conditions: [{ type: "Complete", status: "True" }],
        succeeded: 1,
      };
    }
  };
  cluster.intercept = (req) =>
    req.method === "DELETE" && req.path.includes("/jobs/")
      ? status(403, "Forbidden", "jobs is forbidden: delete")
      : undefined;
  try {
    const { result, events } = await runOn(cluster, { deletePolicy: "Always" });
    assert.equal(result.state, "Succeeded");
    assert.equal(result.exitCode, 0);
    const job = result.resources[0];
    assert.match(job, /^Job\/work-/);
    assert.deepEqual(result.summary?.length, 1);
    assert.match(result.summary![0], new RegExp(`^not deleted: ${job} \\(.*HTTP 403`));
    const deleted = events.filter((e) => e.type === "status" && e.state === "Deleted")
      .map((e) => (e as { resource: string }).resource);
    assert.deepEqual(deleted, [result.resources[1]], "only the ConfigMap is reported deleted");
    assert.ok(
      events.some((e) =>
        e.type === "info" && e.level === "warning" &&
        e.message.startsWith(`cleanup: could not delete ${job}: `)
      ),
    );
    assert.equal(kinds(cluster, "jobs").length, 1);
    assert.deepEqual(kinds(cluster, "configmaps"), []);
  } finally {
    await cluster.close();
  }
});

Deno.test("run: SIGINT while the run's end is deleting ends Interrupted (130) with what was deleted", async () => {
  const cluster = new FakeCluster();
  const stop = new AbortController();
  cluster.onCreate = (object) => {
    if (object.kind === "Job") {
      (object as KubeObject & { status?: unknown }).status = {
        conditions: [{ type: "Complete", status: "True" }],
      };
    }
  };
  cluster.intercept = (req) => {
    if (req.method === "DELETE" && req.path.includes("/jobs/")) stop.abort("SIGINT");
    return undefined;
  };
  try {
    const { result } = await runOn(cluster, { deletePolicy: "Always", signal: stop.signal });
    assert.equal(result.state, "Interrupted");
    assert.equal(result.exitCode, 130);
    assert.match(
      result.message ?? "",
      /^interrupted by SIGINT; deleted Job\/work-\S+, ConfigMap\/cfg-\S+$/,
    );
    assert.deepEqual(cluster.objects, []);
  } finally {
    await cluster.close();
  }
});

Deno.test("followRun: a run that times out ends TimedOut (exit 1), its summary says so and IfFailed deletes it", async () => {
  const cluster = new FakeCluster();
  const client = createKubeClient(stubKubeConfig(cluster.stub.port));
  try {
    const job = cluster.create("jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "work", namespace: "ns", labels: { "kjo/run-id": "r1" } },
    });
    const events: RunEvent[] = [];
    const result = await followRun({
      client,
      namespace: "ns",
      runId: "r1",
      created: [job],
      rule: KindRegistry.withBuiltins().require(job),
      options: { executionTimeoutSeconds: 1, deletePolicy: "IfFailed" },
      emit: (e) => events.push(stampEvent(e)),
      signal: new AbortController().signal,
    });
    assert.equal(result.state, "TimedOut");
    assert.equal(result.exitCode, 1);
    assert.match(result.summary?.[0] ?? "", /^Job\/work timed out: /);
    assert.deepEqual(result.resources, ["Job/work"]);
    assert.ok(result.stats, "the stream counters are in the result");
    assert.deepEqual(kinds(cluster, "jobs"), []);
    assert.deepEqual(kinds(cluster, "leases"), [], "the heartbeat Lease is gone");
  } finally {
    client.close();
    await cluster.close();
  }
});
