// Every run ends: Jobs whose pods can never start (a missing Secret or
// ConfigMap volume, a claim that never binds, a retry pod refused by a
// ResourceQuota, a pod bound to a NotReady node) fail with a reason naming
// the object, on the local cluster, instead of waiting forever.
import assert from "node:assert/strict";
import type * as k8s from "@kubernetes/client-node";
import { useTestNamespace, waitFor } from "../_cluster.ts";
import { kjo, resultOf, startKjo } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-stuck");
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

async function runJob(body: string, namespace = ns, ...extra: string[]) {
  const started = Date.now();
  const outcome = await kjo([
    "run",
    "-n",
    namespace,
    "-o",
    "jsonl",
    "--body",
    body,
    "--image-pull-failure-grace",
    GRACE,
    "--delete-policy",
    "Always",
    ...extra,
  ]);
  return { ...outcome, seconds: (Date.now() - started) / 1000 };
}

for (
  const [what, volume, pattern] of [
    ["Secret", { name: "creds", secret: { secretName: "kjo-missing-secret" } }, /secret/],
    ["ConfigMap", { name: "cfg", configMap: { name: "kjo-missing-cm" } }, /configmap/i],
  ] as const
) {
  Deno.test(`stuck Job: a missing ${what} volume fails the run after the grace, naming the ${what}`, async () => {
    // --startup-timeout 0: no startup timeout; the failed mount alone ends the run.
    const { code, events, stderr, seconds } = await runJob(
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
    assert.ok(seconds < 90, `took ${seconds}s`);
  });
}

Deno.test("stuck Job: done-when check: a missing Secret volume fails within --startup-timeout plus the grace", async () => {
  const { code, events, seconds } = await runJob(
    jobBody("missing-secret-default", {
      volumes: [{ name: "creds", secret: { secretName: "kjo-absent" } }],
    }),
    ns,
    "--startup-timeout",
    "20",
  );
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.match(result.message ?? "", /"kjo-absent" not found/);
  // kjo's own start (deno, discovery) and the delete are outside both clocks.
  assert.ok(seconds < 20 + Number(GRACE) + 30, `took ${seconds}s`);
});

Deno.test("stuck Job: a claim that never binds fails the run after the grace, naming the claim", async () => {
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

Deno.test("stuck Job: a retry pod refused by a ResourceQuota (FailedCreate) fails the run", async () => {
  const quotaNs = await useTestNamespace("kjo-stuck-quota");
  try {
    // The first pod runs and fails; once it runs a quota of 0 pods refuses the retry.
    const { child, outcome } = startKjo([
      "run",
      "-n",
      quotaNs.namespace,
      "-o",
      "jsonl",
      "--body",
      jobBody("quota-retry", {}, "sleep 4; exit 1", 1),
      "--image-pull-failure-grace",
      GRACE,
      "--startup-timeout",
      "0",
      "--delete-policy",
      "Always",
    ]);
    await waitFor("the first pod to run", 60_000, async () => {
      const pods = await quotaNs.core.listNamespacedPod({ namespace: quotaNs.namespace });
      return pods.items.some((p) => p.status?.phase === "Running");
    });
    await quotaNs.core.createNamespacedResourceQuota({
      namespace: quotaNs.namespace,
      body: { metadata: { name: "no-pods" }, spec: { hard: { pods: "0" } } },
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), 180_000);
    const { code, events, stderr } = await outcome.finally(() => clearTimeout(timer));
    assert.equal(code, 1, stderr);
    const result = resultOf(events);
    assert.equal(result.reason, "FailedCreate", JSON.stringify(result));
    assert.match(
      result.message ?? "",
      /^Job\/quota-retry: FailedCreate: .*quota: no-pods/,
    );
  } finally {
    await quotaNs.dispose();
  }
});

Deno.test("stuck Job: a pod bound to a NotReady node fails the run as NodeLost, naming the node", async () => {
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
    const { code, events, stderr } = await runJob(
      jobBody("lost-node", { nodeName: node }),
      ns,
      "--startup-timeout",
      "0",
    );
    assert.equal(code, 1, stderr);
    const result = resultOf(events);
    assert.equal(result.reason, "NodeLost", JSON.stringify(result));
    assert.match(result.message ?? "", new RegExp(`node ${node}`));
  } finally {
    await cluster.core.deleteNode({ name: node }).catch(() => undefined);
  }
});

Deno.test("stuck Job: a negative --startup-timeout exits 2 with one line, and nothing is created", async () => {
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

Deno.test("stuck Job: nothing is left behind", async () => {
  await waitFor("no Job and no pod left", 60_000, async () => {
    const [jobs, pods] = await Promise.all([
      cluster.batch.listNamespacedJob({ namespace: ns }),
      cluster.core.listNamespacedPod({ namespace: ns }),
    ]);
    return jobs.items.length === 0 && pods.items.length === 0;
  });
  await cluster.dispose();
});
