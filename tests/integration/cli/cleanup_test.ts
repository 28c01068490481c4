// kjo touches only its own objects, and errors and interruptions clean up:
// kjo cleanup with foreign objects carrying matching labels, a forged
// kjo/resources annotation, a followed run under --older-than, SIGTERM
// during apply.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { eventsOf, kjo, resultOf, startKjo } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-cleanup");
const other = await useTestNamespace("kjo-cleanup-other");
const test = namespaceTests("kjo cleanup (integration)", {
  dispose: async () => {
    await cluster.dispose();
    await other.dispose();
  },
});
const ns = cluster.namespace;
const leases = cluster.kc.makeApiClient(k8s.CoordinationV1Api);

async function configMapNames(namespace: string, labelSelector?: string): Promise<string[]> {
  return (await cluster.core.listNamespacedConfigMap({ namespace, labelSelector })).items
    .map((c) => c.metadata!.name!)
    .filter((n) => n !== "kube-root-ca.crt")
    .sort();
}

async function leftOf(runId: string): Promise<string[]> {
  const labelSelector = `kjo/run-id=${runId}`;
  const [jobs, cms, pods, ls] = await Promise.all([
    cluster.batch.listNamespacedJob({ namespace: ns, labelSelector }),
    cluster.core.listNamespacedConfigMap({ namespace: ns, labelSelector }),
    cluster.core.listNamespacedPod({ namespace: ns, labelSelector }),
    leases.listNamespacedLease({ namespace: ns, labelSelector }),
  ]);
  return [
    ...jobs.items.map((o) => `Job/${o.metadata!.name}`),
    ...cms.items.map((o) => `ConfigMap/${o.metadata!.name}`),
    ...pods.items.map((o) => `Pod/${o.metadata!.name}`),
    ...ls.items.map((o) => `Lease/${o.metadata!.name}`),
  ];
}

test("kjo cleanup -l: deletes nothing kjo did not create, whatever labels it carries", async () => {
  for (const [name, labels] of [["foreign-xy", { x: "y" }], ["foreign-team", { team: "data" }]]) {
    await cluster.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: name as string, labels: labels as Record<string, string> } },
    });
  }
  const kept = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "-f",
    "fixtures/multi_resource.yaml",
    "-l",
    "x=y",
    "--delete-policy",
    "Never",
  ]);
  assert.equal(kept.code, 0, kept.stderr);
  const runId = resultOf(kept.events).runId!;
  for (const selector of ["team=data", "!foo"]) {
    const none = await kjo(["cleanup", "-n", ns, "-l", selector, "--kind", "v1/ConfigMap"]);
    assert.equal(none.code, 0, none.stderr);
    if (selector === "!foo") {
      // kjo's own run matches !foo: only its objects go.
      assert.match(none.stdout, new RegExp(`run ${runId}`));
      assert.doesNotMatch(none.stdout, /foreign/);
    } else {
      assert.match(none.stdout, /^nothing to delete: .* matches kjo\/run-id,team=data /);
    }
  }
  assert.deepEqual(await configMapNames(ns), ["foreign-team", "foreign-xy"]);
  assert.deepEqual(await leftOf(runId), []);

  const again = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "-f",
    "fixtures/multi_resource.yaml",
    "-l",
    "x=y",
    "--delete-policy",
    "Never",
  ]);
  assert.equal(again.code, 0, again.stderr);
  const xy = await kjo(["cleanup", "-n", ns, "-l", "x=y"]);
  assert.equal(xy.code, 0, xy.stderr);
  assert.doesNotMatch(xy.stdout, /foreign/);
  assert.deepEqual(await configMapNames(ns), ["foreign-team", "foreign-xy"]);
  assert.deepEqual(await leftOf(resultOf(again.events).runId!), []);
});

test("kjo attach: a forged kjo/resources annotation does not get foreign objects deleted", async () => {
  const runId = "forged0run01";
  const label = { "kjo/run-id": runId };
  // Another namespace, even with the run's label; the run's namespace without the label.
  await cluster.core.createNamespacedConfigMap({
    namespace: other.namespace,
    body: { metadata: { name: "victim-elsewhere", labels: label } },
  });
  await cluster.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "victim-unlabelled" } },
  });
  await cluster.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "forged-own", labels: label } },
  });
  const refs = [
    { apiVersion: "batch/v1", kind: "Job", name: "forged-job" },
    { apiVersion: "v1", kind: "ConfigMap", name: "victim-elsewhere", namespace: other.namespace },
    { apiVersion: "v1", kind: "ConfigMap", name: "victim-unlabelled" },
    { apiVersion: "v1", kind: "ConfigMap", name: "forged-own" },
  ];
  await cluster.batch.createNamespacedJob({
    namespace: ns,
    body: {
      metadata: {
        name: "forged-job",
        labels: { ...label, "kjo/tracked": "true" },
        annotations: { "kjo/resources": JSON.stringify(refs) },
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: label },
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "echo ok"] }],
          },
        },
      },
    },
  });
  const attached = await kjo([
    "attach",
    "--run-id",
    runId,
    "-n",
    ns,
    "-o",
    "jsonl",
    "--delete-policy",
    "Always",
  ]);
  assert.equal(attached.code, 0, attached.stdout.slice(-2000));
  const warnings = eventsOf(attached.events, "info").filter((e) => e.level === "warning")
    .map((e) => e.message);
  assert.ok(
    warnings.some((m) =>
      /^ignoring ConfigMap\/victim-elsewhere .*not in the run's namespace/.test(m)
    ),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.some((m) =>
      /^ignoring ConfigMap\/victim-unlabelled .*does not carry the label/.test(m)
    ),
    warnings.join("\n"),
  );
  assert.deepEqual(await configMapNames(other.namespace), ["victim-elsewhere"]);
  assert.deepEqual(await configMapNames(ns, "!x,!team"), ["victim-unlabelled"]);
  await waitFor(
    "the run's own objects gone",
    60_000,
    async () => (await leftOf(runId)).length === 0,
  );
});

test("kjo cleanup --older-than: a followed run survives; an unfollowed unfinished one goes only with --include-unfinished", async () => {
  const sleeper = ["--image", "busybox", "--", "sh", "-c", "echo started; sleep 120"];
  const followed = startKjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--run-id",
    "followed0001",
    ...sleeper,
  ]);
  const detached = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--detach",
    "--run-id",
    "detached0001",
    ...sleeper,
  ]);
  assert.equal(detached.code, 0, detached.stderr);
  try {
    await waitFor(
      "the follower's heartbeat Lease",
      60_000,
      async () =>
        (await leases.listNamespacedLease({
          namespace: ns,
          labelSelector: "kjo/run-id=followed0001",
        }))
          .items.length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // older than 1s

    const plain = await kjo(["cleanup", "-n", ns, "--older-than", "1s"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^skipping run followed0001: a kjo follows it/m);
    assert.match(
      plain.stdout,
      /^skipping run detached0001: Job\/\S+ has not finished \(state (Pending|Running); --include-unfinished deletes it\)$/m,
    );
    assert.equal((await leftOf("detached0001")).length > 0, true);

    const all = await kjo(["cleanup", "-n", ns, "--older-than", "1s", "--include-unfinished"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^skipping run followed0001: a kjo follows it/m);
    assert.match(all.stdout, /^deleted Job\/\S+ \(namespace \S+, run detached0001\)$/m);
    assert.doesNotMatch(all.stdout, /deleted .*run followed0001/);
    assert.deepEqual(await leftOf("detached0001"), []);
    assert.ok((await leftOf("followed0001")).some((o) => o.startsWith("Job/")));
  } finally {
    followed.child.kill("SIGTERM");
  }
  const { code, events } = await followed.outcome;
  assert.equal(code, 143);
  assert.match(resultOf(events).message ?? "", /^interrupted by SIGTERM; deleted Job\/\S+$/);
  assert.deepEqual(await leftOf("followed0001"), [], "the run and its Lease are gone");
});

test("kjo run: SIGTERM during apply ends 143 and leaves nothing behind", async () => {
  const docs = [
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "apply-stop" },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep 60"] }],
          },
        },
      },
    },
    ...Array.from({ length: 150 }, (_, i) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `apply-stop-${i}` },
      data: { i: String(i) },
    })),
  ];
  const runId = "applystop001";
  const started = startKjo(["run", "-n", ns, "-o", "jsonl", "--run-id", runId, "-f", "-"], {
    stdin: docs.map((d) => JSON.stringify(d)).join("\n---\n"),
  });
  // Stop kjo as soon as its first object exists: it is then creating the others.
  await waitFor(
    "the Job created",
    60_000,
    async () =>
      (await cluster.batch.listNamespacedJob({
        namespace: ns,
        labelSelector: `kjo/run-id=${runId}`,
      }))
        .items.length > 0,
  );
  started.child.kill("SIGTERM");
  const { code, events, stderr } = await started.outcome;
  assert.equal(code, 143, stderr);
  const created = eventsOf(events, "status").filter((e) => e.state === "Created").length;
  const result = resultOf(events);
  assert.equal(result.state, "Interrupted");
  assert.doesNotMatch(result.message ?? "", /not deleted/);
  console.log(`SIGTERM arrived after ${created} of ${docs.length} creates`);
  assert.ok(created < docs.length, `the signal came during apply (${created} created)`);
  assert.deepEqual(await leftOf(runId), []);
});
