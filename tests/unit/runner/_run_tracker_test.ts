import assert from "node:assert/strict";
import type { KubeEvent } from "../../../src/kube/kube_event.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { StateRule, StateVerdict } from "../../../src/kinds/resource_state.ts";
import type { PodLike } from "../../../src/runner/_pod_cache.ts";
import { type FinalVerdict, RunTracker } from "../../../src/runner/_run_tracker.ts";

/** A rule that reads `status.verdict` of the fake tracked object. */
const rule: StateRule = (object) =>
  (object as KubeObject & { status: { verdict: StateVerdict } }).status.verdict;

function tracked(state: StateVerdict["state"], reason?: string, message?: string): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "build" },
    status: { verdict: { state, ...(reason ? { reason } : {}), ...(message ? { message } : {}) } },
  } as KubeObject;
}

type Waiting = { waiting: { reason: string; message?: string } };
type ContainerState = Waiting | { running: { startedAt: string } } | {
  terminated: { exitCode: number };
};

function pod(
  name: string,
  containers: Record<string, ContainerState> = {},
  extra: {
    scheduled?: { status: string; reason?: string; message?: string };
    init?: Record<string, ContainerState>;
  } = {},
): PodLike {
  const statuses = (entries: Record<string, ContainerState>) =>
    Object.entries(entries).map(([n, state]) => ({ name: n, restartCount: 0, state }));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    status: {
      phase: "Pending",
      ...(extra.init ? { initContainerStatuses: statuses(extra.init) } : {}),
      containerStatuses: statuses(containers),
      ...(extra.scheduled ? { conditions: [{ type: "PodScheduled", ...extra.scheduled }] } : {}),
    },
  };
}

/** A tracker on a fake clock; `advance` moves the clock and ticks. */
function setup(
  options: {
    startupTimeoutMs?: number;
    executionTimeoutMs?: number;
    graceMs?: number;
    verdictMeansStarted?: boolean;
  } = {},
) {
  let now = 1_000_000;
  const verdicts: StateVerdict[] = [];
  const tracker = new RunTracker({
    rule,
    startupTimeoutMs: options.startupTimeoutMs ?? 120_000,
    executionTimeoutMs: options.executionTimeoutMs,
    unrecoverableGraceMs: options.graceMs ?? 30_000,
    verdictMeansStarted: options.verdictMeansStarted,
    onVerdict: (v) => verdicts.push(v),
    now: () => now,
  });
  return {
    tracker,
    verdicts,
    advance(ms: number) {
      now += ms;
      tracker.tick();
    },
  };
}

/** Whether `decided` has resolved, without waiting for anything else. */
async function settled(promise: Promise<FinalVerdict>): Promise<FinalVerdict | undefined> {
  const pending = Symbol("pending");
  const value = await Promise.race([promise, Promise.resolve(pending)]);
  return value === pending ? undefined : value as FinalVerdict;
}

Deno.test("RunTracker: reports each verdict change once", () => {
  const { tracker, verdicts } = setup();
  tracker.onTracked(tracked("Pending"));
  tracker.onTracked(tracked("Pending"));
  tracker.onTracked(tracked("Running", "PodRunning"));
  tracker.onTracked(tracked("Running", "PodRunning", "a different message only"));
  tracker.onTracked(tracked("Running", "Ready"));
  tracker.onTracked(tracked("Running", "Ready"));
  assert.deepEqual(verdicts.map((v) => `${v.state}/${v.reason ?? ""}`), [
    "Pending/",
    "Running/PodRunning",
    "Running/Ready",
  ]);
  assert.deepEqual(tracker.lastVerdict, { state: "Running", reason: "Ready" });
  assert.equal(tracker.final, undefined);
});

Deno.test("RunTracker: with verdictMeansStarted, Pending does not count as started, Running does", () => {
  const { tracker } = setup({ verdictMeansStarted: true });
  tracker.onTracked(tracked("Pending"));
  assert.equal(tracker.hasStarted, false);
  tracker.onTracked(tracked("Running"));
  assert.equal(tracker.hasStarted, true);
});

// A Job's `active` counter includes Pending pods: only a container that ran
// counts as started (issue: a Job whose pod never started waited forever).
Deno.test("RunTracker: by default a Running verdict is not a start; the startup timeout still fires", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 120_000 });
  tracker.onTracked(tracked("Running", undefined, "pods: 1 active"));
  tracker.onPod(pod("build-abc", { main: { waiting: { reason: "ContainerCreating" } } }));
  assert.equal(tracker.hasStarted, false);
  advance(120_000);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "StartupTimeout",
    message: "nothing started within 120s; pod build-abc container main: ContainerCreating",
  });
});

for (
  const [state, reason, message] of [
    ["Succeeded", "Completed", "Job completed"],
    ["Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"],
  ] as const
) {
  Deno.test(`RunTracker: ${state} of the tracked resource decides the run`, async () => {
    const { tracker } = setup();
    tracker.onTracked(tracked("Running"));
    assert.equal(await settled(tracker.decided), undefined);
    tracker.onTracked(tracked(state, reason, message));
    assert.deepEqual(await tracker.decided, { state, reason, message });
    assert.deepEqual(tracker.final, { state, reason, message });
  });
}

Deno.test("RunTracker: deletion of the tracked resource decides Deleted", async () => {
  const { tracker } = setup();
  tracker.onTracked(tracked("Running"));
  tracker.onTrackedDeleted("Job/build");
  assert.deepEqual(await tracker.decided, {
    state: "Deleted",
    reason: "Deleted",
    message: "Job/build was deleted",
  });
});

Deno.test("RunTracker: decided resolves once; later outcomes do not change it", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 1_000, executionTimeoutMs: 2_000 });
  const seen: FinalVerdict[] = [];
  tracker.decided.then((v) => seen.push(v));
  tracker.onTracked(tracked("Failed", "BackoffLimitExceeded"));
  tracker.onTracked(tracked("Succeeded", "Completed"));
  tracker.onTrackedDeleted("Job/build");
  advance(10_000);
  await tracker.decided;
  await Promise.resolve();
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], {
    state: "Failed",
    reason: "BackoffLimitExceeded",
    message: undefined,
  });
  assert.equal(tracker.final?.state, "Failed");
});

Deno.test("RunTracker: startup timeout when no pod was created", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 120_000 });
  tracker.onTracked(tracked("Pending"));
  advance(119_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "StartupTimeout",
    message: "nothing started within 120s; no pod of the run was created",
  });
});

Deno.test("RunTracker: startup timeout copies the PodScheduled=False message of an unschedulable pod", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 5_000 });
  const message =
    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: " +
    "1 No preemption victims found for incoming pod.";
  tracker.onPod(
    pod("build-abc", {}, { scheduled: { status: "False", reason: "Unschedulable", message } }),
  );
  advance(5_000);
  const verdict = await tracker.decided;
  assert.equal(verdict.state, "Failed");
  assert.equal(verdict.reason, "StartupTimeout");
  assert.equal(
    verdict.message,
    `nothing started within 5s; pod build-abc: Unschedulable: ${message}`,
  );
});

Deno.test("RunTracker: startup timeout names the node of a pod it has not acknowledged", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 10_000 });
  const bound = pod("build-abc");
  bound.spec = { nodeName: "kjo-node", containers: [{ name: "main" }] } as PodLike["spec"];
  tracker.onPod(bound);
  advance(10_000);
  assert.equal(
    (await tracker.decided).message,
    "nothing started within 10s; pod build-abc: node kjo-node has not acknowledged it",
  );
});

Deno.test("RunTracker: startup timeout names a waiting container and its message", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 10_000 });
  tracker.onPod(pod("build-abc", {
    main: { waiting: { reason: "ContainerCreating" } },
    side: { waiting: { reason: "PodInitializing", message: "init not done" } },
  }, { scheduled: { status: "True" } }));
  advance(10_000);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "StartupTimeout",
    message: "nothing started within 10s; pod build-abc container main: ContainerCreating; " +
      "pod build-abc container side: PodInitializing: init not done",
  });
});

Deno.test("RunTracker: no startup timeout once a container runs or the resource is not Pending", async () => {
  const cases: Array<[string, (t: RunTracker) => void]> = [
    ["running container", (t) => t.onPod(pod("p", { main: { running: { startedAt: "t" } } }))],
    [
      "terminated init container",
      (t) =>
        t.onPod(pod("p", { main: { waiting: { reason: "PodInitializing" } } }, {
          init: { init: { terminated: { exitCode: 0 } } },
        })),
    ],
    ["tracked Running", (t) => t.onTracked(tracked("Running"))],
  ];
  for (const [name, feed] of cases) {
    const { tracker, advance } = setup({ startupTimeoutMs: 1_000, verdictMeansStarted: true });
    feed(tracker);
    advance(60_000);
    assert.equal(await settled(tracker.decided), undefined, name);
    assert.equal(tracker.hasStarted, true, name);
  }
});

for (const reason of ["ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"]) {
  Deno.test(`RunTracker: ${reason} fails the run only after the grace`, async () => {
    const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 600_000 });
    const message = reason === "CreateContainerConfigError"
      ? 'secret "creds" not found'
      : 'Back-off pulling image "kjo.invalid/nope:1"';
    const stuck = pod("build-abc", { main: { waiting: { reason, message } } });
    tracker.onPod(stuck);
    advance(10_000);
    tracker.onPod(stuck); // the same state again keeps the first time
    advance(19_999);
    assert.equal(await settled(tracker.decided), undefined);
    advance(1);
    assert.deepEqual(await tracker.decided, {
      state: "Failed",
      reason,
      message: `pod build-abc container main: ${reason}: ${message} (for 30s)`,
    });
  });
}

Deno.test("RunTracker: ErrImagePull and ImagePullBackOff alternating count as one stuck period", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000 });
  tracker.onPod(pod("p", { main: { waiting: { reason: "ErrImagePull" } } }));
  advance(15_000);
  tracker.onPod(pod("p", { main: { waiting: { reason: "ImagePullBackOff" } } }));
  advance(15_000);
  const verdict = await tracker.decided;
  assert.equal(verdict.reason, "ImagePullBackOff");
  assert.equal(verdict.message, "pod p container main: ImagePullBackOff (for 30s)");
});

Deno.test("RunTracker: a container that recovers before the grace resets it", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 600_000 });
  tracker.onPod(pod("p", { main: { waiting: { reason: "ImagePullBackOff" } } }));
  advance(29_000);
  tracker.onPod(pod("p", { main: { waiting: { reason: "ContainerCreating" } } }));
  advance(29_000);
  tracker.onPod(pod("p", { main: { waiting: { reason: "ErrImagePull" } } }));
  advance(29_999);
  assert.equal(
    await settled(tracker.decided),
    undefined,
    "the grace restarted at the second ErrImagePull",
  );
  advance(1);
  assert.equal((await tracker.decided).reason, "ErrImagePull");
});

Deno.test("RunTracker: a deleted stuck pod is forgotten", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 600_000 });
  tracker.onPod(pod("p", { main: { waiting: { reason: "ErrImagePull" } } }));
  advance(20_000);
  tracker.onPodDeleted("p");
  advance(60_000);
  assert.equal(await settled(tracker.decided), undefined);
});

Deno.test("RunTracker: a stuck init container fails the run after the grace", async () => {
  const { tracker, advance } = setup({ graceMs: 1_000 });
  tracker.onPod(pod("p", { main: { waiting: { reason: "PodInitializing" } } }, {
    init: {
      setup: {
        waiting: { reason: "CreateContainerConfigError", message: 'configmap "cfg" not found' },
      },
    },
  }));
  advance(1_000);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "CreateContainerConfigError",
    message:
      'pod p container setup: CreateContainerConfigError: configmap "cfg" not found (for 1s)',
  });
});

// README (`--image-pull-failure-grace`): "InvalidImageName fails at once";
// InvalidImageName and ErrImageNeverPull are permanent
// (src/kinds/image_pull_failure.ts): no grace.
for (const reason of ["InvalidImageName", "ErrImageNeverPull"]) {
  Deno.test(`RunTracker: ${reason} (permanent) fails the run at once`, async () => {
    const { tracker } = setup({ graceMs: 30_000 });
    tracker.onPod(pod("p", { main: { waiting: { reason, message: "invalid reference format" } } }));
    const verdict = await settled(tracker.decided);
    assert.equal(verdict?.state, "Failed");
    assert.equal(verdict?.reason, reason);
  });
}

Deno.test("RunTracker: execution timeout gives TimedOut", async () => {
  const { tracker, advance } = setup({
    executionTimeoutMs: 60_000,
    startupTimeoutMs: 10_000,
    verdictMeansStarted: true,
  });
  tracker.onTracked(tracked("Running"));
  advance(59_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.deepEqual(await tracker.decided, {
    state: "TimedOut",
    reason: "ExecutionTimeout",
    message: "the run did not end within 60s",
  });
});

Deno.test("RunTracker: without an execution timeout a running run never times out", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 10_000, verdictMeansStarted: true });
  tracker.onTracked(tracked("Running"));
  advance(365 * 24 * 3600_000);
  assert.equal(await settled(tracker.decided), undefined);
});

// ImageInspectError is stuck (not permanent): it fails the run after the
// grace even while a sidecar runs.
Deno.test("RunTracker: ImageInspectError fails the run after the grace", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000 });
  tracker.onPod(pod("p", {
    side: { running: { startedAt: "2026-11-29T10:00:00Z" } },
    main: { waiting: { reason: "ImageInspectError", message: "Failed to inspect image" } },
  }));
  advance(29_999);
  assert.equal(await settled(tracker.decided), undefined, "not before the grace");
  advance(1);
  assert.equal((await settled(tracker.decided))?.reason, "ImageInspectError");
});

function warning(
  reason: string,
  message: string,
  involved: { kind: string; name: string },
  at = "2026-11-29T10:00:05Z",
): KubeEvent {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${involved.name}.${reason}` },
    involvedObject: involved,
    type: reason === "SuccessfulCreate" ? "Normal" : "Warning",
    reason,
    message,
    lastTimestamp: at,
  };
}

const MOUNT = 'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found';

Deno.test("RunTracker: a pod not started with FailedMount events fails after the grace, naming the Secret", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 120_000 });
  tracker.onTracked(tracked("Pending", undefined, "pods: 1 active, none ready"));
  tracker.onPod(pod("build-abc", { main: { waiting: { reason: "ContainerCreating" } } }));
  advance(5_000);
  tracker.onEvent(warning("FailedMount", MOUNT, { kind: "Pod", name: "build-abc" }));
  advance(29_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "FailedMount",
    message: `pod build-abc: FailedMount: ${MOUNT} (for 30s)`,
  });
});

Deno.test("RunTracker: events of unknown pods and unrelated reasons are ignored", async () => {
  const { tracker, advance } = setup({ graceMs: 1_000, startupTimeoutMs: 0 });
  tracker.onPod(pod("build-abc", { main: { waiting: { reason: "ContainerCreating" } } }));
  tracker.onEvent(warning("FailedMount", MOUNT, { kind: "Pod", name: "other" }));
  tracker.onEvent(warning("BackOff", "Back-off", { kind: "Pod", name: "build-abc" }));
  advance(3_600_000);
  assert.equal(await settled(tracker.decided), undefined);
});

const QUOTA = 'Error creating: pods "build-xyz" is forbidden: exceeded quota: no-pods, ' +
  "requested: pods=1, used: pods=0, limited: pods=0";

Deno.test("RunTracker: FailedCreate on the Job after a first pod ran fails the run after the grace", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 120_000 });
  const job = { kind: "Job", name: "build" };
  tracker.onTracked(tracked("Running", undefined, "pods: 1 failed"));
  const failed = pod("build-abc", { main: { terminated: { exitCode: 1 } } });
  failed.status!.phase = "Failed";
  tracker.onPod(failed);
  tracker.onEvent(
    warning("SuccessfulCreate", "Created pod: build-abc", job, "2026-11-29T10:00:01Z"),
  );
  tracker.onEvent(warning("FailedCreate", QUOTA, job, "2026-11-29T10:00:12Z"));
  advance(30_000);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "FailedCreate",
    message: `Job/build: FailedCreate: ${QUOTA} (for 30s)`,
  });
});

Deno.test("RunTracker: FailedCreate while another pod of the run still runs is no problem yet", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 0 });
  const job = { kind: "Job", name: "build" };
  tracker.onTracked(tracked("Running", undefined, "pods: 1 active, 1 ready"));
  const running = pod("build-abc", { main: { running: { startedAt: "2026-11-29T10:00:00Z" } } });
  running.status!.phase = "Running";
  tracker.onPod(running);
  tracker.onEvent(warning("FailedCreate", QUOTA, job, "2026-11-29T10:00:12Z"));
  advance(60_000);
  assert.equal(await settled(tracker.decided), undefined);
  tracker.onPod({
    ...running,
    status: { ...running.status, phase: "Succeeded" },
  });
  advance(29_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.equal((await tracker.decided).reason, "FailedCreate");
});

Deno.test("RunTracker: a SuccessfulCreate after FailedCreate clears it", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 0 });
  const job = { kind: "Job", name: "build" };
  tracker.onTracked(tracked("Pending"));
  tracker.onEvent(warning("FailedCreate", QUOTA, job, "2026-11-29T10:00:12Z"));
  advance(20_000);
  tracker.onEvent(
    warning("SuccessfulCreate", "Created pod: build-abc", job, "2026-11-29T10:00:30Z"),
  );
  advance(60_000);
  assert.equal(await settled(tracker.decided), undefined);
});

Deno.test("RunTracker: a retry pod that cannot start fails the run at the startup timeout, counted from the pod", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 60_000, graceMs: 30_000 });
  tracker.onPod(pod("build-1", { main: { running: { startedAt: "2026-11-29T10:00:00Z" } } }));
  advance(100_000);
  tracker.onPod(pod("build-1", { main: { terminated: { exitCode: 1 } } }));
  const retry = pod("build-2", {}, {
    scheduled: { status: "False", reason: "Unschedulable", message: "0/1 nodes are available" },
  });
  tracker.onPod(retry);
  advance(59_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "StartupTimeout",
    message: "pod build-2 did not start within 60s; pod build-2: Unschedulable: " +
      "0/1 nodes are available",
  });
});

Deno.test("RunTracker: a pod waiting while another pod of the run runs is timed from when that one ends", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 60_000 });
  const running = pod("build-1", { main: { running: { startedAt: "2026-11-29T10:00:00Z" } } });
  tracker.onPod(running);
  const waiting = pod("build-2", {}, {
    scheduled: { status: "False", reason: "Unschedulable", message: "0/1 nodes are available" },
  });
  tracker.onPod(waiting);
  advance(600_000);
  assert.equal(await settled(tracker.decided), undefined, "build-1 still runs");
  tracker.onPod(pod("build-1", { main: { terminated: { exitCode: 0 } } }));
  advance(59_000);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1_000);
  assert.equal(
    (await tracker.decided).message,
    "pod build-2 did not start within 60s; pod build-2: Unschedulable: 0/1 nodes are available",
  );
});

Deno.test("RunTracker: startupTimeoutMs 0 means no startup timeout", async () => {
  const { tracker, advance } = setup({ startupTimeoutMs: 0 });
  tracker.onTracked(tracked("Pending"));
  tracker.onPod(pod("build-abc", { main: { waiting: { reason: "ContainerCreating" } } }));
  advance(7 * 24 * 3600_000);
  assert.equal(await settled(tracker.decided), undefined);
});

Deno.test("RunTracker: a pod bound to a NotReady node fails as NodeLost after the grace", async () => {
  const { tracker, advance } = setup({ graceMs: 30_000, startupTimeoutMs: 600_000 });
  const bound = pod("build-abc");
  bound.spec = { nodeName: "lost-node", containers: [{ name: "main" }] } as PodLike["spec"];
  tracker.onPod(bound);
  assert.deepEqual(tracker.nodesToCheck(5_000), [], "too early to suspect the node");
  advance(5_000);
  assert.deepEqual(tracker.nodesToCheck(5_000), ["lost-node"]);
  advance(60_000);
  assert.equal(await settled(tracker.decided), undefined, "the node is not known yet");
  tracker.onNode("lost-node", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "lost-node" },
    status: { conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady" }] },
  });
  advance(29_999);
  assert.equal(await settled(tracker.decided), undefined);
  advance(1);
  assert.deepEqual(await tracker.decided, {
    state: "Failed",
    reason: "NodeLost",
    message: "pod build-abc: NodeLost: node lost-node is not ready " +
      "(Ready=False: KubeletNotReady) (for 30s)",
  });
});
