import assert from "node:assert/strict";
import {
  RecentWarnings,
  summarizeFailure,
  type SummaryEvent,
} from "../../../src/runner/failure_summary.ts";
import { jobState } from "../../../src/kinds/job_state.ts";
import { podState } from "../../../src/kinds/pod_state.ts";
import { jobs, pod, pods } from "../kinds/_status_samples.ts";

Deno.test("summarizeFailure: failed Job with a failed pod, events and last lines", () => {
  const retry = {
    ...pod({
      phase: "Failed",
      ofJob: true,
      name: "build-x1y2-m2v9c",
      containers: [{ name: "main", state: { exit: 3 } }],
    }),
  };
  retry.metadata = { ...retry.metadata, creationTimestamp: "2026-11-29T10:00:05Z" };
  const events: SummaryEvent[] = [
    {
      object: "Pod/build-x1y2-8kq2d",
      eventType: "Normal",
      reason: "Scheduled",
      message: "Successfully assigned default/build-x1y2-8kq2d to kjo-node-0",
      time: "2026-11-29T10:00:00Z",
    },
    {
      object: "Pod/build-x1y2-8kq2d",
      eventType: "Warning",
      reason: "BackOff",
      message: "Back-off restarting failed container",
      count: 2,
      time: "2026-11-29T10:00:03Z",
    },
    {
      object: "Job/build-x1y2",
      eventType: "Warning",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
      time: "2026-11-29T10:00:09Z",
    },
    {
      object: "Pod/build-x1y2-8kq2d",
      eventType: "Warning",
      reason: "BackOff",
      message: "Back-off restarting failed container",
      count: 5,
      time: "2026-11-29T10:00:04Z",
    },
  ];
  const lastLines = new Map([
    ["build-x1y2-8kq2d/main", Array.from({ length: 25 }, (_, i) => `line ${i + 1}`)],
    ["build-x1y2-m2v9c/main", ["boom"]],
    ["other-pod/main", ["unrelated"]],
  ]);
  const lines = summarizeFailure({
    tracked: jobs.failed,
    pods: [retry, pods.failed],
    events,
    lastLines,
    verdict: jobState(jobs.failed),
    maxLines: 3,
  });
  assert.deepEqual(lines, [
    "Job/build-x1y2 failed: condition Failed, reason BackoffLimitExceeded: Job has reached the specified backoff limit",
    "Pod/build-x1y2-8kq2d: Failed",
    "  main: terminated, exit code 3 (Error)",
    "Pod/build-x1y2-m2v9c: Failed",
    "  main: terminated, exit code 3 (Error)",
    "recent warning events:",
    "  Pod/build-x1y2-8kq2d BackOff: Back-off restarting failed container (x5)",
    "  Job/build-x1y2 BackoffLimitExceeded: Job has reached the specified backoff limit",
    "last 3 log lines of build-x1y2-8kq2d/main:",
    "  | line 23",
    "  | line 24",
    "  | line 25",
    "last 1 log line of build-x1y2-m2v9c/main:",
    "  | boom",
  ]);
});

Deno.test("summarizeFailure: tracked Pod with a sidecar, main failed", () => {
  const p = pods.mainFailedSidecarRunning;
  const lines = summarizeFailure({
    tracked: p,
    pods: [],
    events: [],
    lastLines: new Map([["task-p9w4z/main", ["loading", "error: no such table"]], [
      "task-p9w4z/side-car",
      ["proxy up"],
    ]]),
    verdict: podState(p),
  });
  assert.deepEqual(lines, [
    "Pod/task-p9w4z failed: Error — container main exited with code 3",
    "Pod/task-p9w4z: Running",
    "  main: terminated, exit code 3 (Error)",
    "  side-car: running",
    "last 2 log lines of task-p9w4z/main:",
    "  | loading",
    "  | error: no such table",
  ]);
});

Deno.test("summarizeFailure: waiting reasons, init containers, restarts", () => {
  const pull = summarizeFailure({
    tracked: jobs.failed,
    pods: [pods.initImagePull],
    events: [],
    lastLines: new Map(),
    verdict: {
      state: "Failed",
      reason: "ImagePullBackOff",
      message: "init container fetch cannot pull its image",
    },
  });
  assert.deepEqual(pull.slice(1), [
    "Pod/task-p9w4z: Pending",
    '  init fetch: waiting, ImagePullBackOff: Back-off pulling image "kjo.invalid/fetch:2"',
    "  main: waiting, PodInitializing",
  ]);
  const crash = summarizeFailure({
    tracked: pods.crashLoop,
    pods: [pods.crashLoop],
    events: [],
    lastLines: new Map([["task-p9w4z/main", ["oops"]]]),
    verdict: { state: "Failed", reason: "TimedOut" },
  });
  assert.equal(
    crash[2],
    "  main: waiting, CrashLoopBackOff: back-off 20s restarting failed container=main " +
      "pod=task-p9w4z_default(a1f0e6c2-3b7d-4c1e-8f2a-9d0b6e5c4a3f); restarted 3 times, last exit code 1 (Error)",
  );
  assert.deepEqual(crash.slice(3), ["last 1 log line of task-p9w4z/main:", "  | oops"]);
});

Deno.test("summarizeFailure: eviction with no failed container shows every container's lines", () => {
  const lines = summarizeFailure({
    tracked: pods.deadlineExceeded,
    pods: [],
    events: [],
    lastLines: new Map([["task-p9w4z/main", ["still working"]]]),
    verdict: podState(pods.deadlineExceeded),
  });
  assert.equal(
    lines[0],
    "Pod/task-p9w4z failed: DeadlineExceeded — Pod was active on the node longer than the specified deadline",
  );
  assert.equal(
    lines[1],
    "Pod/task-p9w4z: Failed, DeadlineExceeded: Pod was active on the node longer than the specified deadline",
  );
  assert.deepEqual(lines.slice(-2), ["last 1 log line of task-p9w4z/main:", "  | still working"]);

  // Nothing failed in any container: fall back to all lines of shown pods.
  const running = summarizeFailure({
    tracked: jobs.running,
    pods: [pods.running],
    events: [],
    lastLines: new Map([["task-p9w4z/main", ["tick"]], ["gone/main", ["x"]]]),
    verdict: { state: "Running" },
  });
  assert.equal(running[0], "Job/build-x1y2 is Running");
  assert.deepEqual(running.slice(-2), ["last 1 log line of task-p9w4z/main:", "  | tick"]);
});

Deno.test("summarizeFailure: limits (pods, events, line length), no pods", () => {
  const many = Array.from(
    { length: 8 },
    (_, i) =>
      pod({
        phase: "Failed",
        ofJob: true,
        name: `p-${i}`,
        containers: [{ name: "main", state: { exit: 1 } }],
      }),
  );
  const events: SummaryEvent[] = Array.from({ length: 15 }, (_, i) => ({
    object: `Pod/p-${i}`,
    eventType: "Warning",
    reason: "Failed",
    message: `m${i}`,
  }));
  const lines = summarizeFailure({
    tracked: jobs.failed,
    pods: many,
    events,
    lastLines: new Map([["p-0/main", ["x".repeat(1000)]]]),
    verdict: jobState(jobs.failed),
    maxPods: 2,
    maxEvents: 3,
    maxLineLength: 40,
  });
  assert.deepEqual(lines.slice(1), [
    "Pod/p-0: Failed",
    "  main: terminated, exit code 1 (Error)",
    "Pod/p-1: Failed",
    "  main: terminated, exit code 1 (Error)",
    "… and 6 more pods",
    "recent warning events (last 3 of 15):",
    "  Pod/p-12 Failed: m12",
    "  Pod/p-13 Failed: m13",
    "  Pod/p-14 Failed: m14",
    "last 1 log line of p-0/main:",
    `  | ${"x".repeat(35)}…`,
  ]);
  assert.equal(lines[0].length, 40);
  assert.deepEqual(
    summarizeFailure({
      tracked: jobs.failed,
      pods: [],
      events: [],
      lastLines: new Map(),
      verdict: jobState(jobs.failed),
    })
      .slice(1),
    ["no pods of the run were seen"],
  );
});

Deno.test("summarizeFailure: multi-line termination messages stay on one line", () => {
  const p = pod({
    phase: "Failed",
    containers: [{
      name: "main",
      state: { exit: 2, message: "panic: bad\n\ngoroutine 1 [running]:\nmain.main()" },
    }],
  });
  const lines = summarizeFailure({
    tracked: p,
    pods: [p],
    events: [],
    lastLines: new Map(),
    verdict: podState(p),
  });
  assert.equal(
    lines[2],
    "  main: terminated, exit code 2 (Error): panic: bad ⏎ goroutine 1 [running]: ⏎ main.main()",
  );
});

Deno.test("RecentWarnings: only Warning events, de-duplicated, the most recent `limit` distinct ones", () => {
  const warnings = new RecentWarnings(3);
  for (let i = 0; i < 10_000; i++) {
    warnings.add({ object: `Pod/p-${i}`, eventType: "Normal", reason: "Pulled", message: "m" });
    warnings.add({
      object: `Pod/p-${i}`,
      eventType: "Warning",
      reason: "Failed",
      message: `m${i}`,
    });
    warnings.add({
      object: "Job/j",
      eventType: "Warning",
      reason: "BackOff",
      message: "same",
      count: 2,
    });
  }
  assert.deepEqual(warnings.list().map((e) => `${e.object} ${e.message} x${e.count}`), [
    "Pod/p-9998 m9998 x1",
    "Pod/p-9999 m9999 x1",
    "Job/j same x2",
  ]);
});

Deno.test("summarizeFailure: morePods counts pods no longer kept", () => {
  const p = pod({ phase: "Failed", containers: [{ name: "main", state: { exit: 1 } }] });
  const lines = summarizeFailure({
    tracked: jobs.failed,
    pods: [p],
    events: [],
    lastLines: new Map(),
    verdict: jobState(jobs.failed),
    morePods: 1999,
  });
  assert.ok(lines.includes("… and 1999 more pods"), lines.join("\n"));
  const one = summarizeFailure({
    tracked: jobs.failed,
    pods: [p],
    events: [],
    lastLines: new Map(),
    verdict: jobState(jobs.failed),
    morePods: 1,
  });
  assert.ok(one.includes("… and 1 more pod"), one.join("\n"));
});

Deno.test("summarizeFailure: the headline says the end state (failed, timed out, was deleted, was interrupted)", () => {
  const tracked = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "work" } };
  const headline = (state: "Failed" | "TimedOut" | "Deleted" | "Interrupted") =>
    summarizeFailure({
      tracked,
      pods: [],
      events: [],
      lastLines: new Map(),
      verdict: { state, reason: "Why", message: "because" },
    })[0];
  assert.equal(headline("Failed"), "Job/work failed: Why — because");
  assert.equal(headline("TimedOut"), "Job/work timed out: Why — because");
  assert.equal(headline("Deleted"), "Job/work was deleted: Why — because");
  assert.equal(headline("Interrupted"), "Job/work was interrupted: Why — because");
});
