// The local cluster runs Pods as a real cluster does: sidecars, secret
// volumes, failed image pulls, unschedulable pods, and followed logs.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { PassThrough } from "node:stream";
import { shContainer, useTestNamespace, waitFor } from "../_cluster.ts";

Deno.test("devcluster: a pod with a long-running sidecar runs both containers", async () => {
  const c = await useTestNamespace("dc-side");
  try {
    await c.core.createNamespacedPod({
      namespace: c.namespace,
      body: {
        metadata: { name: "side" },
        spec: {
          restartPolicy: "Never",
          containers: [shContainer("main", "echo main-done"), shContainer("sidecar", "sleep 300")],
        },
      },
    });
    const pod = await waitFor("main terminated while sidecar runs", 60_000, async () => {
      const p = await c.core.readNamespacedPod({ name: "side", namespace: c.namespace });
      const byName = new Map(p.status?.containerStatuses?.map((s) => [s.name, s]) ?? []);
      return byName.get("main")?.state?.terminated && byName.get("sidecar")?.state?.running && p;
    });
    assert.equal(pod.status?.phase, "Running");
    const main = pod.status!.containerStatuses!.find((s) => s.name === "main")!;
    assert.equal(main.state?.terminated?.exitCode, 0);
    assert.equal(main.state?.terminated?.reason, "Completed");
    await c.core.deleteNamespacedPod({
      name: "side",
      namespace: c.namespace,
      gracePeriodSeconds: 1,
    });
    await waitFor("pod removed", 30_000, async () => {
      const pods = await c.core.listNamespacedPod({ namespace: c.namespace });
      return pods.items.length === 0;
    });
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: a secret mounted at a path is readable by the container", async () => {
  const c = await useTestNamespace("dc-secret");
  try {
    await c.core.createNamespacedSecret({
      namespace: c.namespace,
      body: { metadata: { name: "creds" }, stringData: { token: "s3cr3t" } },
    });
    await c.core.createNamespacedPod({
      namespace: c.namespace,
      body: {
        metadata: { name: "reader" },
        spec: {
          restartPolicy: "Never",
          containers: [{
            ...shContainer("main", "cat /etc/kjo-test-creds/token"),
            volumeMounts: [{ name: "creds", mountPath: "/etc/kjo-test-creds", readOnly: true }],
          }],
          volumes: [{ name: "creds", secret: { secretName: "creds" } }],
        },
      },
    });
    await waitFor("pod succeeded", 60_000, async () => {
      const p = await c.core.readNamespacedPod({ name: "reader", namespace: c.namespace });
      if (p.status?.phase === "Failed") throw new Error("pod failed");
      return p.status?.phase === "Succeeded";
    });
    const log = await c.core.readNamespacedPodLog({ name: "reader", namespace: c.namespace });
    // The last line had no newline; like containerd, the agent ends it at exit.
    assert.equal(log, "s3cr3t\n");
    // The mount lived in the container's own mount namespace only.
    assert.equal(await Deno.stat("/etc/kjo-test-creds/token").then(() => true, () => false), false);
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: an image under kjo.invalid reaches ImagePullBackOff", async () => {
  const c = await useTestNamespace("dc-pull");
  try {
    await c.core.createNamespacedPod({
      namespace: c.namespace,
      body: {
        metadata: { name: "nopull" },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "main", image: "kjo.invalid/missing:1", command: ["true"] }],
        },
      },
    });
    const seen = new Set<string>();
    await waitFor("ImagePullBackOff", 60_000, async () => {
      const p = await c.core.readNamespacedPod({ name: "nopull", namespace: c.namespace });
      const reason = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) seen.add(reason);
      return reason === "ImagePullBackOff";
    });
    assert.ok(seen.has("ErrImagePull") || seen.has("ImagePullBackOff"));
    const events = await c.core.listNamespacedEvent({
      namespace: c.namespace,
      fieldSelector: "involvedObject.name=nopull",
    });
    const reasons = events.items.map((e) => e.reason);
    assert.ok(reasons.includes("Failed"), `events: ${reasons.join(", ")}`);
    assert.ok(reasons.includes("BackOff"), `events: ${reasons.join(", ")}`);
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: a pod requesting 1000 CPUs stays Pending with FailedScheduling", async () => {
  const c = await useTestNamespace("dc-sched");
  try {
    await c.core.createNamespacedPod({
      namespace: c.namespace,
      body: {
        metadata: { name: "huge" },
        spec: {
          restartPolicy: "Never",
          containers: [{
            ...shContainer("main", "true"),
            resources: { requests: { cpu: "1000" } },
          }],
        },
      },
    });
    const event = await waitFor("FailedScheduling event", 60_000, async () => {
      const events = await c.core.listNamespacedEvent({
        namespace: c.namespace,
        fieldSelector: "involvedObject.name=huge",
      });
      return events.items.find((e) => e.reason === "FailedScheduling");
    });
    assert.match(event.message ?? "", /Insufficient cpu/);
    const pod = await c.core.readNamespacedPod({ name: "huge", namespace: c.namespace });
    assert.equal(pod.status?.phase, "Pending");
    assert.equal(pod.spec?.nodeName, undefined);
  } finally {
    await c.dispose();
  }
});

Deno.test("devcluster: a follow stream delivers 1000 lines written over 2 s, in order", async () => {
  const c = await useTestNamespace("dc-follow");
  try {
    await c.core.createNamespacedPod({
      namespace: c.namespace,
      body: {
        metadata: { name: "writer" },
        spec: {
          restartPolicy: "Never",
          containers: [shContainer(
            "main",
            "i=1; while [ $i -le 1000 ]; do echo line-$i; if [ $((i % 50)) -eq 0 ]; then sleep 0.1; fi; i=$((i+1)); done",
          )],
        },
      },
    });
    await waitFor("container started", 60_000, async () => {
      const p = await c.core.readNamespacedPod({ name: "writer", namespace: c.namespace });
      const s = p.status?.containerStatuses?.[0]?.state;
      return s?.running || s?.terminated;
    });
    const stream = new PassThrough();
    let text = "";
    stream.on("data", (chunk: Uint8Array) => text += new TextDecoder().decode(chunk));
    const ended = new Promise<void>((resolve) => stream.on("end", () => resolve()));
    await new k8s.Log(c.kc).log(c.namespace, "writer", "main", stream, { follow: true });
    await Promise.race([
      ended,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`follow did not end; got ${text.length} chars`)), 30_000)
      ),
    ]);
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 1000);
    lines.forEach((line, i) => assert.equal(line, `line-${i + 1}`));
  } finally {
    await c.dispose();
  }
});
