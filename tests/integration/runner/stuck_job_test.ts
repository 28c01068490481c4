// Every run ends: Jobs whose pods can never start (a missing Secret or
// ConfigMap volume, a claim that never binds, a retry pod refused by a
// ResourceQuota, a pod bound to a NotReady node) fail with a reason naming
// the object, on the local cluster, instead of waiting forever.
import assert from "node:assert/strict";
import type * as k8s from "@kubernetes/client-node";
import { namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { kjo, resultOf, startKjo } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-stuck");
const test = namespaceTests("stuck Job (integration)", cluster);
const ns = cluster.namespace;
const GRACE = "5";

/** A Job body whose pod runs `script`, with extra pod spec fields. */
function jobBody(
  name: string,
  pod: Partial<k8s.V1PodSpec>,
  script = "echo never",
  backoffLimit = 0,
): string {
  return JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit,
      template: {
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: "main",
            image: "busybox",
            command: ["sh", "-c", script],
            volumeMounts: pod.volumes?.map((v) => ({ name: v.name, mountPath: `/mnt/${v.name}` })),
          }],
          ...pod,
        },
      },
    },
  });
}

/** Bound of every kjo run here: a run that does not end fails the test. */
const RUN_BOUND_MS = 300_000;

/** Runs `kjo run` on a Job body; kills it (and fails) after RUN_BOUND_MS. */
async function runJob(body: string, namespace = ns, ...extra: string[]) {
  const { child, outcome } = startKjo([
    "run",
    "-n",
    namespace,
    "-o",
    "jsonl",
    "--body",
    body,
    "--image-pull-failure-grace",
    GRACE,
    ...(extra.includes("--delete-policy") ? [] : ["--delete-policy", "Always"]),
    ...extra,
  ]);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGTERM");
  }, RUN_BOUND_MS);
  const result = await outcome.finally(() => clearTimeout(timer));
  assert.ok(!killed, `kjo run did not end within ${RUN_BOUND_MS / 1000}s`);
  return { ...result, decidedAfter: decidedAfter(result.events) };
}

/** Seconds from the tracked Job's creation (its Created status) to the result. */
function decidedAfter(events: RunEvent[]): number {
  const created = events.find((e) => e.type === "status" && e.state === "Created");
  const result = resultOf(events);
  assert.ok(created?.time && result.time, "no Created status or result time");
  return (Date.parse(result.time) - Date.parse(created.time)) / 1000;
}

for (
  const [what, volume, pattern] of [
    ["Secret", { name: "creds", secret: { secretName: "kjo-missing-secret" } }, /secret/],
    ["ConfigMap", { name: "cfg", configMap: { name: "kjo-missing-cm" } }, /configmap/i],
  ] as const
) {
  test(`stuck Job: a missing ${what} volume fails the run after the grace, naming the ${what}`, async () => {
    // --startup-timeout 0: no startup timeout; the failed mount alone ends the run.
    const { code, events, stderr } = await runJob(
      jobBody(`missing-${what.toLowerCase()}`, { volumes: [volume as k8s.V1Volume] }),
      ns,
      "--startup-timeout",
      "0",
    );
    assert.equal(code, 1, stderr);
    const result = resultOf(events);
    assert.equal(result.reason, "FailedMount", JSON.stringify(result));
    assert.match(result.message ?? "", pattern);
    const name = what === "Secret" ? "kjo-missing-secret" : "kjo-missing-cm";
    assert.match(result.message ?? "", new RegExp(`"${name}" not found`));
  });
}

test("stuck Job: done-when check: a missing Secret volume fails within --startup-timeout plus the grace", async () => {
  // The default --startup-timeout (120 s) of the issue.
  const { code, events, decidedAfter } = await runJob(
    jobBody("missing-secret-default", {
      volumes: [{ name: "creds", secret: { secretName: "kjo-absent" } }],
    }),
  );
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.equal(result.reason, "FailedMount", JSON.stringify(result));
  assert.match(result.message ?? "", /"kjo-absent" not found/);
  // A bound, with 10 s for kjo's 0.5 s tick and event delivery on a loaded machine.
  assert.ok(decidedAfter <= 120 + Number(GRACE) + 10, `decided after ${decidedAfter}s`);
});

test("stuck Job: a claim that never binds fails the run after the grace, naming the claim", async () => {
  await cluster.core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: {
      metadata: { name: "kjo-unbound" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "kjo-nobody-provisions",
        resources: { requests: { storage: "1Mi" } },
      },
    },
  });
  const { code, events, stderr } = await runJob(
    jobBody("unbound-claim", {
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "kjo-unbound" } }],
    }),
    ns,
    "--startup-timeout",
    "0",
  );
  assert.equal(code, 1, stderr);
  const result = resultOf(events);
  assert.equal(result.reason, "UnboundPersistentVolumeClaim", JSON.stringify(result));
  assert.match(result.message ?? "", /"kjo-unbound"/);
});

test("stuck Job: a retry pod refused by a ResourceQuota (FailedCreate) fails the run", async () => {
  const quotaNs = await useTestNamespace("kjo-stuck-quota");
  try {
    // The first pod runs (20 s) and fails; a quota of 0 pods, created once that
    // pod exists (the node agent may report it Running late, or never while
    // loaded), refuses the retry.
    const { child, outcome } = startKjo([
      "run",
      "-n",
      quotaNs.namespace,
      "-o",
      "jsonl",
      "--body",
      jobBody("quota-retry", {}, "sleep 20; exit 1", 1),
      "--image-pull-failure-grace",
      GRACE,
      "--startup-timeout",
      "0",
      "--delete-policy",
      "Always",
    ]);
    await waitFor("the first pod", 180_000, async () => {
      const pods = await quotaNs.core.listNamespacedPod({ namespace: quotaNs.namespace });
      return pods.items.length > 0;
    });
    await quotaNs.core.createNamespacedResourceQuota({
      namespace: quotaNs.namespace,
      body: { metadata: { name: "no-pods" }, spec: { hard: { pods: "0" } } },
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), RUN_BOUND_MS);
    const { code, events, stderr } = await outcome.finally(() => clearTimeout(timer));
    assert.equal(code, 1, stderr);
    const result = resultOf(events);
    assert.equal(result.reason, "FailedCreate", JSON.stringify(result));
    assert.ok(
      events.some((e: RunEvent) => e.type === "k8s_event" && e.reason === "Started"),
      "the first pod ran",
    );
    assert.match(
      result.message ?? "",
      /^Job\/quota-retry-[a-z0-9]+: FailedCreate: .*quota: no-pods/,
    );
  } finally {
    await quotaNs.dispose();
  }
});

test("stuck Job: a pod bound to a NotReady node fails the run as NodeLost, naming the node", async () => {
  const node = `kjo-lost-${crypto.randomUUID().slice(0, 8)}`;
  await cluster.core.createNode({
    body: {
      metadata: { name: node, labels: { "kjo/test": "stuck-job" } },
      spec: { taints: [{ key: "kjo/lost", effect: "NoSchedule" }] },
      status: {
        conditions: [{
          type: "Ready",
          status: "False",
          reason: "KubeletNotReady",
          message: "node created by the kjo stuck Job test",
        }],
      },
    },
  });
  try {
    // Kept (--delete-policy Never): no kubelet would confirm the pod's deletion,
    // so the test force-deletes it below instead of kjo waiting for it.
    const { code, events, stderr } = await runJob(
      jobBody("lost-node", { nodeName: node }),
      ns,
      "--startup-timeout",
      "0",
      "--delete-policy",
      "Never",
    );
    assert.equal(code, 1, stderr);
    const result = resultOf(events);
    assert.equal(result.reason, "NodeLost", JSON.stringify(result));
    assert.match(
      result.message ?? "",
      new RegExp(`node ${node} is not ready \\(Ready=False: KubeletNotReady`),
    );
  } finally {
    const jobs = await cluster.batch.listNamespacedJob({ namespace: ns });
    for (const job of jobs.items.filter((j) => j.metadata?.name?.startsWith("lost-node"))) {
      await cluster.batch.deleteNamespacedJob({
        name: job.metadata!.name!,
        namespace: ns,
        propagationPolicy: "Orphan",
      }).catch(() => undefined);
    }
    const pods = await cluster.core.listNamespacedPod({ namespace: ns });
    for (const pod of pods.items.filter((p) => p.spec?.nodeName === node)) {
      await cluster.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: ns,
        gracePeriodSeconds: 0,
      }).catch(() => undefined);
    }
    await cluster.core.deleteNode({ name: node }).catch(() => undefined);
  }
});

test("stuck Job: a negative --startup-timeout exits 2 with one line, and nothing is created", async () => {
  const { code, stderr } = await kjo([
    "run",
    "-n",
    ns,
    "--startup-timeout=-1",
    "--body",
    jobBody("negative", {}),
  ]);
  assert.equal(code, 2);
  assert.equal(stderr.trim().split("\n").length, 1, stderr);
  assert.match(stderr, /--startup-timeout: must be a number from 0 up, got "-1"/);
  const jobs = await cluster.batch.listNamespacedJob({ namespace: ns });
  assert.ok(!jobs.items.some((j) => j.metadata?.name?.startsWith("negative")));
});

test("stuck Job: nothing is left behind", async () => {
  await waitFor("no Job and no pod left", 60_000, async () => {
    const [jobs, pods] = await Promise.all([
      cluster.batch.listNamespacedJob({ namespace: ns }),
      cluster.core.listNamespacedPod({ namespace: ns }),
    ]);
    return jobs.items.length === 0 && pods.items.length === 0;
  });
});
