/**
 * Following many runs at once: N sleeping runs on the local cluster, followed by one `kjo serve`,
 * by N `kjo attach` processes, by airflow-kjo's `KjoRunTrigger` (N triggers in one asyncio loop
 * sharing one `kjo serve` child, as a triggerer runs deferred tasks), or by the cncf.kubernetes
 * provider's `KubernetesPodTrigger` (N triggers in one asyncio loop). Every follower reaches the
 * API server through a recording proxy (bench/_recording_proxy.ts) that counts its requests and
 * open watch and log streams per namespace.
 *
 * The node runs far fewer containers at once than 1000 (2 cores, shared with other work), so the
 * runs are created held back by a scheduling gate: every Job (or, for the trigger, bare Pod) and
 * its Pod exist from the start, Pending; the bench then lifts the gates so that at most
 * `--concurrency` of its pods run at a time. Each pod sleeps `--sleep` seconds, prints `done` and
 * exits.
 *
 * Reported per follower and N: summed Pss of its whole process tree (peak, sampled every second),
 * CPU ms/s of the followers
 * while every run waits (a window before any gate is lifted) and over the whole follow, API
 * requests (total, per run, per second while waiting) and the most watch and log streams open at
 * once in the namespace, and the delay from each run's last output (the `done` line's timestamp,
 * nanoseconds, written as the container exits) to its result, p50 and p99; for kjo also from the
 * Job's `Complete` condition (whole seconds).
 *
 * ```sh
 * deno run -A bench/serve_vs_attach.ts --runs 50,200            # serve, attach (N ≤ 50), kjotrigger, trigger
 * deno run -A bench/serve_vs_attach.ts --scale                  # adds N = 1000
 * deno run -A bench/serve_vs_attach.ts --render                 # only rewrite .md and .svg from .json
 * ```
 *
 * @module
 */

import { createKubeClient, type KubeClient } from "../src/kube/kube_client.ts";
import { loadKubeConfig } from "../src/config/kubeconfig.ts";
import type { KubeObject } from "../src/kube/kube_object.ts";
import { run } from "../src/runner/run.ts";
import { CLOCK_TICKS, descendants, readCpuTicks } from "./_measure.ts";
import { type ProxyCounts, RecordingProxy } from "./_recording_proxy.ts";
import { ensureVenv } from "./_venv.ts";
import { renderSvg } from "./_plot.ts";
import { kjoTriggerTargets, serveTargets } from "./_serve_targets.ts";

const TOOL_IDS = ["serve", "attach", "kjotrigger", "trigger"] as const;
type ToolId = typeof TOOL_IDS[number];

const TOOL_LABELS: Record<ToolId, string> = {
  serve: "1 × kjo serve",
  attach: "N × kjo attach",
  kjotrigger: "KjoRunTrigger × N (one asyncio loop, one kjo serve)",
  trigger: "KubernetesPodTrigger × N (one asyncio loop)",
};

interface Args {
  runs: number[];
  tools: ToolId[];
  sleep: number;
  concurrency: number;
  attachMax: number;
  complete?: number;
  kubeconfig: string;
  out: string;
  render: boolean;
  python: string;
  /** Run kjo from cli.ts (`--source`) instead of the bundle that ships. */
  source: boolean;
}

const USAGE = `deno run -A bench/serve_vs_attach.ts [OPTIONS]

  --runs LIST         numbers of runs (default 50,200)
  --scale             add 1000 to --runs
  --tools LIST        serve, attach, kjotrigger, trigger (default all; attach only up to
                      --attach-max runs)
  --sleep S           seconds each pod sleeps (default 40)
  --concurrency K     most pods of the bench running at once (default 40)
  --attach-max N      largest N for N × kjo attach (default 50)
  --complete K        let only K runs of each N run to their end (default all); the others stay
                      Pending behind their gate until the follower is stopped
  --kubeconfig K      admin kubeconfig (default .devcluster/kubeconfig)
  --out PATH          results without extension (default bench/results/<date>-serve)
  --source            run kjo as \`deno run -A cli.ts\` (default: the bundle, as airflow-kjo ships it)
  --render            only rewrite PATH.md and PATH.svg from PATH.json`;

function parseArgs(argv: string[]): Args {
  const root = new URL("../", import.meta.url).pathname;
  const args: Args = {
    runs: [50, 200],
    tools: [...TOOL_IDS],
    sleep: 40,
    concurrency: 40,
    attachMax: 50,
    kubeconfig: Deno.env.get("KUBECONFIG") ?? `${root}.devcluster/kubeconfig`,
    out: `${root}bench/results/${new Date().toISOString().slice(0, 10)}-serve`,
    render: false,
    source: false,
    python: Deno.env.get("KJO_BENCH_PYTHON") ?? "python3.11",
  };
  let scale = false;
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${argv[i - 1]} needs a value`);
      return v;
    };
    const positive = (v: string, what: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`${what}: a positive integer, got ${v}`);
      return n;
    };
    switch (argv[i]) {
      case "--runs":
        args.runs = value().split(",").map((v) => positive(v, "--runs"));
        break;
      case "--scale":
        scale = true;
        break;
      case "--tools":
        args.tools = value().split(",").map((t) =>
          TOOL_IDS.includes(t as ToolId) ? t as ToolId : fail(`--tools: unknown ${t}`)
        );
        break;
      case "--sleep":
        args.sleep = positive(value(), "--sleep");
        break;
      case "--concurrency":
        args.concurrency = positive(value(), "--concurrency");
        break;
      case "--attach-max":
        args.attachMax = positive(value(), "--attach-max");
        break;
      case "--complete":
        args.complete = positive(value(), "--complete");
        break;
      case "--kubeconfig":
        args.kubeconfig = value();
        break;
      case "--out":
        args.out = value().replace(/\.(md|json|svg)$/, "");
        break;
      case "--source":
        args.source = true;
        break;
      case "--render":
        args.render = true;
        break;
      case "--help":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        fail(`unknown argument ${argv[i]}\n\n${USAGE}`);
    }
  }
  if (scale && !args.runs.includes(1000)) args.runs.push(1000);
  return args;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  Deno.exit(2);
}

const log = (line: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const root = new URL("../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GATE = "kjo.bench/hold";

/** One result of one follower and one N. */
export interface Row {
  tool: ToolId;
  /** How kjo ran: the bundle (as airflow-kjo ships it) or cli.ts; absent in older rows (cli.ts). */
  kjo?: "bundle" | "source";
  runs: number;
  sleepS: number;
  concurrency: number;
  /** Runs let through their gate to run to their end (the others stayed Pending). */
  completed: number;
  /** Set when not every result came within the bench's bound: seconds waited. */
  timedOutAfterS?: number;
  /** Results that came within that bound. */
  resultsInTime?: number;
  processes: number;
  /** Peak of the summed Pss over the whole follow, MB. */
  pssPeakMb: number;
  /** That peak sample by process name (`/proc/PID/comm`): how many processes, their Pss in MB. */
  pssPeakByProcess?: Record<string, { processes: number; mb: number }>;
  /** Summed Pss in the waiting window (mean), MB. */
  pssWaitingMb: number;
  /** CPU ms/s of the followers while every run waits (no gate lifted yet). */
  cpuWaitingMsPerS: number;
  /** CPU ms/s of the followers from the first gate lifted to the last result. */
  cpuFollowingMsPerS: number;
  /** Seconds of that second window. */
  followingS: number;
  /** Seconds from the follower's start until every run was followed. */
  readyAfterS: number;
  api: {
    requests: number;
    perRun: number;
    /** Requests per second during the waiting window. */
    perSecondWaiting: number;
    byKind: Record<string, number>;
    /** Most watch / log streams open at once in the runs' namespace. */
    peakWatches: number;
    peakLogStreams: number;
    /** Most watches open at once outside the namespace (cluster-wide). */
    peakWatchesElsewhere: number;
    errors: Record<string, number>;
  };
  /** Result time minus the last output line's timestamp, ms. */
  delayFromLastLine: { p50: number; p99: number; max: number; of: number };
  /** kjo only: result time minus the Job's Complete condition (whole seconds), ms. */
  delayFromJobComplete?: { p50: number; p99: number; max: number; of: number };
  succeeded: number;
  /** Results that were not success, by state and message. */
  failures: string[];
  /** kjotrigger only: pod log lines the triggers relayed to the task log, in total. */
  logLinesRelayed?: number;
  load: { start: string; end: string };
  startedAt: string;
}

interface Follower {
  pids: () => number[];
  /**
   * Result time (ms since epoch) and state by run key (run id, or pod name for the trigger);
   * for kjotrigger also the pod log lines its trigger relayed to the task log.
   */
  results: Map<string, { time: number; state: string; message?: string; lines?: number }>;
  following: Set<string>;
  /** Ends the follower: `force` when runs are still followed (it is then signalled). */
  stop: (force: boolean) => Promise<void>;
}

/**
 * How kjo is started: `deno run -A --no-config kjo.js` (the bundle the Python package ships and
 * runs), or `deno run -A cli.ts` with `--source`. Set by {@linkcode prepareKjo}.
 */
let kjoEntry: string[] = ["run", "-A", `${root}cli.ts`];

/** Builds the bundle (the `bundle` task's command) unless `--source`; sets {@linkcode kjoEntry}. */
async function prepareKjo(source: boolean): Promise<void> {
  if (source) return;
  const bundle = `${root}bench/results/tmp/kjo.js`;
  await Deno.mkdir(`${root}bench/results/tmp`, { recursive: true });
  log(`building ${bundle} (deno bundle --platform deno cli.ts)`);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "deno", "-o", bundle, "cli.ts"],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) fail(`deno bundle exited ${code}: ${new TextDecoder().decode(stderr).trim()}`);
  kjoEntry = ["run", "-A", "--no-config", bundle];
}

function spawnKjo(args: string[], kubeconfig: string, stdin: "piped" | "null") {
  return new Deno.Command(Deno.execPath(), {
    args: [...kjoEntry, ...args],
    cwd: root,
    env: { KUBECONFIG: kubeconfig, NO_COLOR: "1" },
    stdin,
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) onLine(line);
    }
  }
}

function recordKjo(f: Follower, key: string, event: Record<string, unknown>) {
  if (event.type === "status") f.following.add(key);
  if (event.type === "result") {
    f.results.set(key, {
      time: Date.parse(String(event.time)),
      state: String(event.state),
      message: event.message == null ? undefined : String(event.message),
    });
  }
}

function followWithServe(runIds: string[], namespace: string, kubeconfig: string): Follower {
  const child = spawnKjo(["serve", "-n", namespace], kubeconfig, "piped");
  const writer = child.stdin.getWriter();
  const f: Follower = {
    pids: () => [child.pid, ...descendants(child.pid)],
    results: new Map(),
    following: new Set(),
    stop: async (force) => {
      await writer.close().catch(() => {});
      if (force) {
        await Promise.race([child.status, sleep(15_000)]);
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
      }
      await child.status;
    },
  };
  const encoder = new TextEncoder();
  const lines = runIds.map((runId) =>
    JSON.stringify({
      op: "follow",
      id: runId,
      runId,
      logs: true,
      deletePolicy: "Never",
      startupTimeoutSeconds: 3600,
    }) + "\n"
  ).join("");
  writer.write(encoder.encode(lines));
  readLines(child.stdout, (line) => {
    const event = JSON.parse(line);
    if (typeof event.id === "string") recordKjo(f, event.id, event);
  });
  return f;
}

function followWithAttach(runIds: string[], namespace: string, kubeconfig: string): Follower {
  const children = runIds.map((runId) =>
    spawnKjo(
      [
        "attach",
        "--run-id",
        runId,
        "-n",
        namespace,
        "-o",
        "jsonl",
        "--delete-policy",
        "Never",
        "--startup-timeout",
        "3600",
      ],
      kubeconfig,
      "null",
    )
  );
  const f: Follower = {
    pids: () => children.flatMap((c) => [c.pid, ...descendants(c.pid)]),
    results: new Map(),
    following: new Set(),
    stop: async (force) => {
      if (force) {
        for (const c of children) {
          try {
            c.kill("SIGTERM");
          } catch { /* gone */ }
        }
      }
      await Promise.all(children.map((c) => c.status));
    },
  };
  children.forEach((child, i) =>
    readLines(child.stdout, (line) => recordKjo(f, runIds[i], JSON.parse(line)))
  );
  return f;
}

/**
 * A Python follower (bench/peers/*.py): one process whose stdout carries JSON lines (other lines are
 * a library's own output), its Pss and CPU those of its process tree. `onEvent` records each
 * line's object; `cleanup` paths are removed when it stops.
 */
function spawnPythonFollower(options: {
  what: string;
  python: string;
  args: string[];
  env: Record<string, string>;
  cleanup: string[];
  onEvent: (f: Follower, event: Record<string, unknown>) => void;
}): Follower {
  const child = new Deno.Command(options.python, {
    args: options.args,
    cwd: root,
    env: { AIRFLOW__CORE__LOAD_EXAMPLES: "False", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const f: Follower = {
    // The Python process and its descendants (for KjoRunTrigger: the kjo serve it started).
    pids: () => [child.pid, ...descendants(child.pid)],
    results: new Map(),
    following: new Set(),
    stop: async (force) => {
      if (force) {
        try {
          child.kill("SIGTERM"); // a kjo serve child then reads the end of its stdin and exits
        } catch { /* gone */ }
      }
      await child.status;
      for (const path of options.cleanup) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
      }
    },
  };
  const errTail: string[] = [];
  readLines(child.stderr, (line) => {
    errTail.push(line);
    if (errTail.length > 20) errTail.shift();
  });
  readLines(child.stdout, (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return; // a library's own output
    }
    if (event && typeof event === "object") options.onEvent(f, event);
  });
  child.status.then((s) => {
    if (s.code !== 0) {
      log(`${options.what} process exited ${s.code}: ${errTail.join(" ⏎ ").slice(-600)}`);
    }
  });
  return f;
}

/** The provider's `KubernetesPodTrigger`, one per pod, in one asyncio loop (bench/peers/provider_trigger.py). */
async function followWithTrigger(
  podNames: string[],
  namespace: string,
  kubeconfig: string,
  python: string,
): Promise<Follower> {
  const namesFile = await Deno.makeTempFile({ prefix: "kjo-bench-pods-" });
  await Deno.writeTextFile(namesFile, podNames.join("\n") + "\n");
  const home = `${root}bench/results/tmp/airflow-home-trigger`;
  await Deno.mkdir(home, { recursive: true });
  return spawnPythonFollower({
    what: "trigger",
    python,
    args: [`${root}bench/peers/provider_trigger.py`, kubeconfig, namespace, namesFile],
    env: { AIRFLOW_HOME: home, KUBECONFIG: kubeconfig },
    cleanup: [namesFile],
    onEvent: (f, event) => {
      if (typeof event.ready === "number") podNames.forEach((n) => f.following.add(n));
      if (typeof event.pod === "string") {
        f.results.set(event.pod, {
          time: Date.parse(String(event.time)),
          state: event.status === "success" ? "Succeeded" : String(event.status),
          message: event.message == null ? undefined : String(event.message),
        });
      }
    },
  });
}

/**
 * The kjo that a `KjoRunTrigger`'s `kjo serve` runs (its `KJO_BINARY`): a script that execs the
 * same kjo as the `serve` follower ({@linkcode kjoEntry}), so no shell stays in the process tree.
 * Returns its folder (removed by the caller).
 */
async function kjoWrapper(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kjo-bench-kjo-" });
  const path = `${dir}/kjo`;
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec ${quote(Deno.execPath())} ${kjoEntry.map(quote).join(" ")} "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return { dir, path };
}

/**
 * airflow-kjo's `KjoRunTrigger`, one per run, in one asyncio loop (bench/peers/kjo_trigger.py):
 * the triggers share one `kjo serve` child, which reaches the API server through the proxy's
 * kubeconfig (the triggers' `config_file`).
 */
async function followWithKjoTrigger(
  runIds: string[],
  namespace: string,
  kubeconfig: string,
  python: string,
): Promise<Follower> {
  const idsFile = await Deno.makeTempFile({ prefix: "kjo-bench-runs-" });
  await Deno.writeTextFile(idsFile, runIds.join("\n") + "\n");
  const home = `${root}bench/results/tmp/airflow-home-kjotrigger`;
  await Deno.mkdir(home, { recursive: true });
  const taskLog = `${home}/task-log-${namespace}.jsonl`;
  const kjo = await kjoWrapper();
  return spawnPythonFollower({
    what: "KjoRunTrigger",
    python,
    args: [`${root}bench/peers/kjo_trigger.py`, kubeconfig, namespace, idsFile, taskLog],
    env: { AIRFLOW_HOME: home, KUBECONFIG: kubeconfig, KJO_BINARY: kjo.path, NO_COLOR: "1" },
    cleanup: [idsFile, taskLog, kjo.dir],
    onEvent: (f, event) => {
      if (typeof event.following === "string") f.following.add(event.following);
      if (typeof event.run === "string") {
        f.results.set(event.run, {
          time: Date.parse(String(event.time)),
          state: String(event.state ?? event.status),
          message: event.message == null ? undefined : String(event.message),
          lines: Number(event.lines ?? 0),
        });
      }
    },
  });
}

function percentiles(values: number[]): { p50: number; p99: number; max: number; of: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p99: at(99), max: sorted.at(-1) ?? NaN, of: sorted.length };
}

async function until(what: string, limitMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    }
    await sleep(500);
  }
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

function podSpec(sleepS: number, container: string) {
  return {
    restartPolicy: "Never",
    schedulingGates: [{ name: GATE }],
    containers: [{
      name: container,
      image: "busybox",
      command: ["sh", "-c", `sleep ${sleepS}; echo done`],
    }],
  };
}

type Pod = KubeObject & {
  spec?: { schedulingGates?: unknown[]; nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[];
  };
};

async function listPods(client: KubeClient, namespace: string): Promise<Pod[]> {
  return (await client.request<{ items: Pod[] }>({ path: `/api/v1/namespaces/${namespace}/pods` }))
    .items;
}

/**
 * Lifts the scheduling gates so that at most `concurrency` of the namespace's pods are scheduled and
 * not finished, until no gate is left.
 */
async function releaseGates(
  client: KubeClient,
  namespace: string,
  concurrency: number,
  limit: number,
) {
  let lifted = 0;
  for (;;) {
    const pods = await listPods(client, namespace);
    const gated = pods.filter((p) => (p.spec?.schedulingGates ?? []).length > 0);
    if (gated.length === 0 || lifted >= limit) return;
    const active = pods.filter((p) =>
      (p.spec?.schedulingGates ?? []).length === 0 &&
      !["Succeeded", "Failed"].includes(p.status?.phase ?? "")
    ).length;
    const lift = gated.slice(0, Math.max(0, Math.min(concurrency - active, limit - lifted)));
    lifted += lift.length;
    await pool(lift, 10, (p) =>
      client.request({
        method: "PATCH",
        path: `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}`,
        contentType: "application/json-patch+json",
        body: [{ op: "remove", path: "/spec/schedulingGates" }],
      }).catch((e) => log(`lift ${p.metadata.name}: ${e}`)));
    await sleep(1000);
  }
}

/**
 * Pss of a process, KiB (0 when it is gone). Read off the event loop: reading smaps_rollup of a
 * process that is busy allocating can block for a long time, and the recording proxy shares
 * this event loop.
 */
async function readPssKbAsync(pid: number): Promise<number> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
    return Number(text.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The process's name (`/proc/PID/comm`), `?` when it is gone. */
async function processName(pid: number): Promise<string> {
  try {
    return (await Deno.readTextFile(`/proc/${pid}/comm`)).trim();
  } catch {
    return "?";
  }
}

/** Pss samples summed by process name, MB. */
function pssByName(
  each: { name: string; kb: number }[],
): Record<string, { processes: number; mb: number }> {
  const out: Record<string, { processes: number; mb: number }> = {};
  for (const { name, kb } of each) {
    const entry = out[name] ??= { processes: 0, mb: 0 };
    entry.processes++;
    entry.mb += kb / 1024;
  }
  return out;
}

async function loadavg(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

async function scenario(tool: ToolId, n: number, args: Args, python: string): Promise<Row> {
  const kubeConfig = loadKubeConfig({ kubeconfig: args.kubeconfig }).kubeConfig;
  const client = createKubeClient(kubeConfig);
  const namespace = `kjo-bench-${tool}-${n}-${crypto.randomUUID().slice(0, 6)}`;
  const startedAt = new Date().toISOString();
  const loadStart = await loadavg();
  await client.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
  });
  const proxy = await RecordingProxy.start({
    kubeconfig: args.kubeconfig,
    proxyKubeconfigPath: await Deno.makeTempFile({ prefix: "kjo-bench-proxy-", suffix: ".yaml" }),
  });
  try {
    await until("the default ServiceAccount", 60_000, async () => {
      try {
        await client.request({ path: `/api/v1/namespaces/${namespace}/serviceaccounts/default` });
        return true;
      } catch {
        return false;
      }
    });
    // The runs, held back by a scheduling gate (created directly, not through the proxy).
    log(`${tool} N=${n}: creating ${n} ${tool === "trigger" ? "Pods" : "Jobs"} in ${namespace}`);
    const keys = await pool(Array.from({ length: n }, (_, i) => i), 10, async (i) => {
      if (tool === "trigger") {
        const name = `bench-kpo-${String(i).padStart(4, "0")}`;
        await client.request({
          method: "POST",
          path: `/api/v1/namespaces/${namespace}/pods`,
          body: {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, labels: { "kubernetes_pod_operator": "True", "bench": "kjo" } },
            spec: podSpec(args.sleep, "base"),
          },
        });
        return name;
      }
      const r = await run({
        kubeConfig,
        namespace,
        detach: true,
        source: {
          body: {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name: "bench-sleep" },
            spec: { backoffLimit: 0, template: { spec: podSpec(args.sleep, "main") } },
          },
        },
      });
      if (r.state !== "Submitted") throw new Error(`submit: ${r.message}`);
      return r.runId!;
    });
    await until(
      "every pod created",
      300_000,
      async () => (await listPods(client, namespace)).length >= n,
    );
    proxy.reset();
    const t0 = Date.now();
    const f = tool === "serve"
      ? followWithServe(keys, namespace, proxy.kubeconfigPath)
      : tool === "attach"
      ? followWithAttach(keys, namespace, proxy.kubeconfigPath)
      : tool === "kjotrigger"
      ? await followWithKjoTrigger(keys, namespace, proxy.kubeconfigPath, python)
      : await followWithTrigger(keys, namespace, proxy.kubeconfigPath, python);
    await until("every run followed", 600_000, () => f.following.size === n);
    const readyAfterS = (Date.now() - t0) / 1000;
    log(`${tool} N=${n}: every run followed after ${readyAfterS.toFixed(1)} s`);
    // Waiting window: every run Pending behind its gate.
    await sleep(5000);
    const pidsW = f.pids();
    // Summed Pss; the breakdown by process name of the peak sample is kept.
    let peakByProcess: Record<string, { processes: number; mb: number }> = {};
    let pssPeakKb = 0;
    const sample = async () => {
      const each = await Promise.all(
        f.pids().map(async (pid) => ({
          name: await processName(pid),
          kb: await readPssKbAsync(pid),
        })),
      );
      const kb = each.reduce((a, b) => a + b.kb, 0);
      if (kb > pssPeakKb) {
        pssPeakKb = kb;
        peakByProcess = pssByName(each);
      }
      return kb;
    };
    const ticksW0 = pidsW.reduce((s, pid) => s + readCpuTicks(pid), 0);
    const reqW0 = proxy.snapshot().requests;
    const w0 = Date.now();
    const pssW: number[] = [];
    while (Date.now() - w0 < 15_000) {
      pssW.push(await sample());
      await sleep(1000);
    }
    const waitS = (Date.now() - w0) / 1000;
    const cpuWaiting = (pidsW.reduce((s, pid) => s + readCpuTicks(pid), 0) - ticksW0) *
      (1000 / CLOCK_TICKS) / waitS;
    const perSecondWaiting = (proxy.snapshot().requests - reqW0) / waitS;
    log(
      `${tool} N=${n}: waiting: ${
        (pssW.reduce((a, b) => a + b, 0) / pssW.length / 1024).toFixed(0)
      } MB, ` +
        `${cpuWaiting.toFixed(1)} ms/s, ${perSecondWaiting.toFixed(1)} requests/s`,
    );
    // Following: lift the gates, at most `concurrency` running, until every result.
    // Per process, the last CPU reading seen: a process that exits keeps its last one.
    const ticksSeen = new Map<number, number>();
    const readTicks = () => {
      for (const pid of f.pids()) {
        ticksSeen.set(pid, Math.max(ticksSeen.get(pid) ?? 0, readCpuTicks(pid)));
      }
      return [...ticksSeen.values()].reduce((a, b) => a + b, 0);
    };
    const ticksF0 = readTicks();
    const f0 = Date.now();
    const completed = Math.min(n, args.complete ?? n);
    const releasing = releaseGates(client, namespace, args.concurrency, completed);
    const batches = Math.ceil(completed / args.concurrency);
    const limitMs = batches * (args.sleep + 60) * 1000 + 300_000;
    let lastLog = Date.now();
    let timedOutAfterS: number | undefined;
    await until("every result", limitMs, async () => {
      await sample();
      readTicks();
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`${tool} N=${n}: ${f.results.size}/${completed} results`);
      }
      return f.results.size >= completed;
    }).catch((e) => {
      // Keep what came: the row says how many results arrived in time.
      timedOutAfterS = (Date.now() - f0) / 1000;
      log(`${tool} N=${n}: ${e.message}; ${f.results.size}/${completed} results`);
    });
    const resultsInTime = f.results.size;
    await releasing;
    const followingS = (Date.now() - f0) / 1000;
    const cpuFollowing = (readTicks() - ticksF0) *
      (1000 / CLOCK_TICKS) / followingS;
    const counts: ProxyCounts = proxy.snapshot();
    await Promise.race([f.stop(completed < n || timedOutAfterS !== undefined), sleep(30_000)]);

    // Times of each run's end: the `done` line's timestamp; the Job's Complete condition.
    const pods = await listPods(client, namespace);
    const runOfPod = new Map(pods.map((p) => [
      p.metadata.name!,
      tool === "trigger" ? p.metadata.name! : p.metadata.labels?.["kjo/run-id"] ?? "",
    ]));
    const lastLine = new Map<string, number>();
    await pool(pods, 10, async (p) => {
      // Through the proxy (plain HTTP; its counts were taken above): the log is text, not JSON.
      const text = await fetch(
        `${proxy.url}/api/v1/namespaces/${namespace}/pods/${p.metadata.name}/log?timestamps=true`,
      ).then((r) => r.text()).catch(() => "");
      const m = String(text).trim().split("\n").at(-1)?.match(/^(\S+)\s+done$/);
      if (m) lastLine.set(runOfPod.get(p.metadata.name!)!, Date.parse(m[1]));
    });
    const fromLine = [...f.results].flatMap(([key, r]) =>
      lastLine.has(key) ? [r.time - lastLine.get(key)!] : []
    );
    let fromJob: number[] | undefined;
    if (tool !== "trigger") {
      const jobs = await client.request<{ items: KubeObject[] }>({
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      });
      const complete = new Map(jobs.items.map((job) => [
        job.metadata.labels?.["kjo/run-id"] ?? "",
        (job.status as {
          conditions?: { type: string; status: string; lastTransitionTime?: string }[];
        })
          ?.conditions?.find((c) =>
            (c.type === "Complete" || c.type === "Failed") && c.status === "True"
          )
          ?.lastTransitionTime,
      ]));
      fromJob = [...f.results].flatMap(([key, r]) => {
        const t = complete.get(key);
        return t ? [r.time - Date.parse(t)] : [];
      });
    }
    const ns = counts.peak[namespace] ?? { watch: 0, log: 0 };
    const elsewhere = Object.entries(counts.peak).filter(([k]) => k !== namespace)
      .reduce((s, [, v]) => s + v.watch, 0);
    const results = [...f.results.values()];
    const lines = tool === "kjotrigger"
      ? results.reduce((s, r) => s + (r.lines ?? 0), 0)
      : undefined;
    return {
      tool,
      kjo: kjoEntry.includes("--no-config") ? "bundle" : "source",
      runs: n,
      sleepS: args.sleep,
      concurrency: args.concurrency,
      completed,
      ...(timedOutAfterS !== undefined ? { timedOutAfterS, resultsInTime } : {}),
      processes: pidsW.length,
      pssPeakMb: pssPeakKb / 1024,
      pssPeakByProcess: peakByProcess,
      pssWaitingMb: pssW.reduce((a, b) => a + b, 0) / pssW.length / 1024,
      cpuWaitingMsPerS: cpuWaiting,
      cpuFollowingMsPerS: cpuFollowing,
      followingS,
      readyAfterS,
      api: {
        requests: counts.requests,
        perRun: counts.requests / n,
        perSecondWaiting,
        byKind: counts.byKind,
        peakWatches: ns.watch,
        peakLogStreams: ns.log,
        peakWatchesElsewhere: elsewhere,
        errors: counts.errors,
      },
      delayFromLastLine: percentiles(fromLine),
      ...(fromJob ? { delayFromJobComplete: percentiles(fromJob) } : {}),
      succeeded: results.filter((r) => r.state === "Succeeded").length,
      // Detached: the runs held Pending when the follower was stopped (--complete).
      failures: Object.entries(
        results.filter((r) => r.state !== "Succeeded" && r.state !== "Detached")
          .map((r) => `${r.state}: ${r.message ?? ""}`.slice(0, 300))
          .reduce((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {} as Record<string, number>),
      ).map(([k, v]) => `${v} × ${k}`),
      ...(lines !== undefined ? { logLinesRelayed: lines } : {}),
      load: { start: loadStart, end: await loadavg() },
      startedAt,
    };
  } finally {
    await proxy.stop();
    await Deno.remove(proxy.kubeconfigPath).catch(() => {});
    log(`deleting namespace ${namespace}`);
    await client.request({ method: "DELETE", path: `/api/v1/namespaces/${namespace}` })
      .catch((e) => log(`cannot delete ${namespace}: ${e}`));
    // Let the namespace go before the next scenario (bounded).
    await until(`namespace ${namespace} gone`, 180_000, async () => {
      try {
        await client.request({ path: `/api/v1/namespaces/${namespace}` });
        return false;
      } catch {
        return true;
      }
    }).catch((e) => log(String(e)));
    client.close();
  }
}

interface Results {
  machine: { nproc: number };
  rows: Row[];
}

const fmt = (v: number | undefined, digits = 0) =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

function renderMarkdown(results: Results): string {
  const rows = [...results.rows].sort((a, b) =>
    a.runs - b.runs || TOOL_IDS.indexOf(a.tool) - TOOL_IDS.indexOf(b.tool)
  );
  const label = (r: Row) =>
    TOOL_LABELS[r.tool].replace("N ×", `${r.runs} ×`).replace("× N", `× ${r.runs}`) +
    (r.tool === "trigger" ? "" : r.kjo === "bundle" ? " [bundle]" : " [cli.ts]");
  const lines = [
    "# Following many runs: kjo serve, kjo attach, KjoRunTrigger, KubernetesPodTrigger",
    "",
    "Written by `bench/serve_vs_attach.ts` (see bench/README.md, section kjo serve vs kjo attach).",
    `${results.machine.nproc} CPUs shared with other work; load average (1, 5, 15 min) at each row's start and end.`,
    "",
    "| N | follower | processes | Pss waiting (MB) | Pss peak (MB) | CPU ms/s waiting | CPU ms/s following | API requests (per run) | requests/s waiting | peak watches in ns (elsewhere) | peak log streams | result delay after last line p50 / p99 (ms) | after Job Complete p50 / p99 (ms) | succeeded | load start → end |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.runs} | ${label(r)} | ${r.processes} | ${fmt(r.pssWaitingMb)} | ${
        fmt(r.pssPeakMb)
      } | ${fmt(r.cpuWaitingMsPerS, 1)} | ${fmt(r.cpuFollowingMsPerS, 1)} | ${r.api.requests} (${
        fmt(r.api.perRun, 1)
      }) | ${
        fmt(r.api.perSecondWaiting, 1)
      } | ${r.api.peakWatches} (${r.api.peakWatchesElsewhere}) | ${r.api.peakLogStreams} | ${
        fmt(r.delayFromLastLine.p50)
      } / ${fmt(r.delayFromLastLine.p99)} (of ${r.delayFromLastLine.of}) | ${
        r.delayFromJobComplete
          ? `${fmt(r.delayFromJobComplete.p50)} / ${fmt(r.delayFromJobComplete.p99)}`
          : "–"
      } | ${r.succeeded}/${r.completed ?? r.runs}${
        r.timedOutAfterS !== undefined
          ? ` (only ${r.resultsInTime} results within ${fmt(r.timedOutAfterS)} s)`
          : ""
      }${(r.completed ?? r.runs) < r.runs ? " (the others held Pending)" : ""} | ${
        r.load.start.split(" ")[0]
      } → ${r.load.end.split(" ")[0]} |`
    ),
    "",
    "## API requests by kind",
    "",
    ...rows.map((r) =>
      `- N = ${r.runs}, ${label(r)}: ${
        Object.entries(r.api.byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(
          ", ",
        )
      }${
        Object.keys(r.api.errors).length
          ? `; error responses: ${
            Object.entries(r.api.errors).map(([k, v]) => `${k} ×${v}`).join(", ")
          }`
          : ""
      }${
        r.logLinesRelayed !== undefined
          ? `; pod log lines the triggers wrote to their task logs: ${r.logLinesRelayed}`
          : ""
      }`
    ),
    "",
    "## Pss peak by process",
    "",
    ...rows.filter((r) => r.pssPeakByProcess).map((r) =>
      `- N = ${r.runs}, ${label(r)}: ${
        Object.entries(r.pssPeakByProcess!).sort((a, b) => b[1].mb - a[1].mb).map(([name, v]) =>
          `${name} ${v.processes > 1 ? `× ${v.processes} ` : ""}${fmt(v.mb)} MB`
        ).join(", ")
      }`
    ),
    "",
    "## Results other than success",
    "",
    ...rows.filter((r) => r.failures.length > 0).map((r) =>
      `- N = ${r.runs}, ${label(r)}: ${r.failures.join("; ")}`
    ),
    ...(rows.some((r) => r.failures.length > 0) ? [] : ["None."]),
    "",
    "## Targets (issue 9)",
    "",
    "### 1000 runs followed by one kjo serve",
    "",
    ...serveTargets(rows),
    "",
    "### The same through KjoRunTrigger in one event loop at N = 200",
    "",
    ...kjoTriggerTargets(rows),
    "",
    "## Method and caveats",
    "",
    "- kjo runs as `deno run -A --no-config kjo.js`, the `deno bundle` of cli.ts that airflow-kjo " +
    "ships and starts (rows marked [bundle]), or as `deno run -A cli.ts` from the checkout ([cli.ts]: " +
    "`--source`, and rows written before the bundle became the default). The bundle's `kjo serve` " +
    "holds about 45 MB less at rest (59 vs 101 MB Pss): the checkout loads every module of " +
    "@kubernetes/client-node, the bundle only what kjo uses.",
    `- Each pod sleeps ${
      rows[0]?.sleepS ?? "?"
    } s, then prints \`done\` and exits. All N runs are created first, held back by a scheduling gate ` +
    "(Pending); the follower starts; the *waiting* window (15 s) is taken while all N runs are Pending; then the bench lifts the gates, " +
    `keeping at most ${
      rows[0]?.concurrency ?? "?"
    } of its pods running (the node accepts 1100 pods and is shared with other work). ` +
    "*Following* is from the first gate lifted to the last result.",
    "- Pss: the follower's whole process tree summed (the processes the bench started and every descendant; /proc/PID/smaps_rollup), sampled every second (waiting: mean over the window; peak: whole follow); *Pss peak by process* splits the peak sample by process name. CPU: the same tree (/proc/PID/stat).",
    "- kjo follows with logs on (`logs: true`, delete policy Never). KjoRunTrigger as the deferrable operator builds it with its defaults: `get_logs` on, so the shared `kjo serve` follows every container's log and each trigger writes the lines to its task log while deferred (Airflow's structlog JSON lines, level INFO, into a file). The KubernetesPodTrigger reads no logs (the pod operator reads them after the trigger fired, in the worker).",
    "- Pss and CPU of KjoRunTrigger: the whole process tree, the Python process (Airflow imported, one asyncio loop) and the `kjo serve` it started. Its runs are the same Jobs as kjo's; its result time is when the trigger yielded its event.",
    "- Delay after last line: the follower's result time (kjo: the result event's `time`; triggers: when the event was yielded) minus the `done` line's timestamp from the pod log, which the node agent stamps as the container writes it, just before it exits. " +
    "After Job Complete: minus the Job's Complete condition time, which has whole seconds (so up to 1 s too long, never too short).",
    "- API requests and streams are counted by a recording proxy in front of the API server (bench/_recording_proxy.ts); the bench's own requests (creating the runs, lifting gates) go around it.",
    "",
  ];
  return lines.join("\n");
}

async function readResults(path: string): Promise<Results> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return { machine: { nproc: navigator.hardwareConcurrency }, rows: [] };
  }
}

async function writeAll(args: Args, results: Results) {
  await Deno.writeTextFile(`${args.out}.json`, JSON.stringify(results, null, 2) + "\n");
  await Deno.writeTextFile(`${args.out}.md`, renderMarkdown(results));
  await Deno.writeTextFile(
    `${args.out}.svg`,
    renderSvg({
      title: "Following N sleeping runs",
      memoryTarget: { value: 250, label: "target for 1000 runs, one kjo serve: 250 MB" },
      cpuTarget: { value: 50, label: "target: 50 ms/s" },
      series: TOOL_IDS.map((tool) => ({
        label: TOOL_LABELS[tool],
        points: results.rows.filter((r) => r.tool === tool).sort((a, b) => a.runs - b.runs),
      })).filter((s) => s.points.length > 0).map((s) => ({
        label: s.label,
        points: s.points.map((r) => ({
          n: r.runs,
          memoryMb: r.pssPeakMb,
          cpuMsPerS: r.cpuWaitingMsPerS,
        })),
      })),
    }),
  );
  log(`wrote ${args.out}.md, .json, .svg`);
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const results = await readResults(`${args.out}.json`);
  if (!args.render) {
    await prepareKjo(args.source);
    // The Python of each Python follower: the provider's venv, and one with Airflow and
    // airflow-kjo from this checkout (pinned as python/ tests it).
    const pythons: Partial<Record<ToolId, string>> = {};
    if (args.tools.includes("trigger")) {
      pythons.trigger = await ensureVenv({
        name: "provider",
        benchDir: `${root}bench`,
        python: args.python,
        log,
      });
    }
    if (args.tools.includes("kjotrigger")) {
      pythons.kjotrigger = await ensureVenv({
        name: "kjo",
        benchDir: `${root}bench`,
        python: args.python,
        lock: `${root}python/requirements-test.lock`,
        editable: `${root}python`,
        log,
      });
    }
    for (const n of args.runs) {
      for (const tool of args.tools) {
        if (tool === "attach" && n > args.attachMax) continue;
        log(`${tool}: ${n} runs sleeping ${args.sleep} s, at most ${args.concurrency} at once`);
        const row = await scenario(tool, n, args, pythons[tool] ?? args.python);
        log(JSON.stringify({ ...row, api: { ...row.api, byKind: undefined } }));
        results.rows = results.rows.filter((r) => !(r.tool === tool && r.runs === n));
        results.rows.push(row);
        await writeAll(args, results);
      }
    }
  }
  await writeAll(args, results);
  console.log(await Deno.readTextFile(`${args.out}.md`));
}
