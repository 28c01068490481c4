/**
 * The memory scenario: kjo follows one Job of many short pods (2000 completions, 50 at a time by
 * default, `bodies/pods2000.yaml`) and its RSS is sampled as the pods complete, to show whether it
 * stays flat or grows with the number of pods seen.
 *
 * kjo runs as `deno run -A cli.ts run -f BODY -o jsonl --delete-policy Always` from a checkout
 * (`--kjo-root`, default this one, so an older checkout can be measured the same way). Its stdout is
 * read as it comes: a pod counts as done when its last line (`kjo-bench-pod NAME done`) was relayed.
 * The RSS (`VmRSS`) of the kjo process is sampled every `sampleMs`; the figure reported at N pods is
 * the first sample taken once N pods were done.
 *
 * @module
 */

import { killTree } from "./_measure.ts";

/** Options of {@link measureMemory}. */
export interface MemoryOptions {
  /** The deno binary. */
  deno: string;
  /** Checkout whose cli.ts runs. */
  kjoRoot: string;
  /** The Job body to run (already holding the completions and parallelism). */
  body: string;
  kubeconfig: string;
  namespace: string;
  /** Pods the Job completes. */
  completions: number;
  /** Pod counts at which the RSS is reported. */
  checkpoints: number[];
  /** Files for kjo's stdout and stderr. */
  stdoutPath: string;
  stderrPath: string;
  /** Kill kjo after this long. */
  timeoutMs: number;
  /** Sampling period (default 500 ms). */
  sampleMs?: number;
  log: (line: string) => void;
}

/** One RSS sample. */
export interface MemorySample {
  /** Seconds since kjo started. */
  t: number;
  /** Pods whose last line kjo relayed by then. */
  pods: number;
  rssKb: number;
}

/** What one memory run gave. */
export interface MemoryResult {
  exitCode: number;
  timedOut: boolean;
  wallS: number;
  /** Pods whose last line was relayed. */
  podsDone: number;
  /** Peak RSS of the kjo process (VmHWM at the last sample), KiB. */
  peakRssKb: number;
  /** RSS at each checkpoint reached (pods → KiB). */
  atCheckpoints: { pods: number; rssKb: number; t: number }[];
  /** Every sample. */
  samples: MemorySample[];
  /** kjo's result event, if it printed one. */
  result?: { state?: string; reason?: string; message?: string };
}

/**
 * Runs kjo on the body and samples its RSS as pods complete.
 *
 * @example
 * ```ts
 * const r = await measureMemory({ deno: Deno.execPath(), kjoRoot: ".", body: "bench/bodies/pods2000.yaml",
 *   kubeconfig: ".devcluster/kubeconfig", namespace: "kjo-bench", completions: 2000,
 *   checkpoints: [500, 1000, 2000], stdoutPath: "/tmp/o", stderrPath: "/tmp/e", timeoutMs: 3_600_000,
 *   log: console.error });
 * console.log(r.atCheckpoints);
 * ```
 */
export async function measureMemory(o: MemoryOptions): Promise<MemoryResult> {
  const child = new Deno.Command(o.deno, {
    args: [
      "run",
      "-A",
      "cli.ts",
      "run",
      "-f",
      o.body,
      "-o",
      "jsonl",
      "--delete-policy",
      "Always",
      "--kubeconfig",
      o.kubeconfig,
      "-n",
      o.namespace,
    ],
    cwd: o.kjoRoot,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const done = new Set<string>();
  let result: MemoryResult["result"];
  const out = await Deno.open(o.stdoutPath, { write: true, create: true, truncate: true });
  const reading = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of child.stdout) {
      await out.write(chunk);
      const text = rest + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const m = line.match(/kjo-bench-pod (\S+) done/);
        if (m) done.add(m[1]);
        if (line.startsWith('{"type":"result"')) {
          const r = JSON.parse(line);
          result = { state: r.state, reason: r.reason, message: r.message };
        }
      }
    }
    out.close();
  })();
  const errWriting = Deno.open(o.stderrPath, { write: true, create: true, truncate: true })
    .then((f) => child.stderr.pipeTo(f.writable));

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid);
  }, o.timeoutMs);
  const samples: MemorySample[] = [];
  const atCheckpoints: MemoryResult["atCheckpoints"] = [];
  let peakRssKb = 0;
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let lastLog = 0;
  while (!exited) {
    const mem = readMemory(child.pid);
    if (mem) {
      const sample = { t: elapsed(), pods: done.size, rssKb: mem.rssKb };
      samples.push(sample);
      peakRssKb = Math.max(peakRssKb, mem.hwmKb);
      for (const pods of o.checkpoints) {
        if (sample.pods >= pods && !atCheckpoints.some((c) => c.pods === pods)) {
          atCheckpoints.push({ pods, rssKb: sample.rssKb, t: sample.t });
          o.log(
            `${pods} pods done after ${sample.t.toFixed(0)} s: RSS ${
              (sample.rssKb / 1024).toFixed(1)
            } MiB`,
          );
        }
      }
      if (sample.t - lastLog >= 30) {
        lastLog = sample.t;
        o.log(
          `${sample.t.toFixed(0)} s: ${sample.pods} pods done, RSS ${
            (sample.rssKb / 1024).toFixed(1)
          } MiB`,
        );
      }
    }
    await Promise.race([status, new Promise((r) => setTimeout(r, o.sampleMs ?? 500))]);
  }
  const { code } = await status;
  clearTimeout(timer);
  await reading;
  await errWriting;
  return {
    exitCode: code,
    timedOut,
    wallS: elapsed(),
    podsDone: done.size,
    peakRssKb,
    atCheckpoints,
    samples,
    ...(result ? { result } : {}),
  };
}

function readMemory(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (key: string) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))?.[1]);
    const rssKb = field("VmRSS");
    return Number.isFinite(rssKb) ? { rssKb, hwmKb: field("VmHWM") } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The scenario's Job body with other completions and parallelism.
 *
 * @example
 * ```ts
 * podsBody(await Deno.readTextFile("bench/bodies/pods2000.yaml"), 200, 20);
 * ```
 */
export function podsBody(template: string, completions: number, parallelism: number): string {
  return template
    .replace(/^(\s*completions:\s*)\d+/m, `$1${completions}`)
    .replace(/^(\s*parallelism:\s*)\d+/m, `$1${parallelism}`);
}

/**
 * The markdown report of memory runs (one per measured checkout).
 *
 * @example
 * ```ts
 * renderMemoryMarkdown({ date: "2026-11-30", completions: 2000, parallelism: 50, runs: [] });
 * ```
 */
export function renderMemoryMarkdown(report: MemoryReport): string {
  const checkpoints = [
    ...new Set(report.runs.flatMap((r) => r.result.atCheckpoints.map((c) => c.pods))),
  ]
    .sort((a, b) => a - b);
  const mib = (kb: number) => (kb / 1024).toFixed(0);
  const lines = [
    `# kjo memory benchmark — ${report.date}`,
    "",
    `One Job of ${report.completions} pods, ${report.parallelism} at a time; each pod prints three lines and exits. ` +
    "kjo (`deno run -A cli.ts run -f BODY -o jsonl --delete-policy Always`) follows it; its RSS " +
    "(VmRSS of the kjo process) is sampled every 0.5 s, and a pod counts as done when kjo relayed its last line. " +
    "Each checkout runs in a fresh namespace, one after the other.",
    "",
    "RSS swings by tens of MiB with V8's garbage collections, so besides the sample taken when N pods " +
    `were done, the second table gives the range (min–max) of every sample per window of ${WINDOW} pods; ` +
    "the minimum (after a collection) is the figure that shows growth.",
    "",
    ...(report.notes ?? []).map((n) => `- ${n}`),
    ...(report.notes?.length ? [""] : []),
    `| checkout | result | wall s | ${
      checkpoints.map((c) => `RSS at ${c} pods MiB`).join(" | ")
    } | peak RSS MiB |`,
    `| --- | --- | --- | ${checkpoints.map(() => "---").join(" | ")} | --- |`,
  ];
  for (const run of report.runs) {
    const r = run.result;
    const cells = checkpoints.map((c) => {
      const hit = r.atCheckpoints.find((x) => x.pods === c);
      return hit ? mib(hit.rssKb) : "—";
    });
    const outcome = `${r.result?.state ?? "?"} (exit ${r.exitCode}${
      r.timedOut ? ", timed out" : ""
    }), ${r.podsDone} pods`;
    lines.push(
      `| ${run.label} | ${outcome} | ${r.wallS.toFixed(0)} | ${cells.join(" | ")} | ${
        mib(r.peakRssKb)
      } |`,
    );
  }
  const windows: [number, number][] = [];
  for (let lo = 0; lo < report.completions; lo += WINDOW) {
    windows.push([lo, Math.min(lo + WINDOW, report.completions)]);
  }
  lines.push(
    "",
    `| checkout | ${
      windows.map(([lo, hi]) => `pods ${lo}–${hi}`).join(" | ")
    } | after the last pod |`,
    `| --- | ${windows.map(() => "---").join(" | ")} | --- |`,
  );
  for (const run of report.runs) {
    const range = (pick: (x: MemorySample) => boolean) => {
      const kbs = run.result.samples.filter(pick).map((x) => x.rssKb);
      return kbs.length ? `${mib(Math.min(...kbs))}–${mib(Math.max(...kbs))}` : "—";
    };
    const cells = windows.map(([lo, hi]) =>
      // The last window stops short of the last pod: what follows is the end of the run.
      range((x) => x.pods > lo && x.pods <= hi && x.pods < report.completions)
    );
    lines.push(
      `| ${run.label} | ${cells.join(" | ")} | ${range((x) => x.pods >= report.completions)} |`,
    );
  }
  lines.push("", "Every sample (seconds, pods done, RSS) is in the .json next to this file.", "");
  return lines.join("\n");
}

/** Pods per window of the range table. */
const WINDOW = 250;

/** The memory runs of one bench invocation. */
export interface MemoryReport {
  date: string;
  completions: number;
  parallelism: number;
  notes?: string[];
  runs: {
    label: string;
    kjoRoot: string;
    commit?: string;
    load1AtStart: number;
    result: MemoryResult;
  }[];
}
