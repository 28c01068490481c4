import assert from "node:assert/strict";
import { exitMessage, mainContainerName, podState } from "../../../src/kinds/pod_state.ts";
import type { StateVerdict } from "../../../src/kinds/resource_state.ts";
import { pod, pods } from "./_status_samples.ts";

const cases: Array<[keyof typeof pods, StateVerdict]> = [
  [
    "unschedulable",
    {
      state: "Pending",
      reason: "Unschedulable",
      message:
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: " +
        "1 No preemption victims found for incoming pod.",
    },
  ],
  ["creating", { state: "Pending", reason: "ContainerCreating" }],
  ["imagePullBackOff", {
    state: "Pending",
    reason: "ImagePullBackOff",
    message: 'Back-off pulling image "kjo.invalid/missing:1"',
  }],
  ["initImagePull", {
    state: "Pending",
    reason: "ImagePullBackOff",
    message: 'Back-off pulling image "kjo.invalid/fetch:2"',
  }],
  ["running", { state: "Running" }],
  ["succeeded", { state: "Succeeded", reason: "Completed" }],
  ["failed", { state: "Failed", reason: "Error", message: "container main exited with code 3" }],
  ["oomKilled", {
    state: "Failed",
    reason: "OOMKilled",
    message: "container main exited with code 137",
  }],
  [
    "deadlineExceeded",
    {
      state: "Failed",
      reason: "DeadlineExceeded",
      message: "Pod was active on the node longer than the specified deadline",
    },
  ],
  ["initFailed", {
    state: "Failed",
    reason: "Error",
    message: "init container setup exited with code 1",
  }],
  ["oneFailedOtherRunning", {
    state: "Failed",
    reason: "Error",
    message: "container main exited with code 2",
  }],
  ["oneDoneOtherRunning", { state: "Running" }],
  [
    "crashLoop",
    {
      state: "Running",
      reason: "CrashLoopBackOff",
      message: "container main exited with code 1; restarted 3 times",
    },
  ],
  ["mainFailedSidecarRunning", {
    state: "Failed",
    reason: "Error",
    message: "container main exited with code 3",
  }],
  ["mainSucceededSidecarRunning", {
    state: "Succeeded",
    reason: "Completed",
    message: "container main exited with code 0",
  }],
  ["mainRunningSidecarFailed", { state: "Running" }],
  ["mainSucceededSidecarKilled", {
    state: "Succeeded",
    reason: "Completed",
    message: "container main exited with code 0",
  }],
  [
    "mainFailedOnFailure",
    {
      state: "Running",
      reason: "CrashLoopBackOff",
      message: "container main exited with code 3; restarted 1 time",
    },
  ],
  [
    "mainTerminatedOnFailure",
    {
      state: "Running",
      reason: "Restarting",
      message: "container main exited with code 3; restartPolicy OnFailure restarts it",
    },
  ],
  [
    "mainUnknownName",
    {
      state: "Failed",
      reason: "MainContainerNotFound",
      message: 'annotation kubernetes_job_operator.main_container names container "mian", ' +
        "which is not a container of the pod (containers: main, side-car)",
    },
  ],
  [
    "mainEvicted",
    {
      state: "Failed",
      reason: "Evicted",
      message:
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki.",
    },
  ],
  ["mainPending", { state: "Pending", reason: "ContainerCreating" }],
  ["nativeSidecarStopping", { state: "Running" }],
  ["unknownPhase", {
    state: "Running",
    reason: "NodeLost",
    message: "Node kjo-node-0 which was running pod task-p9w4z is unresponsive",
  }],
];

for (const [name, expected] of cases) {
  Deno.test(`podState: ${name}`, () => {
    assert.deepEqual(podState(pods[name]), expected);
  });
}

Deno.test("podState: OnFailure without annotation does not fail early on a non-zero exit", () => {
  const p = pod({
    phase: "Running",
    restartPolicy: "OnFailure",
    containers: [{ name: "main", state: { exit: 2 } }, { name: "proxy", state: { running: true } }],
  });
  assert.equal(podState(p).state, "Running");
});

Deno.test("podState: a container-level restartPolicy overrides the pod's", () => {
  const p = structuredClone(pods.oneFailedOtherRunning);
  const spec = p.spec as { containers: Array<Record<string, unknown>> };
  spec.containers[0].restartPolicy = "OnFailure";
  assert.equal(podState(p).state, "Running");
});

Deno.test("podState: pod without status or phase is Pending", () => {
  assert.deepEqual(podState({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }), {
    state: "Pending",
  });
  assert.deepEqual(
    podState({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status: { phase: 3 } }),
    { state: "Pending" },
  );
});

Deno.test("podState: main annotation is trimmed; an empty one names no container", () => {
  const p = structuredClone(pods.mainFailedSidecarRunning);
  p.metadata.annotations = { "kubernetes_job_operator.main_container": " main " };
  assert.equal(mainContainerName(p), "main");
  assert.equal(podState(p).state, "Failed");
  p.metadata.annotations = { "kubernetes_job_operator.main_container": "" };
  assert.equal(podState(p).reason, "MainContainerNotFound");
});

Deno.test("podState: main annotation cannot name an init container", () => {
  const p = structuredClone(pods.nativeSidecarStopping);
  p.metadata.annotations = { "kubernetes_job_operator.main_container": "istio-proxy" };
  assert.equal(podState(p).reason, "MainContainerNotFound");
});

Deno.test("exitMessage: roles and missing exit code", () => {
  const base = { name: "dbg", restartCount: 0, sidecar: false };
  assert.equal(
    exitMessage({ ...base, role: "ephemeral" }, { exitCode: 1 }),
    "ephemeral container dbg exited with code 1",
  );
  assert.equal(
    exitMessage({ ...base, role: "container" }, { exitCode: -1 }),
    "container dbg exited without an exit code",
  );
});
