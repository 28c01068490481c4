import assert from "node:assert/strict";
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
  options: { startupTimeoutMs?: number; executionTimeoutMs?: number; graceMs?: number } = {},
) {
  let now = 1_000_000;
  const verdicts: StateVerdict[] = [];
  const tracker = new RunTracker({
    rule,
    startupTimeoutMs: options.startupTimeoutMs ?? 120_000,
    executionTimeoutMs: options.executionTimeoutMs,
    unrecoverableGraceMs: options.graceMs ?? 30_000,
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

Deno.test("RunTracker: Pending does not count as started, Running does", () => {
  const { tracker } = setup();
  tracker.onTracked(tracked("Pending"));
  assert.equal(tracker.hasStarted, false);
  tracker.onTracked(tracked("Running"));
  assert.equal(tracker.hasStarted, true);
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
    const { tracker, advance } = setup({ startupTimeoutMs: 1_000 });
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
  const { tracker, advance } = setup({ executionTimeoutMs: 60_000, startupTimeoutMs: 10_000 });
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
  const { tracker, advance } = setup({ startupTimeoutMs: 10_000 });
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
