import assert from "node:assert/strict";
import type { KubeEvent } from "../../../src/kube/kube_event.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  createProblem,
  podAwaitsNode,
  podHasStarted,
  podStartupProblems,
  STARTUP_EVENT_REASONS,
} from "../../../src/kinds/startup_problems.ts";

const T0 = "2026-11-29T10:00:00Z";

function pod(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  name = "build-x1y2-8kq2d",
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: "kjo-node", containers: [{ name: "main", image: "busybox:1.37" }], ...spec },
    status,
  };
}

function event(
  reason: string,
  message: string,
  options: { type?: string; kind?: string; name?: string; at?: string } = {},
): KubeEvent {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `x.${reason}` },
    involvedObject: {
      kind: options.kind ?? "Pod",
      name: options.name ?? "build-x1y2-8kq2d",
      namespace: "default",
    },
    reason,
    message,
    type: options.type ?? "Warning",
    lastTimestamp: options.at ?? T0,
  };
}

const creating = {
  phase: "Pending",
  startTime: T0,
  conditions: [{ type: "PodScheduled", status: "True" }],
  containerStatuses: [{
    name: "main",
    restartCount: 0,
    state: { waiting: { reason: "ContainerCreating" } },
  }],
};

const MOUNT = 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found';

Deno.test("podHasStarted: running, terminated or restarted containers; not waiting ones", () => {
  assert.equal(podHasStarted(pod(creating)), false);
  assert.equal(podHasStarted(pod({ phase: "Pending" })), false);
  const with_ = (state: Record<string, unknown>, lastState?: Record<string, unknown>) =>
    pod({
      phase: "Running",
      containerStatuses: [{ name: "main", restartCount: 1, state, lastState }],
    });
  assert.equal(podHasStarted(with_({ running: { startedAt: T0 } })), true);
  assert.equal(podHasStarted(with_({ terminated: { exitCode: 1 } })), true);
  assert.equal(
    podHasStarted(with_({ waiting: { reason: "CrashLoopBackOff" } }, {
      terminated: { exitCode: 1 },
    })),
    true,
  );
});

Deno.test("podStartupProblems: a pod not started with a FailedMount warning names the Secret", () => {
  assert.deepEqual(podStartupProblems(pod(creating), [event("FailedMount", MOUNT)]), [{
    subject: "pod build-x1y2-8kq2d",
    reason: "FailedMount",
    message: MOUNT,
    permanent: false,
  }]);
  assert.equal(
    podStartupProblems(pod(creating), [event("FailedAttachVolume", "attach failed")])[0].reason,
    "FailedAttachVolume",
  );
});

Deno.test("podStartupProblems: the latest of several FailedMount events is reported", () => {
  const problems = podStartupProblems(pod(creating), [
    event("FailedMount", "timed out waiting for the condition", { at: "2026-11-29T10:02:00Z" }),
    event("FailedMount", MOUNT, { at: "2026-11-29T10:00:01Z" }),
  ]);
  assert.equal(problems[0].message, "timed out waiting for the condition");
});

Deno.test("podStartupProblems: FailedMount of a pod that already runs, Normal events and other reasons are no problem", () => {
  const running = pod({
    phase: "Running",
    startTime: T0,
    containerStatuses: [{ name: "main", restartCount: 0, state: { running: { startedAt: T0 } } }],
  });
  assert.deepEqual(podStartupProblems(running, [event("FailedMount", MOUNT)]), []);
  assert.deepEqual(
    podStartupProblems(pod(creating), [event("FailedMount", MOUNT, { type: "Normal" })]),
    [],
  );
  assert.deepEqual(podStartupProblems(pod(creating), [event("BackOff", "Back-off")]), []);
});

Deno.test("podStartupProblems: finished and terminating pods have none", () => {
  assert.deepEqual(podStartupProblems(pod({ phase: "Failed" }), [event("FailedMount", MOUNT)]), []);
  const deleting = pod(creating);
  deleting.metadata.deletionTimestamp = T0;
  assert.deepEqual(podStartupProblems(deleting, [event("FailedMount", MOUNT)]), []);
});

Deno.test("podStartupProblems: an unbound PersistentVolumeClaim names the claim", () => {
  const message = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. " +
    "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
  const unbound = pod({
    phase: "Pending",
    conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message }],
  }, {
    nodeName: undefined,
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "scratch" } }],
  });
  assert.deepEqual(podStartupProblems(unbound, []), [{
    subject: "pod build-x1y2-8kq2d",
    reason: "UnboundPersistentVolumeClaim",
    message: `PersistentVolumeClaim "scratch" not bound: ${message}`,
    permanent: false,
  }]);
});

Deno.test("podStartupProblems: unschedulable for lack of resources is left to the startup timeout", () => {
  const unschedulable = pod({
    phase: "Pending",
    conditions: [{
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/1 nodes are available: 1 Insufficient cpu.",
    }],
  }, { nodeName: undefined });
  assert.deepEqual(podStartupProblems(unschedulable, []), []);
});

function node(ready?: { status: string; reason?: string; message?: string }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "gone-node" },
    status: { conditions: ready ? [{ type: "Ready", ...ready }] : [] },
  };
}

Deno.test("podAwaitsNode: bound, not acknowledged (no startTime), not started", () => {
  assert.equal(podAwaitsNode(pod({ phase: "Pending" }, { nodeName: "gone-node" })), true);
  assert.equal(podAwaitsNode(pod({ phase: "Pending" }, { nodeName: undefined })), false);
  assert.equal(podAwaitsNode(pod(creating)), false, "startTime: acknowledged");
});

Deno.test("podStartupProblems: a pod bound to a node that is not Ready or gone is NodeLost", () => {
  const bound = pod({ phase: "Pending" }, { nodeName: "gone-node" });
  assert.deepEqual(podStartupProblems(bound, []), [], "the node is not known");
  assert.deepEqual(
    podStartupProblems(bound, [], node({ status: "True", reason: "KubeletReady" })),
    [],
  );
  assert.deepEqual(
    podStartupProblems(
      bound,
      [],
      node({
        status: "Unknown",
        reason: "NodeStatusUnknown",
        message: "Kubelet stopped posting node status.",
      }),
    ),
    [{
      subject: "pod build-x1y2-8kq2d",
      reason: "NodeLost",
      message: "node gone-node is not ready (Ready=Unknown: NodeStatusUnknown: " +
        "Kubelet stopped posting node status.)",
      permanent: false,
    }],
  );
  assert.equal(
    podStartupProblems(bound, [], null)[0]?.message,
    "node gone-node no longer exists",
  );
  assert.equal(
    podStartupProblems(bound, [], node())[0]?.message,
    "node gone-node is not ready (Ready=missing)",
  );
});

Deno.test("podStartupProblems: a running pod on a NotReady node is NodeLost until it is Ready again", () => {
  const status = (ready: string) => ({
    phase: "Running",
    startTime: T0,
    conditions: [{ type: "Ready", status: ready }],
    containerStatuses: [{ name: "main", restartCount: 0, state: { running: { startedAt: T0 } } }],
  });
  const notReady = [event("NodeNotReady", "Node is not ready")];
  assert.deepEqual(podStartupProblems(pod(status("False")), notReady), [{
    subject: "pod build-x1y2-8kq2d",
    reason: "NodeLost",
    message: "Node is not ready (node kjo-node)",
    permanent: false,
  }]);
  assert.deepEqual(podStartupProblems(pod(status("True")), notReady), []);
});

Deno.test("podStartupProblems: phase Unknown is NodeLost with the pod's message", () => {
  const unknown = pod({
    phase: "Unknown",
    reason: "NodeLost",
    message: "Node kjo-node which was running pod build-x1y2-8kq2d is unresponsive",
  });
  assert.deepEqual(podStartupProblems(unknown, []).map((p) => [p.reason, p.message]), [[
    "NodeLost",
    "Node kjo-node which was running pod build-x1y2-8kq2d is unresponsive",
  ]]);
});

Deno.test("podStartupProblems: stuck containers keep their waiting reason and permanence", () => {
  const stuck = pod({
    phase: "Pending",
    startTime: T0,
    containerStatuses: [{
      name: "main",
      restartCount: 0,
      state: { waiting: { reason: "InvalidImageName", message: "invalid reference format" } },
    }],
  });
  assert.deepEqual(podStartupProblems(stuck, []), [{
    subject: "pod build-x1y2-8kq2d container main",
    reason: "InvalidImageName",
    message: "invalid reference format",
    permanent: true,
  }]);
});

const JOB: KubeObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "build-x1y2" } };
const QUOTA = 'Error creating: pods "build-x1y2-7xk2p" is forbidden: exceeded quota: no-pods, ' +
  "requested: pods=1, used: pods=0, limited: pods=0";

Deno.test("createProblem: a FailedCreate newer than the last SuccessfulCreate", () => {
  const failed = event("FailedCreate", QUOTA, {
    kind: "Job",
    name: "build-x1y2",
    at: "2026-11-29T10:00:09Z",
  });
  const created = event("SuccessfulCreate", "Created pod: build-x1y2-8kq2d", {
    kind: "Job",
    name: "build-x1y2",
    type: "Normal",
    at: "2026-11-29T10:00:01Z",
  });
  assert.deepEqual(createProblem(JOB, [created, failed]), {
    subject: "Job/build-x1y2",
    reason: "FailedCreate",
    message: QUOTA,
    permanent: false,
  });
  assert.equal(
    createProblem(JOB, [created, failed], 1),
    undefined,
    "a live pod may free the quota",
  );
  const later = { ...created, lastTimestamp: "2026-11-29T10:00:10Z" };
  assert.equal(createProblem(JOB, [failed, later]), undefined);
  assert.equal(createProblem(JOB, [created]), undefined);
  assert.equal(createProblem(JOB, []), undefined);
});

Deno.test("STARTUP_EVENT_REASONS lists every reason the rules read", () => {
  assert.deepEqual([...STARTUP_EVENT_REASONS].sort(), [
    "FailedAttachVolume",
    "FailedCreate",
    "FailedMount",
    "NodeNotReady",
    "SuccessfulCreate",
  ]);
});
