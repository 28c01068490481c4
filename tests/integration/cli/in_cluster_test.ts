// kjo inside a pod of the cluster, with --in-cluster: the service account's
// token and the kubernetes service variables, as an Airflow worker pod has.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { parse } from "yaml";
import { repoRoot, useTestNamespace, waitFor } from "../_cluster.ts";
import { kjo } from "../_kjo.ts";

Deno.test("kjo run --in-cluster from a pod with a service account bound to kjo's Role", async () => {
  const cluster = await useTestNamespace("kjo-incluster");
  const ns = cluster.namespace;
  try {
    const role = parse(
      (await kjo(["rbac", "-n", ns, "--image", "busybox", "--name", "kjo"])).stdout,
    );
    const rbac = cluster.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await cluster.core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: "worker" } },
    });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { ...role, metadata: { name: "kjo", namespace: ns } },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: "kjo" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "kjo" },
        subjects: [{ kind: "ServiceAccount", name: "worker", namespace: ns }],
      },
    });
    // The node agent runs the container's command on this host, so the worker
    // can run kjo from this checkout with this Deno.
    await cluster.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "worker" },
        spec: {
          serviceAccountName: "worker",
          restartPolicy: "Never",
          containers: [{
            name: "kjo",
            image: "kjo-worker",
            command: [
              Deno.execPath(),
              "run",
              "-A",
              `${repoRoot}cli.ts`,
              "run",
              "--in-cluster",
              "--image",
              "busybox",
              "--",
              "sh",
              "-c",
              "echo hello from inside",
            ],
            env: [{ name: "HOME", value: Deno.env.get("HOME") ?? "/root" }, {
              name: "NO_COLOR",
              value: "1",
            }],
          }],
        },
      },
    });
    const pod = await waitFor("worker pod done", 120_000, async () => {
      const p = await cluster.core.readNamespacedPod({ name: "worker", namespace: ns });
      return (p.status?.phase === "Succeeded" || p.status?.phase === "Failed") && p;
    });
    const log = await cluster.core.readNamespacedPodLog({ name: "worker", namespace: ns });
    assert.equal(pod.status?.phase, "Succeeded", log);
    assert.match(log, /\/main \| hello from inside/);
  } finally {
    await cluster.dispose();
  }
});
