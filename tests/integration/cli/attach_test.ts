// kjo run --detach, kjo attach and kjo run --reattach on the local cluster.
import assert from "node:assert/strict";
import { namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { eventsOf, kjo, resultOf, startKjo } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-attach");
const test = namespaceTests("kjo attach (integration)", cluster);
const ns = cluster.namespace;
const counter = "i=1; while [ $i -le 30 ]; do echo $i; i=$((i+1)); sleep 0.1; done";

async function runPods(runId: string) {
  return (await cluster.core.listNamespacedPod({
    namespace: ns,
    labelSelector: `kjo/run-id=${runId}`,
  })).items;
}

test("kjo run --detach then kjo attach relays every line from the start, once, and cleans up", async () => {
  const submitted = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--detach",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    counter,
  ]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const result = resultOf(submitted.events);
  assert.equal(result.state, "Submitted");
  const runId = result.runId!;
  // Let part of the output happen before attaching.
  await waitFor(
    "pod running",
    60_000,
    async () => (await runPods(runId))[0]?.status?.phase === "Running",
  );
  await new Promise((r) => setTimeout(r, 1000));
  const attached = await kjo(["attach", "-n", ns, "--run-id", runId, "-o", "jsonl"]);
  assert.equal(attached.code, 0, attached.stderr);
  const lines = eventsOf(attached.events, "log").map((e) => e.line);
  assert.deepEqual(lines, Array.from({ length: 30 }, (_, i) => String(i + 1)));
  assert.equal(resultOf(attached.events).state, "Succeeded");
  assert.equal((await runPods(runId)).length, 0);
});

test("kjo attach --since relays only the lines from that time on", async () => {
  const submitted = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--detach",
    "--delete-policy",
    "Always",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "echo early; sleep 3; echo late",
  ]);
  const runId = resultOf(submitted.events).runId!;
  await waitFor(
    "pod running",
    60_000,
    async () => (await runPods(runId))[0]?.status?.phase === "Running",
  );
  await new Promise((r) => setTimeout(r, 1500));
  const since = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const attached = await kjo([
    "attach",
    "-n",
    ns,
    "--run-id",
    runId,
    "--since",
    since,
    "-o",
    "jsonl",
    "--delete-policy",
    "Always",
  ]);
  assert.equal(attached.code, 0, attached.stderr);
  assert.deepEqual(eventsOf(attached.events, "log").map((e) => e.line), ["late"]);
});

test("kjo attach: an unknown run id exits 2 with a clear message", async () => {
  const { code, stderr } = await kjo(["attach", "-n", ns, "--run-id", "doesnotexist"]);
  assert.equal(code, 2);
  assert.match(stderr, /no run doesnotexist in namespace/);
});

test("kjo run --reattach follows a live run with the same identity instead of starting another", async () => {
  const identity = ["--identity-label", "kjo/dag-id=etl", "--identity-label", "kjo/task-id=load"];
  const first = startKjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    ...identity,
    "--reattach",
    "--delete-policy",
    "Always",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    counter,
  ]);
  await waitFor("first run's pod", 60_000, async () => {
    const pods = await cluster.core.listNamespacedPod({
      namespace: ns,
      labelSelector: "kjo/dag-id=etl",
    });
    return pods.items[0]?.status?.phase === "Running";
  });
  // The first kjo dies without cleaning up (as a killed Airflow worker would).
  first.child.kill("SIGKILL");
  await first.outcome;
  const second = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    ...identity,
    "--reattach",
    "--delete-policy",
    "Always",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "echo I should not run",
  ]);
  assert.equal(second.code, 0, second.stderr);
  assert.ok(
    eventsOf(second.events, "info").some((e) => e.message.startsWith("reattaching to live run")),
  );
  const lines = eventsOf(second.events, "log").map((e) => e.line);
  assert.deepEqual(lines, Array.from({ length: 30 }, (_, i) => String(i + 1)));
  const jobs = await cluster.batch.listNamespacedJob({
    namespace: ns,
    labelSelector: "kjo/dag-id=etl",
  });
  assert.equal(jobs.items.length, 0);
});

test("kjo run --reattach starts a new run when no live run has the identity", async () => {
  const { code, events } = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--identity-label",
    "kjo/dag-id=fresh",
    "--reattach",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "echo new",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(eventsOf(events, "log").map((e) => e.line), ["new"]);
});
