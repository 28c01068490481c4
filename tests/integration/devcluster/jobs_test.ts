// The local cluster runs Jobs as a real cluster does: the Job controller, the
// node agent's pod status and exit codes, and logs through the API server.
import assert from "node:assert/strict";
import { shContainer, useTestNamespace, waitFor } from "../_cluster.ts";

Deno.test("devcluster: a failing Job fails, its pod exits 3 and its log reads through the API", async () => {
  const c = await useTestNamespace("dc-fail");
  try {
    await c.batch.createNamespacedJob({
      namespace: c.namespace,
      body: {
        metadata: { name: "fails" },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [shContainer("main", "echo hello; exit 3")],
            },
          },
        },
      },
    });
    const job = await waitFor("job failed", 60_000, async () => {
      const j = await c.batch.readNamespacedJob({ name: "fails", namespace: c.namespace });
      return j.status?.conditions?.some((x) => x.type === "Failed" && x.status === "True") && j;
    });
    assert.ok(job.status?.conditions?.some((x) => x.reason === "BackoffLimitExceeded"));
    const pods = await c.core.listNamespacedPod({
      namespace: c.namespace,
      labelSelector: "job-name=fails",
    });
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0];
    assert.equal(pod.status?.phase, "Failed");
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.exitCode, 3);
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.reason, "Error");
    const log = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: c.namespace,
    });
    assert.equal(log, "hello\n");
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: a Job with completions 3 and parallelism 3 succeeds with 3 pods", async () => {
  const c = await useTestNamespace("dc-par");
  try {
    await c.batch.createNamespacedJob({
      namespace: c.namespace,
      body: {
        metadata: { name: "par" },
        spec: {
          completions: 3,
          parallelism: 3,
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [shContainer("main", "echo $HOSTNAME; sleep 1")],
            },
          },
        },
      },
    });
    await waitFor("job complete", 60_000, async () => {
      const j = await c.batch.readNamespacedJob({ name: "par", namespace: c.namespace });
      return j.status?.conditions?.some((x) => x.type === "Complete" && x.status === "True");
    });
    const pods = await c.core.listNamespacedPod({
      namespace: c.namespace,
      labelSelector: "job-name=par",
    });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, "Succeeded");
      const log = await c.core.readNamespacedPodLog({
        name: pod.metadata!.name!,
        namespace: c.namespace,
      });
      assert.equal(log, `${pod.metadata!.name}\n`);
    }
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: deleting a Job with propagationPolicy Foreground removes its pods", async () => {
  const c = await useTestNamespace("dc-fg");
  try {
    await c.batch.createNamespacedJob({
      namespace: c.namespace,
      body: {
        metadata: { name: "long" },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [shContainer("main", "sleep 300")] },
          },
        },
      },
    });
    await waitFor("pod running", 60_000, async () => {
      const pods = await c.core.listNamespacedPod({
        namespace: c.namespace,
        labelSelector: "job-name=long",
      });
      return pods.items[0]?.status?.phase === "Running";
    });
    await c.batch.deleteNamespacedJob({
      name: "long",
      namespace: c.namespace,
      propagationPolicy: "Foreground",
    });
    await waitFor("job and pods gone", 60_000, async () => {
      const pods = await c.core.listNamespacedPod({ namespace: c.namespace });
      const jobs = await c.batch.listNamespacedJob({ namespace: c.namespace });
      return pods.items.length === 0 && jobs.items.length === 0;
    });
  } finally {
    await c.dispose();
  }
});
