import assert from "node:assert/strict";
import { jobState, jobTerminalCondition } from "../../../src/kinds/job_state.ts";
import type { StateVerdict } from "../../../src/kinds/resource_state.ts";
import { jobs } from "./_status_samples.ts";

const BACKOFF = "Job has reached the specified backoff limit";
const COMPLETIONS = "Reached expected number of succeeded pods";

const cases: Array<[keyof typeof jobs, StateVerdict]> = [
  ["created", { state: "Pending" }],
  // The Job controller counts a Pending pod as active: nothing runs yet.
  ["starting", { state: "Pending", message: "pods: 1 active, none ready" }],
  ["running", { state: "Running", message: "pods: 1 active, 1 ready" }],
  ["betweenRetries", { state: "Running", message: "pods: 1 failed" }],
  ["failureTarget", { state: "Failed", reason: "BackoffLimitExceeded", message: BACKOFF }],
  ["failed", { state: "Failed", reason: "BackoffLimitExceeded", message: BACKOFF }],
  [
    "deadlineExceeded",
    {
      state: "Failed",
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
    },
  ],
  [
    "podFailurePolicy",
    {
      state: "Failed",
      reason: "PodFailurePolicy",
      message:
        "Container main for pod default/build-x1y2-8kq2d failed with exit code 42 matching FailJob rule at index 0",
    },
  ],
  ["successCriteriaMet", {
    state: "Succeeded",
    reason: "CompletionsReached",
    message: COMPLETIONS,
  }],
  ["complete", { state: "Succeeded", reason: "CompletionsReached", message: COMPLETIONS }],
  ["suspended", { state: "Pending", reason: "Suspended", message: "Job suspended" }],
  ["resumed", { state: "Running", message: "pods: 1 active, 1 ready" }],
  ["falseConditions", { state: "Running", message: "pods: 1 active, 1 ready" }],
];

for (const [name, expected] of cases) {
  Deno.test(`jobState: ${name}`, () => {
    assert.deepEqual(jobState(jobs[name]), expected);
  });
}

Deno.test("jobState: active pods without a ready counter (servers before 1.24) read as Running", () => {
  const job = structuredClone(jobs.starting);
  delete (job.status as Record<string, unknown>).ready;
  assert.deepEqual(jobState(job), { state: "Running", message: "pods: 1 active" });
});

Deno.test("jobState: spec.suspend without a condition yet is Pending/Suspended", () => {
  const job = structuredClone(jobs.created);
  (job.spec as Record<string, unknown>).suspend = true;
  assert.deepEqual(jobState(job), {
    state: "Pending",
    reason: "Suspended",
    message: "Job suspended",
  });
});

Deno.test("jobState: failure wins over success when both are True", () => {
  const job = structuredClone(jobs.complete);
  (job.status as { conditions: unknown[] }).conditions.push({
    type: "Failed",
    status: "True",
    reason: "DeadlineExceeded",
  });
  assert.equal(jobState(job).state, "Failed");
});

Deno.test("jobState: a Complete condition without reason (JobSuccessPolicy off) uses its type", () => {
  const job = structuredClone(jobs.created);
  job.status = { succeeded: 1, conditions: [{ type: "Complete", status: "True" }] };
  assert.deepEqual(jobState(job), { state: "Succeeded", reason: "Complete" });
});

Deno.test("jobState: tolerates junk status", () => {
  for (
    const status of [undefined, null, "x", { conditions: "nope", active: "1" }, {
      conditions: [null, 3],
    }]
  ) {
    const job = { ...jobs.created, status };
    assert.deepEqual(jobState(job), { state: "Pending" });
  }
});

Deno.test("jobTerminalCondition: interim and final conditions", () => {
  assert.equal(jobTerminalCondition(jobs.running), undefined);
  assert.equal(jobTerminalCondition(jobs.falseConditions), undefined);
  const interim = jobTerminalCondition(jobs.failureTarget);
  assert.equal(interim?.type, "FailureTarget");
  assert.equal(interim?.final, false);
  assert.equal(interim?.state, "Failed");
  const final = jobTerminalCondition(jobs.failed);
  assert.equal(final?.type, "Failed");
  assert.equal(final?.final, true);
  assert.deepEqual(
    [
      jobTerminalCondition(jobs.successCriteriaMet)?.final,
      jobTerminalCondition(jobs.complete)?.final,
    ],
    [false, true],
  );
});
