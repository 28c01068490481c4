import assert from "node:assert/strict";
import { kjoTriggerTargets, serveTargets, type TargetRow } from "../../../bench/_serve_targets.ts";

const delay = (p99: number, of: number) => ({ p50: p99 / 2, p99, max: p99, of });

function row(o: Partial<TargetRow> & { tool: string; runs: number }): TargetRow {
  return {
    completed: o.runs,
    processes: 2,
    pssPeakMb: 100,
    pssWaitingMb: 90,
    cpuWaitingMsPerS: 10,
    api: { peakWatches: 3, peakLogStreams: 0 },
    delayFromLastLine: delay(1000, o.runs),
    succeeded: o.runs,
    ...o,
  };
}

const verdicts = (lines: string[]) =>
  lines.filter((l) => l.startsWith("- ")).map((l) => l.endsWith(": met"));

Deno.test("kjoTriggerTargets: the N = 200 row, each target met or not", () => {
  const good = row({ tool: "kjotrigger", runs: 200, pssPeakMb: 299 });
  const lines = kjoTriggerTargets([row({ tool: "kjotrigger", runs: 50 }), good]);
  assert.equal(lines[0], "Measured at N = 200:");
  assert.deepEqual(verdicts(lines), [true, true, true]);
  const bad = kjoTriggerTargets([
    row({
      tool: "kjotrigger",
      runs: 200,
      pssPeakMb: 301,
      succeeded: 199,
      delayFromLastLine: delay(3001, 200),
    }),
  ]);
  assert.deepEqual(verdicts(bad), [false, false, false]);
  assert.match(bad[2], /301 MB peak \(90 MB waiting; 2 processes\)/);
  assert.match(bad[3], /199\/200/);
});

Deno.test("kjoTriggerTargets: the whole tree's peak, not the waiting mean, is checked", () => {
  const lines = kjoTriggerTargets([
    row({ tool: "kjotrigger", runs: 200, pssWaitingMb: 250, pssPeakMb: 320 }),
  ]);
  assert.deepEqual(verdicts(lines), [false, true, true]);
});

Deno.test("kjoTriggerTargets: the delay after the Job's condition is shown, not checked", () => {
  const lines = kjoTriggerTargets([
    row({
      tool: "kjotrigger",
      runs: 200,
      delayFromLastLine: delay(3500, 200),
      delayFromJobComplete: delay(900, 200),
    }),
  ]);
  assert.match(
    lines[4],
    /3500 ms .*Complete condition, whole seconds: p99 900 ms\): \*\*not met\*\*$/,
  );
});

Deno.test("kjoTriggerTargets: runs held Pending or delays missing are not 'all succeeded'", () => {
  const held = kjoTriggerTargets([
    row({ tool: "kjotrigger", runs: 200, completed: 100, succeeded: 100 }),
  ]);
  assert.match(held[3], /100\/200 \(only 100 let through to their end\): \*\*not met\*\*/);
  const fewDelays = kjoTriggerTargets([
    row({ tool: "kjotrigger", runs: 200, delayFromLastLine: delay(500, 150) }),
  ]);
  assert.deepEqual(verdicts(fewDelays), [true, true, false]);
});

Deno.test("kjoTriggerTargets: without N = 200 says which N was measured; other tools ignored", () => {
  const lines = kjoTriggerTargets([
    row({ tool: "serve", runs: 200, pssPeakMb: 1 }),
    row({ tool: "kjotrigger", runs: 10 }),
    row({ tool: "kjotrigger", runs: 50 }),
  ]);
  assert.equal(lines[0], "Measured at N = 50 (N = 200 not measured; largest N: 50):");
  assert.deepEqual(kjoTriggerTargets([row({ tool: "trigger", runs: 200 })]), [
    "No KjoRunTrigger row.",
  ]);
});

Deno.test("serveTargets: the N = 1000 serve row, p99 after the Job's completion condition", () => {
  const lines = serveTargets([
    row({
      tool: "serve",
      runs: 1000,
      pssPeakMb: 240,
      cpuWaitingMsPerS: 30,
      delayFromJobComplete: delay(2100, 1000),
    }),
  ]);
  assert.equal(lines[0], "Measured at N = 1000:");
  assert.deepEqual(verdicts(lines), [true, true, true, false]);
  assert.deepEqual(serveTargets([]), ["No kjo serve row."]);
});
