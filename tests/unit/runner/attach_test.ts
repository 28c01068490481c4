import assert from "node:assert/strict";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { attach } from "../../../src/runner/attach.ts";
import { DETACH } from "../../../src/runner/_result_events.ts";
import { stubKubeConfig } from "../kube/_stub_api.ts";
import { FakeCluster, seedRun } from "./_fake_cluster.ts";
import { unreachableKubeConfig } from "./_unreachable.ts";

Deno.test("attach: an already aborted signal ends Interrupted before asking the cluster anything", async () => {
  for (const [reason, exitCode] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    const controller = new AbortController();
    controller.abort(reason);
    const events: RunEvent[] = [];
    const result = await attach({
      runId: "r1",
      kubeConfig: unreachableKubeConfig(),
      signal: controller.signal,
      onEvent: (event) => events.push(event),
    });
    assert.equal(result.state, "Interrupted", reason);
    assert.equal(result.exitCode, exitCode, reason);
    assert.equal(result.runId, "r1");
    assert.equal(result.namespace, "jobs", "the context's namespace");
    assert.deepEqual(result.resources, []);
    assert.deepEqual(events.map((e) => e.type), ["result"], reason);
  }
});

Deno.test("attach: follows an existing run to its result and applies the delete policy to all its resources", async () => {
  const cluster = new FakeCluster();
  try {
    seedRun(cluster, { conditions: [{ type: "Complete", status: "True" }] });
    const events: RunEvent[] = [];
    const result = await attach({
      runId: "r1",
      namespace: "ns",
      kubeConfig: stubKubeConfig(cluster.stub.port),
      deletePolicy: "Always",
      onEvent: (event) => events.push(event),
    });
    assert.equal(result.state, "Succeeded");
    assert.equal(result.exitCode, 0);
    assert.deepEqual(result.resources, ["Job/work", "ConfigMap/cfg"]);
    assert.ok(
      events.some((e) =>
        e.type === "info" && e.message === "attached to run r1: Job/work, ConfigMap/cfg"
      ),
    );
    assert.equal(events.at(-1), result);
    assert.deepEqual(cluster.objects.map((o) => o.metadata.name), [], "everything deleted");
  } finally {
    await cluster.close();
  }
});

Deno.test("attach: a failed run keeps its resources under IfSucceeded and its summary says 'failed'", async () => {
  const cluster = new FakeCluster();
  try {
    seedRun(cluster, {
      conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }],
    });
    const result = await attach({
      runId: "r1",
      namespace: "ns",
      kubeConfig: stubKubeConfig(cluster.stub.port),
    });
    assert.equal(result.state, "Failed");
    assert.equal(result.exitCode, 1);
    assert.match(result.summary?.[0] ?? "", /^Job\/work failed: condition Failed/);
    assert.deepEqual(cluster.of("jobs").map((o) => o.metadata.name), ["work"]);
    assert.deepEqual(cluster.of("configmaps").map((o) => o.metadata.name), ["cfg"]);
  } finally {
    await cluster.close();
  }
});

Deno.test("attach: a run that is not there ends with exit 2 naming it, and deletes nothing", async () => {
  const cluster = new FakeCluster();
  try {
    cluster.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "ns", labels: { "kjo/run-id": "r1" } },
    });
    const result = await attach({
      runId: "r1",
      namespace: "ns",
      kubeConfig: stubKubeConfig(cluster.stub.port),
      deletePolicy: "Always",
    });
    assert.equal(result.state, "Error");
    assert.equal(result.exitCode, 2);
    assert.match(result.message ?? "", /^no run r1 in namespace ns .*custom kinds need --rules\)$/);
    assert.equal(cluster.stub.requests.filter((r) => r.method === "DELETE").length, 0);
    assert.equal(cluster.of("configmaps").length, 1);
  } finally {
    await cluster.close();
  }
});

Deno.test("attach: aborting with the detach reason stops following and deletes nothing, whatever the policy", async () => {
  const cluster = new FakeCluster();
  try {
    seedRun(cluster, {}); // a Job that never ends
    const controller = new AbortController();
    const events: RunEvent[] = [];
    const following = attach({
      runId: "r1",
      namespace: "ns",
      kubeConfig: stubKubeConfig(cluster.stub.port),
      deletePolicy: "Always",
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (event.type === "info" && event.message.startsWith("attached to run r1")) {
          controller.abort(DETACH);
        }
      },
    });
    const result = await following;
    assert.equal(result.state, "Detached");
    assert.equal(result.exitCode, 143);
    assert.match(result.message ?? "", /nothing was deleted/);
    assert.equal(events.at(-1), result);
    assert.deepEqual(cluster.of("jobs").map((o) => o.metadata.name), ["work"]);
    assert.deepEqual(cluster.of("configmaps").map((o) => o.metadata.name), ["cfg"]);
    assert.equal(cluster.stub.seen("DELETE", /\/(jobs|configmaps)\//).length, 0);
  } finally {
    await cluster.close();
  }
});
