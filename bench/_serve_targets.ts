/**
 * The targets of issue 9 checked against the rows of `serve_vs_attach.ts`: Markdown lines saying
 * what was measured and whether each target is met.
 *
 * @module
 */

/** Percentiles of one delay, ms (`of`: how many runs it covers). */
export interface DelayFigures {
  p50: number;
  p99: number;
  max: number;
  of: number;
}

/** What the checks read of a row of `serve_vs_attach.ts` (its `Row` has these fields). */
export interface TargetRow {
  tool: string;
  runs: number;
  completed: number;
  timedOutAfterS?: number;
  processes: number;
  pssPeakMb: number;
  pssWaitingMb: number;
  cpuWaitingMsPerS: number;
  api: { peakWatches: number; peakLogStreams: number };
  delayFromLastLine: DelayFigures;
  delayFromJobComplete?: DelayFigures;
  succeeded: number;
}

/** N at which the issue sets the targets of one `kjo serve`. */
export const SERVE_TARGET_RUNS = 1000;
/** N at which the issue sets the targets of `KjoRunTrigger` in one event loop. */
export const KJO_TRIGGER_TARGET_RUNS = 200;

const fmt = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
const ok = (b: boolean) => b ? "met" : "**not met**";

/** The row of `tool` at `runs`, else the one with the largest N. */
function rowFor(rows: TargetRow[], tool: string, runs: number): TargetRow | undefined {
  const own = rows.filter((r) => r.tool === tool);
  return own.find((r) => r.runs === runs) ?? own.sort((a, b) => b.runs - a.runs)[0];
}

/**
 * 1000 runs followed by one `kjo serve`: ≤ 250 MB summed Pss, ≤ 50 ms/s CPU while waiting,
 * ≤ 3 open watches per namespace without logs, result p99 ≤ 2 s after the Job's completion
 * condition. Checked on the `serve` row at N = 1000, else the largest N (said so).
 */
export function serveTargets(rows: TargetRow[]): string[] {
  const r = rowFor(rows, "serve", SERVE_TARGET_RUNS);
  if (!r) return ["No kjo serve row."];
  const at = r.runs === SERVE_TARGET_RUNS
    ? ""
    : ` (largest N measured: ${r.runs}, not ${SERVE_TARGET_RUNS})`;
  const watches = r.api.peakWatches;
  const p99 = r.delayFromJobComplete?.p99 ?? NaN;
  return [
    `Measured at N = ${r.runs}${at}:`,
    "",
    `- ≤ 250 MB summed Pss: ${fmt(r.pssPeakMb)} MB peak (${fmt(r.pssWaitingMb)} MB waiting): ${
      ok(r.pssPeakMb <= 250)
    }`,
    `- ≤ 50 ms/s CPU while waiting: ${fmt(r.cpuWaitingMsPerS, 1)} ms/s: ${
      ok(r.cpuWaitingMsPerS <= 50)
    }`,
    `- ≤ 3 open watches per namespace without logs: ${watches} at most (log streams counted apart: ${r.api.peakLogStreams}): ${
      ok(watches <= 3)
    }`,
    `- result p99 ≤ 2 s after the Job's completion condition: ${
      fmt(p99)
    } ms (condition time in whole seconds; ${
      fmt(r.delayFromLastLine.p99)
    } ms after the last line): ${ok(p99 <= 2000)}`,
  ];
}

/**
 * The same through `KjoRunTrigger` in one event loop at N = 200: ≤ 300 MB for the whole process
 * tree (the Python process, its `kjo serve` and any other descendant), all runs succeeded, result
 * p99 ≤ 3 s after the containers' end (each run's last line, written as its container exits).
 * Checked on the `kjotrigger` row at N = 200, else the largest N (said so).
 *
 * @example
 * ```ts
 * import { kjoTriggerTargets } from "./_serve_targets.ts";
 * const delay = { p50: 900, p99: 2100, max: 2200, of: 200 };
 * const lines = kjoTriggerTargets([{
 *   tool: "kjotrigger", runs: 200, completed: 200, processes: 2, pssPeakMb: 280,
 *   pssWaitingMb: 260, cpuWaitingMsPerS: 20, api: { peakWatches: 3, peakLogStreams: 40 },
 *   delayFromLastLine: delay, succeeded: 200,
 * }]);
 * console.log(lines.join("\n")); // three targets, each "met"
 * ```
 */
export function kjoTriggerTargets(rows: TargetRow[]): string[] {
  const r = rowFor(rows, "kjotrigger", KJO_TRIGGER_TARGET_RUNS);
  if (!r) return ["No KjoRunTrigger row."];
  const at = r.runs === KJO_TRIGGER_TARGET_RUNS
    ? ""
    : ` (N = ${KJO_TRIGGER_TARGET_RUNS} not measured; largest N: ${r.runs})`;
  const d = r.delayFromLastLine;
  const why = [
    r.completed < r.runs ? `only ${r.completed} let through to their end` : "",
    r.timedOutAfterS !== undefined ? `results still missing after ${fmt(r.timedOutAfterS)} s` : "",
  ].filter(Boolean).join("; ");
  return [
    `Measured at N = ${r.runs}${at}:`,
    "",
    `- ≤ 300 MB for the whole process tree: ${fmt(r.pssPeakMb)} MB peak (${
      fmt(r.pssWaitingMb)
    } MB waiting; ${r.processes} processes): ${ok(r.pssPeakMb <= 300)}`,
    `- all runs succeeded: ${r.succeeded}/${r.runs}${why ? ` (${why})` : ""}: ${
      ok(r.succeeded === r.runs)
    }`,
    `- result p99 ≤ 3 s after the containers' end (each run's last line): ${fmt(d.p99)} ms (p50 ${
      fmt(d.p50)
    } ms, of ${d.of} runs${
      r.delayFromJobComplete
        ? `; after the Job's Complete condition, whole seconds: p99 ${
          fmt(r.delayFromJobComplete.p99)
        } ms`
        : ""
    }): ${ok(d.p99 <= 3000 && d.of === r.runs)}`,
  ];
}
