/**
 * Runs one command and measures it: wall time (this process's clock around the spawn), CPU time
 * (user + sys of the command and every descendant it waited for, from GNU time), and memory: the
 * peak of the summed RSS of the command's process tree, sampled from /proc, and the kernel's exact
 * peak RSS of the largest single process (GNU time's `%M`, i.e. `ru_maxrss`). With several
 * processes alive at once the sample sums their proportional set sizes (smaps_rollup Pss).
 *
 * @module
 */

/** What one measured run gave. */
export interface Measurement {
  /** Wall time from spawn to exit, milliseconds. */
  wallMs: number;
  /** User CPU seconds of the process tree (waited-for descendants included). */
  userS: number;
  /** System CPU seconds of the process tree. */
  sysS: number;
  /** `userS + sysS`. */
  cpuS: number;
  /** Peak RSS of the largest single process of the tree, KiB (kernel `ru_maxrss`). */
  maxProcessRssKb: number;
  /**
   * Peak of the tree's memory, KiB, sampled: the RSS of its one process, or the summed
   * proportional set size (Pss) when it has several.
   */
  treeRssPeakKb: number;
  /** Sum of each process's own peak (VmHWM, last sample): an upper bound, KiB. */
  treeHwmSumKb: number;
  /** `max(maxProcessRssKb, treeRssPeakKb)`: the figure the report uses. */
  peakRssKb: number;
  /** Exit code of the command (128 + signal when killed). */
  exitCode: number;
  /** True when the harness killed it at the timeout. */
  timedOut: boolean;
  /** Number of /proc samples taken. */
  samples: number;
  /** Distinct processes seen in the tree (name → count). */
  processes: Record<string, number>;
  /**
   * CPU milliseconds per second of the tree between 10 s and 25 s after the start (from
   * /proc/PID/stat), for runs longer than 26 s: the cost of following while idle.
   */
  steadyCpuMsPerS?: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Command and arguments. */
  cmd: string[];
  /** Working directory. */
  cwd: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** File that receives the command's stdout. */
  stdoutPath: string;
  /** File that receives the command's stderr. */
  stderrPath: string;
  /** Kill the tree after this many milliseconds. */
  timeoutMs: number;
  /** Sampling period of /proc, milliseconds (default 20). */
  sampleMs?: number;
}

/**
 * Runs `cmd` under `/usr/bin/time` with stdout and stderr redirected to files, sampling its
 * process tree's memory from /proc while it runs.
 *
 * @example
 * ```ts
 * const m = await measure({
 *   cmd: ["sh", "-c", "echo hi"], cwd: ".", stdoutPath: "/tmp/o", stderrPath: "/tmp/e", timeoutMs: 5000,
 * });
 * console.log(m.wallMs, m.cpuS, m.peakRssKb);
 * ```
 */
export async function measure(options: MeasureOptions): Promise<Measurement> {
  const timeFile = await Deno.makeTempFile({ prefix: "kjo-bench-time-" });
  // sh execs GNU time, so the spawned pid is time's; time forks the command and waits for it.
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'exec /usr/bin/time -f "%e %U %S %M" -o "$KJO_BENCH_TIME" "$@" >"$KJO_BENCH_OUT" 2>"$KJO_BENCH_ERR" </dev/null',
      "sh",
      ...options.cmd,
    ],
    cwd: options.cwd,
    env: {
      ...options.env,
      KJO_BENCH_TIME: timeFile,
      KJO_BENCH_OUT: options.stdoutPath,
      KJO_BENCH_ERR: options.stderrPath,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  });
  const started = performance.now();
  const proc = child.spawn();
  const sampler = new TreeSampler(proc.pid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(proc.pid);
  }, options.timeoutMs);
  let done = false;
  const sampling = (async () => {
    while (!done) {
      sampler.sample();
      await new Promise((r) => setTimeout(r, options.sampleMs ?? 20));
    }
  })();
  const status = await proc.status;
  const wallMs = performance.now() - started;
  done = true;
  clearTimeout(timer);
  await sampling;

  const timeText = (await Deno.readTextFile(timeFile)).trim().split("\n");
  await Deno.remove(timeFile);
  const last = timeText[timeText.length - 1].trim().split(/\s+/).map(Number);
  const [, userS, sysS, maxRss] = last.length === 4 && last.every(Number.isFinite)
    ? last
    : [NaN, NaN, NaN, NaN];
  const exitLine = timeText.find((l) => l.startsWith("Command exited with non-zero status"));
  const signalLine = timeText.find((l) => l.startsWith("Command terminated by signal"));
  let exitCode = status.code;
  if (exitLine) exitCode = Number(exitLine.split(" ").pop());
  if (signalLine) exitCode = 128 + Number(signalLine.split(" ").pop());
  return {
    wallMs,
    userS,
    sysS,
    cpuS: userS + sysS,
    maxProcessRssKb: maxRss,
    treeRssPeakKb: sampler.treeRssPeakKb,
    treeHwmSumKb: sampler.hwmSumKb(),
    peakRssKb: Math.max(maxRss || 0, sampler.treeRssPeakKb),
    exitCode,
    timedOut,
    samples: sampler.samples,
    processes: sampler.processNames(),
    ...(wallMs > 26_000 ? { steadyCpuMsPerS: sampler.cpuRate(10_000, 25_000) } : {}),
  };
}

/** Samples the RSS of every descendant of a root process (the root itself, GNU time, excluded). */
class TreeSampler {
  treeRssPeakKb = 0;
  samples = 0;
  readonly #hwm = new Map<number, { name: string; hwmKb: number }>();
  readonly #cpu: { t: number; ticks: number }[] = [];
  readonly #start = performance.now();

  constructor(readonly rootPid: number) {}

  sample(): void {
    let sum = 0;
    let ticks = 0;
    const pids = descendants(this.rootPid);
    for (const pid of pids) {
      const status = readStatus(pid);
      if (!status) continue;
      // Several processes (a fork, bash + kubectl): proportional set size, so pages they share
      // (copy-on-write after a fork, shared libraries) are not counted twice.
      sum += pids.length > 1 ? readPssKb(pid) ?? status.rssKb : status.rssKb;
      ticks += readCpuTicks(pid);
      const hwmKb = Math.max(status.hwmKb, this.#hwm.get(pid)?.hwmKb ?? 0);
      this.#hwm.set(pid, { name: status.name, hwmKb });
    }
    this.samples++;
    this.#cpu.push({ t: performance.now() - this.#start, ticks });
    if (sum > this.treeRssPeakKb) this.treeRssPeakKb = sum;
  }

  /** CPU ms per second of the tree between two offsets (ms) from the start. */
  cpuRate(fromMs: number, toMs: number): number {
    const at = (t: number) => this.#cpu.find((c) => c.t >= t);
    const a = at(fromMs);
    const b = at(toMs);
    if (!a || !b || b.t <= a.t) return NaN;
    return ((b.ticks - a.ticks) * (1000 / CLOCK_TICKS)) / ((b.t - a.t) / 1000);
  }

  hwmSumKb(): number {
    let sum = 0;
    for (const { hwmKb } of this.#hwm.values()) sum += hwmKb;
    return sum;
  }

  processNames(): Record<string, number> {
    const names: Record<string, number> = {};
    for (const { name } of this.#hwm.values()) names[name] = (names[name] ?? 0) + 1;
    return names;
  }
}

/** Every descendant pid of `pid` (not `pid` itself), from /proc/PID/task/TID/children. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    for (const child of childrenOf(p)) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
        if (text) out.push(...text.split(/\s+/).map(Number));
      } catch { /* the thread ended */ }
    }
  } catch { /* the process ended */ }
  return out;
}

/** Pss of a process from /proc/PID/smaps_rollup, KiB. */
export function readPssKb(pid: number): number | undefined {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`).match(/^Pss:\s+(\d+)/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: the unit of /proc/PID/stat times (100 on Linux). */
export const CLOCK_TICKS = 100;

/** utime + stime + cutime + cstime of a process, in clock ticks (0 when it is gone). */
export function readCpuTicks(pid: number): number {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": f[0] is field 3 (state); utime..cstime are fields 14..17.
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

function readStatus(pid: number): { name: string; rssKb: number; hwmKb: number } | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    const field = (key: string) => {
      const m = text.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"));
      return m ? Number(m[1]) : 0;
    };
    const name = text.match(/^Name:\s+(.*)$/m)?.[1] ?? "?";
    return { name, rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
  } catch {
    return undefined;
  }
}

/** Sends SIGTERM to `pid` and every descendant, then SIGKILL after 5 s to those still there. */
export function killTree(pid: number): void {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      Deno.kill(p, "SIGTERM");
    } catch { /* gone */ }
  }
  setTimeout(() => {
    for (const p of all) {
      try {
        Deno.kill(p, "SIGKILL");
      } catch { /* gone */ }
    }
  }, 5000);
}
