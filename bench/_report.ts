/**
 * Summaries (median and spread per tool and scenario, ratios to kjo) and the Markdown report.
 *
 * @module
 */

import type { LineCount, Scenario } from "./_scenarios.ts";
import type { Measurement } from "./_measure.ts";

/** One measured run. */
export interface RunRecord extends Measurement {
  tool: string;
  scenario: string;
  rep: number;
  startedAt: string;
  /** 1-minute load average just before the run. */
  load1: number;
  lines: LineCount;
  /** Python peers only: start-up and import cost within this run. */
  importCost?: ImportCost;
  /** Jobs and pods of the namespace (not being deleted) right after the tool exited. */
  resourcesAtExit: number;
  /** Seconds until the namespace was empty after the exit; null if it had to be forced. */
  cleanupS: number | null;
  stdout: string;
  stderr: string;
  /** Attempts discarded because the API server restarted or was down (others restart it). */
  retriedAfterClusterOutage?: number;
  /** Last lines of stderr when the run failed. */
  errorTail?: string;
  /** Scenario A: the tool's API requests, counted by bench/_recording_proxy.ts. */
  apiRequests?: ApiRequestCount;
}

/** The API requests of one run. */
export interface ApiRequestCount {
  /** Every request. */
  total: number;
  /** By kind (`LIST pods`, `WATCH jobs`, ...). */
  byKind: Record<string, number>;
  /** Most watch streams open at once. */
  peakWatches: number;
  /** Most followed log streams open at once. */
  peakLogStreams: number;
}

/** Everything a bench run produced; written as the .json result. */
export interface BenchResults {
  date: string;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  argv: string[];
  mode: string;
  machine: { nproc: number; memTotalMiB: number; kernel: string };
  versions: Record<string, string>;
  load: {
    maxLoad: number;
    beforeWait: number;
    atStart: number;
    atEnd: number;
    waitedS: number;
    belowLimitAtStart: boolean;
  };
  namespace: string;
  tools: {
    id: string;
    label: string;
    how: string;
    caveat?: string;
    available: boolean;
    reason?: string;
  }[];
  scenarios: Scenario[];
  runs: RunRecord[];
  summary?: Summary[];
}

/** What a Python peer's start-up and imports cost, reported by the peer itself. */
export interface ImportCost {
  /** CPU seconds of the process when its imports were done (`time.process_time()`). */
  cpuS: number;
  /** Seconds from the script's first line to the imports' end. */
  wallS: number;
  /** Peak RSS of the process then (`ru_maxrss`), MiB. */
  peakRssMiB: number;
}

/** Median and spread of one tool in one scenario. */
export interface Summary {
  tool: string;
  scenario: string;
  runs: number;
  ok: number;
  wallS: Stat;
  cpuS: Stat;
  peakRssMiB: Stat;
  /** CPU ms/s of the tree between 10 s and 25 s (slow stream only). */
  steadyCpuMsPerS: Stat;
  relayedMedian: number;
  lostMax: number;
  duplicatedMax: number;
  reorderedMax: number;
  resourcesAtExitMax: number;
}

/** Median, min and max. */
export interface Stat {
  median: number;
  min: number;
  max: number;
}

function stat(values: number[]): Stat {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}

/**
 * Summarises the runs of each (scenario, tool): statistics over the successful runs (over all
 * runs when none succeeded).
 *
 * @example
 * ```ts
 * const summaries = summarize(results);
 * ```
 */
export function summarize(results: BenchResults): Summary[] {
  const out: Summary[] = [];
  for (const scenario of results.scenarios) {
    for (const tool of results.tools) {
      const runs = results.runs.filter((r) => r.scenario === scenario.id && r.tool === tool.id);
      if (runs.length === 0) continue;
      const ok = runs.filter((r) => r.exitCode === 0 && !r.timedOut);
      const use = ok.length > 0 ? ok : runs;
      out.push({
        tool: tool.id,
        scenario: scenario.id,
        runs: runs.length,
        ok: ok.length,
        wallS: stat(use.map((r) => r.wallMs / 1000)),
        cpuS: stat(use.map((r) => r.cpuS)),
        peakRssMiB: stat(use.map((r) => r.peakRssKb / 1024)),
        steadyCpuMsPerS: stat(use.map((r) => r.steadyCpuMsPerS ?? NaN)),
        relayedMedian: stat(runs.map((r) => r.lines.relayed)).median,
        lostMax: Math.max(...runs.map((r) => r.lines.lost)),
        duplicatedMax: Math.max(...runs.map((r) => r.lines.duplicated)),
        reorderedMax: Math.max(...runs.map((r) => r.lines.reordered)),
        resourcesAtExitMax: Math.max(...runs.map((r) => r.resourcesAtExit)),
      });
    }
  }
  return out;
}

const fmt = (n: number, digits: number) => Number.isFinite(n) ? n.toFixed(digits) : "–";
const cell = (s: Stat, digits: number) =>
  s.min === s.max
    ? fmt(s.median, digits)
    : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
const ratio = (a: number, b: number) =>
  Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(a / b).toFixed(a / b < 1 ? 2 : 1)}×`
    : "–";

/**
 * The Markdown report: one table per scenario with medians, spreads and ratios to kjo.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("bench/results/2026-11-29.md", renderMarkdown(results));
 * ```
 */
export function renderMarkdown(results: BenchResults): string {
  const summaries = results.summary ?? summarize(results);
  const label = (id: string) => results.tools.find((t) => t.id === id)?.label ?? id;
  const get = (scenario: string, tool: string) =>
    summaries.find((s) => s.scenario === scenario && s.tool === tool);
  const refId = results.tools.find((t) => t.id === "kjo" && t.available)
    ? "kjo"
    : results.tools.find((t) => t.available)?.id ?? "kjo";
  const l = results.load;
  const runLoad = stat(results.runs.map((r) => r.load1));
  const lines: string[] = [];
  lines.push(`# kjo benchmark — ${results.date}`, "");
  lines.push(
    `Mode: ${results.mode}; ${
      (results.durationS / 60).toFixed(1)
    } min; started ${results.startedAt}.`,
    `Machine: ${results.machine.nproc} cores, ${
      (results.machine.memTotalMiB / 1024).toFixed(0)
    } GiB, kernel ${results.machine.kernel}; shared with other work.`,
    `Load (1-min average): ${l.beforeWait.toFixed(2)} when the bench began, ${
      l.atStart.toFixed(2)
    } when measuring started (after ${Math.round(l.waitedS)} s waiting for < ${l.maxLoad}${
      l.belowLimitAtStart ? "" : ", **not reached: results are noisier**"
    }), ${l.atEnd.toFixed(2)} at the end; just before each run: median ${
      fmt(runLoad.median, 2)
    }, range ${fmt(runLoad.min, 2)}–${fmt(runLoad.max, 2)} (the bench's own runs included; ` +
      "each run's load is in the .json).",
    `Versions: ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join("; ")}.`,
    `Cluster: the local devcluster (real control plane; the node agent runs each container's ` +
      "command as a host process, so no image pull or container start is measured).",
    "",
    `Ratios are each tool's median divided by ${label(refId)}'s median in the same run. ` +
      "Cells are median (min–max) over the successful runs. Peak RSS is the larger of the " +
      "largest process's kernel peak and the sampled sum over the tool's process tree.",
    "",
  );
  lines.push("## Peers", "");
  for (const t of results.tools) {
    lines.push(
      `- **${t.label}** — ${t.how}${t.caveat ? `. Note: ${t.caveat}.` : ""}${
        t.available ? "" : ` **Not measured: ${t.reason}**`
      }`,
    );
  }
  lines.push("");

  for (const scenario of results.scenarios) {
    const rows = results.tools.map((t) => get(scenario.id, t.id)).filter((s) => s !== undefined);
    if (rows.length === 0) continue;
    const ref = get(scenario.id, refId);
    const isSlow = scenario.id === "slow";
    lines.push(`## ${scenario.key} — ${scenario.title}`, "");
    const head = [
      "tool",
      "ok/runs",
      "wall s",
      "CPU s",
      "peak RSS MiB",
      `lines relayed of ${scenario.expectedLines} (lost / dup)`,
      ...(isSlow ? ["CPU ms/s while following", "follow CPU × " + refId] : []),
      `wall × ${refId}`,
      `CPU × ${refId}`,
      `RSS × ${refId}`,
    ];
    lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => " --- ").join("|")}|`);
    for (const s of rows) {
      const row = [
        label(s.tool),
        `${s.ok}/${s.runs}`,
        cell(s.wallS, 2),
        cell(s.cpuS, 2),
        cell(s.peakRssMiB, 0),
        `${fmt(s.relayedMedian, 0)} (${s.lostMax} / ${s.duplicatedMax})`,
        ...(isSlow
          ? [
            cell(s.steadyCpuMsPerS, 1),
            ratio(s.steadyCpuMsPerS.median, ref?.steadyCpuMsPerS.median ?? NaN),
          ]
          : []),
        ratio(s.wallS.median, ref?.wallS.median ?? NaN),
        ratio(s.cpuS.median, ref?.cpuS.median ?? NaN),
        ratio(s.peakRssMiB.median, ref?.peakRssMiB.median ?? NaN),
      ];
      lines.push(`| ${row.join(" | ")} |`);
    }
    lines.push("");
    if (isSlow) {
      lines.push(
        "CPU ms/s while following: CPU time of the tool's process tree between 10 s and 25 s " +
          "after its start (from /proc/PID/stat), per second: the cost of following a slow " +
          "stream, start-up and clean-up left out. 1000 ms/s = one core.",
        "",
      );
    }
    for (const s of rows) {
      if (s.tool === refId || !ref) continue;
      lines.push(
        `- ${label(s.tool)}: ${ratio(s.wallS.median, ref.wallS.median)} ${
          label(refId)
        }'s wall time, ${ratio(s.cpuS.median, ref.cpuS.median)} its CPU time, ${
          ratio(s.peakRssMiB.median, ref.peakRssMiB.median)
        } its peak RSS.`,
      );
    }
    const notes = rows.filter((s) =>
      s.ok < s.runs || s.lostMax > 0 || s.duplicatedMax > 0 || s.resourcesAtExitMax > 0
    );
    for (const s of notes) {
      const parts: string[] = [];
      if (s.ok < s.runs) parts.push(`${s.runs - s.ok} of ${s.runs} runs failed`);
      if (s.lostMax > 0) parts.push(`lost up to ${s.lostMax} lines in a run`);
      if (s.duplicatedMax > 0) parts.push(`duplicated up to ${s.duplicatedMax} lines in a run`);
      if (s.resourcesAtExitMax > 0) {
        parts.push(`left up to ${s.resourcesAtExitMax} Job/Pod(s) not yet deleting at its exit`);
      }
      lines.push(`- Note, ${label(s.tool)}: ${parts.join("; ")}.`);
    }
    const failed = results.runs.filter((r) =>
      r.scenario === scenario.id && (r.exitCode !== 0 || r.timedOut)
    );
    for (const r of failed.slice(0, 5)) {
      lines.push(
        `- Failed run: ${label(r.tool)} rep ${r.rep}, exit ${r.exitCode}${
          r.timedOut ? " (timed out)" : ""
        }: ${(r.errorTail ?? "").replaceAll("\n", " ⏎ ").slice(0, 300)}`,
      );
    }
    lines.push("");
  }
  const withImports = results.tools.filter((t) =>
    results.runs.some((r) => r.tool === t.id && r.importCost)
  );
  if (withImports.length > 0) {
    lines.push(
      "## Start-up and import cost of the Python peers",
      "",
      "The Python peers' numbers include starting Python and importing Airflow and the " +
        "package; each run reports what that cost it (`time.process_time()`, elapsed time and " +
        "`ru_maxrss` once its imports are done). Inside an Airflow worker the imports are " +
        "done once per worker, not per task, while kjo's start-up (Deno) is paid per task " +
        "(kjo's Airflow package starts kjo as a subprocess). The last columns are the A " +
        "runs without it: the per-task cost inside a running worker.",
      "",
      "| tool | import CPU s | import wall s | RSS after imports MiB | A: CPU s after imports | A: wall s after imports | A: CPU after imports × kjo's whole A CPU |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    const refA = get("hello", refId);
    for (const t of withImports) {
      const a = results.runs.filter((r) =>
        r.tool === t.id && r.scenario === "hello" && r.importCost && r.exitCode === 0
      );
      const imp = (f: (r: RunRecord) => number) => stat(a.map(f));
      const cpuAfter = imp((r) => r.cpuS - r.importCost!.cpuS);
      lines.push(
        `| ${t.label} | ${cell(imp((r) => r.importCost!.cpuS), 2)} | ${
          cell(imp((r) => r.importCost!.wallS), 2)
        } | ${cell(imp((r) => r.importCost!.peakRssMiB), 0)} | ${cell(cpuAfter, 2)} | ${
          cell(imp((r) => r.wallMs / 1000 - r.importCost!.wallS), 2)
        } | ${ratio(cpuAfter.median, refA?.cpuS.median ?? NaN)} |`,
      );
    }
    lines.push("");
  }
  const counted = results.tools.filter((t) =>
    results.runs.some((r) => r.tool === t.id && r.scenario === "hello" && r.apiRequests)
  );
  if (counted.length > 0) {
    lines.push(
      "## API requests per run (scenario A)",
      "",
      "Counted by a recording proxy between the tool and the API server " +
        "(`bench/_recording_proxy.ts`; scenario A only, B and C connect directly): every " +
        "request the tool sent for one run, and the most watch and log streams it held open " +
        "at once. Kinds are from the first successful repetition.",
      "",
      "| tool | requests (median, min–max) | peak watches | peak log streams | by kind |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const t of counted) {
      const a = results.runs.filter((r) =>
        r.tool === t.id && r.scenario === "hello" && r.apiRequests && r.exitCode === 0
      );
      if (a.length === 0) continue;
      const first = a[0].apiRequests!;
      lines.push(
        `| ${t.label} | ${cell(stat(a.map((r) => r.apiRequests!.total)), 0)} | ${
          Math.max(...a.map((r) => r.apiRequests!.peakWatches))
        } | ${Math.max(...a.map((r) => r.apiRequests!.peakLogStreams))} | ${
          Object.entries(first.byKind).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`)
            .join(", ")
        } |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Method",
    "",
    "See bench/README.md. Each run is one process started by bench/run.ts under GNU time " +
      "(CPU = user + sys of the tool and every child it waited for; kernel peak RSS of its " +
      "largest process); /proc is sampled every 20 ms for the summed RSS of the process tree. " +
      "Tools run round-robin (order rotated each repetition) after one unmeasured warm-up run " +
      "each; the namespace is emptied between runs (outside the measured time). Lines are " +
      "counted from each tool's stdout and stderr by their number (`kjo-bench-line NNNNN`).",
    "",
  );
  return lines.join("\n");
}
