/**
 * The benchmark runner: `deno task bench [-- OPTIONS]`. Runs kjo and its peers on the local
 * cluster, several repetitions each, and writes bench/results/<date>.md and .json. See
 * bench/README.md.
 *
 * @module
 */

import { measure } from "./_measure.ts";
import { type BenchContext, type Tool, TOOLS } from "./_tools.ts";
import { countLines, type Scenario, SCENARIOS } from "./_scenarios.ts";
import { type BenchResults, renderMarkdown, type RunRecord, summarize } from "./_report.ts";
import { measureMemory, type MemoryReport, podsBody, renderMemoryMarkdown } from "./_memory.ts";
import { RecordingProxy } from "./_recording_proxy.ts";

const USAGE = `deno task bench [-- OPTIONS]

Runs each tool on each scenario on the local cluster (it must be running:
deno task cluster:up) and writes bench/results/<date>.md and .json.

  --quick               1 repetition, scenarios A (hello) and B (20k lines)
  --tools LIST          comma list of: ${TOOLS.map((t) => t.id).join(", ")} (default all)
  --scenarios LIST      comma list of: ${
  SCENARIOS.map((s) => `${s.id} (${s.key})`).join(", ")
} (default all)
  --reps N              repetitions of every scenario (default ${
  SCENARIOS.map((s) => `${s.key}=${s.reps}`).join(" ")
})
  --max-load X          wait until the 1-minute load average is below X (default 1.5)
  --load-wait-min M     wait at most M minutes for it, then run anyway (default 20)
  --no-load-wait        do not wait for the load
  --out NAME            results file name without extension (default <date>[-quick|-partial])
  --bundle PATH         use this kjo bundle instead of building one (e.g. dist/kjo.js)
  --namespace NS        namespace of the runs (default kjo-bench; created if missing)
  --relock              re-resolve bench/requirements-*.txt into their .lock files first
  --render FILE.json    only re-write FILE.md from a results FILE.json (no runs)
  --memory              the memory scenario instead: kjo follows a Job of many short pods
                        (bodies/pods2000.yaml) and its RSS is reported as pods complete;
                        writes bench/results/<date>-memory.md and .json
  --completions N       memory scenario: pods of the Job (default 2000)
  --parallelism N       memory scenario: pods at a time (default 50)
  --kjo-root LABEL=DIR  memory scenario: also measure the kjo checkout in DIR (e.g. an older
                        commit in a worktree); repeat; this checkout is measured as "this"
  --no-count-requests   scenario A connects directly (default: through a proxy counting requests)
  --help`;

interface Options {
  quick: boolean;
  tools: string[];
  scenarios: string[];
  reps?: number;
  maxLoad: number;
  loadWaitMin: number;
  loadWait: boolean;
  out?: string;
  bundle?: string;
  namespace: string;
  relock: boolean;
  render?: string;
  memory: boolean;
  completions: number;
  parallelism: number;
  kjoRoots: { label: string; dir: string }[];
  countRequests: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    tools: TOOLS.map((t) => t.id),
    scenarios: SCENARIOS.map((s) => s.id),
    maxLoad: 1.5,
    loadWaitMin: 20,
    loadWait: true,
    namespace: "kjo-bench",
    relock: false,
    memory: false,
    completions: 2000,
    parallelism: 50,
    kjoRoots: [],
    countRequests: true,
  };
  let scenariosSet = false;
  const args = argv.filter((a) => a !== "--");
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
    switch (a) {
      case "--quick":
        o.quick = true;
        break;
      case "--tools":
        o.tools = list(value());
        for (const t of o.tools) {
          if (!TOOLS.some((x) => x.id === t)) fail(`--tools: unknown tool ${t}`);
        }
        break;
      case "--scenarios":
        scenariosSet = true;
        o.scenarios = list(value()).map((s) =>
          SCENARIOS.find((x) => x.id === s || x.key === s.toUpperCase())?.id ??
            fail(`--scenarios: unknown scenario ${s}`)
        );
        break;
      case "--reps":
        o.reps = Number(value());
        if (!Number.isInteger(o.reps) || o.reps < 1) fail("--reps: a positive integer");
        break;
      case "--max-load":
        o.maxLoad = Number(value());
        break;
      case "--load-wait-min":
        o.loadWaitMin = Number(value());
        break;
      case "--no-load-wait":
        o.loadWait = false;
        break;
      case "--out":
        o.out = value();
        break;
      case "--bundle":
        o.bundle = value();
        break;
      case "--namespace":
        o.namespace = value();
        break;
      case "--relock":
        o.relock = true;
        break;
      case "--render":
        o.render = value();
        break;
      case "--memory":
        o.memory = true;
        break;
      case "--completions":
      case "--parallelism": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) fail(`${a}: a positive integer`);
        o[a === "--completions" ? "completions" : "parallelism"] = n;
        break;
      }
      case "--kjo-root": {
        const v = value();
        const eq = v.indexOf("=");
        if (eq <= 0) fail("--kjo-root: LABEL=DIR");
        o.kjoRoots.push({ label: v.slice(0, eq), dir: v.slice(eq + 1).replace(/\/$/, "") });
        break;
      }
      case "--no-count-requests":
        o.countRequests = false;
        break;
      case "--help":
      case "-h":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        fail(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (o.quick) {
    o.reps ??= 1;
    if (!scenariosSet) o.scenarios = ["hello", "lines20k"];
  }
  return o;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  Deno.exit(2);
}

const log = (line: string) => console.error(`bench: ${line}`);

function load1(): number {
  return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
}

async function sh(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, { args, ...opts, stdin: "null" }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

/** Jobs and pods of the namespace: total, and those not (yet) being deleted. */
async function namespaceObjects(
  ctx: BenchContext,
): Promise<{ total: number; live: number }> {
  const r = await sh("kubectl", [
    "--kubeconfig",
    ctx.kubeconfig,
    "get",
    "jobs,pods",
    "-n",
    ctx.namespace,
    "-o",
    "json",
  ]);
  if (r.code !== 0) return { total: -1, live: -1 };
  const items = (JSON.parse(r.out).items ?? []) as { metadata: { deletionTimestamp?: string } }[];
  return {
    total: items.length,
    live: items.filter((i) => !i.metadata.deletionTimestamp).length,
  };
}

/** Waits until the namespace holds no Job or Pod; forces the deletion after `settleS`. */
async function emptyNamespace(ctx: BenchContext, settleS: number): Promise<number | null> {
  const start = performance.now();
  while ((performance.now() - start) / 1000 < settleS) {
    if ((await namespaceObjects(ctx)).total === 0) return (performance.now() - start) / 1000;
    await new Promise((r) => setTimeout(r, 300));
  }
  log(`namespace ${ctx.namespace} not empty after ${settleS}s; deleting what is left`);
  await sh("kubectl", [
    "--kubeconfig",
    ctx.kubeconfig,
    "delete",
    "jobs,pods",
    "--all",
    "-n",
    ctx.namespace,
    "--wait=false",
    "--grace-period=0",
    "--force",
  ]);
  for (let i = 0; i < 100; i++) {
    if ((await namespaceObjects(ctx)).total === 0) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  return null;
}

/** True when the API server answers /readyz. */
async function clusterReady(ctx: BenchContext): Promise<boolean> {
  const r = await sh("kubectl", ["--kubeconfig", ctx.kubeconfig, "get", "--raw", "/readyz"])
    .catch(() => ({ code: 1 }));
  return r.code === 0;
}

/** Waits up to `maxS` for the API server (others restart it for their fault tests). */
async function waitForCluster(ctx: BenchContext, maxS: number): Promise<void> {
  const start = performance.now();
  let told = false;
  while (!(await clusterReady(ctx))) {
    if ((performance.now() - start) / 1000 > maxS) {
      fail(`the cluster API was not ready for ${maxS} s`);
    }
    if (!told) log("the cluster API is not ready; waiting");
    told = true;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function ensureNamespace(ctx: BenchContext): Promise<void> {
  const kc = ["--kubeconfig", ctx.kubeconfig];
  if ((await sh("kubectl", [...kc, "get", "namespace", ctx.namespace])).code !== 0) {
    log(`creating namespace ${ctx.namespace}`);
    const r = await sh("kubectl", [...kc, "create", "namespace", ctx.namespace]);
    if (r.code !== 0) fail(`cannot create namespace ${ctx.namespace}: ${r.err.trim()}`);
  }
  for (let i = 0; i < 60; i++) {
    const r = await sh("kubectl", [...kc, "get", "serviceaccount", "default", "-n", ctx.namespace]);
    if (r.code === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`namespace ${ctx.namespace} has no default ServiceAccount after 30 s`);
}

async function waitForLoad(o: Options): Promise<{ waitedS: number; below: boolean }> {
  const start = performance.now();
  if (!o.loadWait) return { waitedS: 0, below: load1() < o.maxLoad };
  let told = false;
  while (load1() >= o.maxLoad) {
    const waited = (performance.now() - start) / 1000;
    if (waited > o.loadWaitMin * 60) {
      log(`load still ${load1()} after ${o.loadWaitMin} min; measuring anyway (noted in results)`);
      return { waitedS: waited, below: false };
    }
    if (!told || Math.round(waited) % 60 < 15) {
      log(`load ${load1()} ≥ ${o.maxLoad}; waiting (${Math.round(waited)} s so far)`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 15_000));
  }
  return { waitedS: (performance.now() - start) / 1000, below: true };
}

/** Pid of the running kube-apiserver (its restarts by others' fault tests void a run). */
function apiserverPid(ctx: BenchContext): string {
  try {
    return Deno.readTextFileSync(`${ctx.root}/.devcluster/pids/kube-apiserver.pid`).trim();
  } catch {
    return "?";
  }
}

let lastApiserverPid: string | undefined;

/**
 * {@link oneRun}, run again (up to three times) when the API server restarted during it or was down
 * when it failed: such a run measures the outage, not the tool.
 */
async function oneRunRetrying(opts: Parameters<typeof oneRun>[0]): Promise<RunRecord> {
  let retries = 0;
  for (;;) {
    await waitForCluster(opts.ctx, 300);
    let pid = apiserverPid(opts.ctx);
    if (lastApiserverPid !== undefined && pid !== lastApiserverPid) {
      // Right after a restart, controllers and the node agent reconnect: runs then take a minute.
      log("the API server restarted since the last run; letting the cluster settle for 30 s");
      await new Promise((res) => setTimeout(res, 30_000));
      await waitForCluster(opts.ctx, 300);
      pid = apiserverPid(opts.ctx);
    }
    lastApiserverPid = pid;
    const r = await oneRun(opts);
    const restarted = apiserverPid(opts.ctx) !== pid;
    const failedWhileDown = (r.exitCode !== 0 || r.timedOut) && !(await clusterReady(opts.ctx));
    if ((!restarted && !failedWhileDown) || retries >= 3) {
      return retries > 0 ? { ...r, retriedAfterClusterOutage: retries } : r;
    }
    retries++;
    log(`${opts.tool.id}: the cluster API restarted or went down during the run; running it again`);
    await new Promise((res) => setTimeout(res, 3000));
  }
}

async function oneRun(opts: {
  ctx: BenchContext;
  tool: Tool;
  scenario: Scenario;
  rep: number;
  outDir: string;
  /** Counts scenario A's requests when given. */
  proxy?: RecordingProxy;
}): Promise<RunRecord> {
  const { ctx, tool, scenario, rep, outDir } = opts;
  const base = `${outDir}/${scenario.id}-${tool.id}-${rep}`;
  const body = `${ctx.benchDir}/${scenario.body}`;
  const load = load1();
  const startedAt = new Date().toISOString();
  // Scenario A goes through the recording proxy: the tool gets a kubeconfig naming it.
  const proxy = scenario.id === "hello" ? opts.proxy : undefined;
  const toolCtx = proxy ? { ...ctx, kubeconfig: proxy.kubeconfigPath } : ctx;
  proxy?.reset();
  const m = await measure({
    cmd: tool.command(toolCtx, body),
    cwd: ctx.root,
    env: { KUBECONFIG: toolCtx.kubeconfig, NO_COLOR: "1", ...tool.env?.(toolCtx) },
    stdoutPath: `${base}.out`,
    stderrPath: `${base}.err`,
    timeoutMs: scenario.timeoutS * 1000,
  });
  const counts = proxy?.snapshot();
  const peak = counts?.peak[ctx.namespace];
  const apiRequests = counts
    ? {
      total: counts.requests,
      byKind: counts.byKind,
      peakWatches: peak?.watch ?? 0,
      peakLogStreams: peak?.log ?? 0,
    }
    : undefined;
  const atExit = await namespaceObjects(ctx);
  const cleanupS = await emptyNamespace(ctx, 20);
  const out = await Deno.readTextFile(`${base}.out`);
  const err = await Deno.readTextFile(`${base}.err`);
  const lines = countLines(`${out}\n${err}`, scenario.expectedLines);
  // The Python peers report what their start-up and imports cost (see bench/peers/*.py).
  const imp = err.match(/kjo-bench-import cpu_s=([\d.]+) wall_s=([\d.]+) maxrss_kb=(\d+)/);
  const importCost = imp
    ? { cpuS: Number(imp[1]), wallS: Number(imp[2]), peakRssMiB: Number(imp[3]) / 1024 }
    : undefined;
  const failed = m.exitCode !== 0 || m.timedOut;
  return {
    tool: tool.id,
    scenario: scenario.id,
    rep,
    startedAt,
    load1: load,
    ...m,
    lines,
    ...(importCost ? { importCost } : {}),
    ...(apiRequests ? { apiRequests } : {}),
    resourcesAtExit: atExit.live,
    cleanupS,
    stdout: `${base}.out`,
    stderr: `${base}.err`,
    ...(failed ? { errorTail: (err || out).trim().split("\n").slice(-6).join("\n") } : {}),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  if (o.render) {
    const parsed = JSON.parse(await Deno.readTextFile(o.render));
    const md = o.render.replace(/\.json$/, "") + ".md";
    if ("completions" in parsed) {
      await Deno.writeTextFile(md, renderMemoryMarkdown(parsed as MemoryReport));
      log(`wrote ${md}`);
      return;
    }
    const results = parsed as BenchResults;
    results.summary = summarize(results);
    await Deno.writeTextFile(md, renderMarkdown(results));
    log(`wrote ${md}`);
    return;
  }
  const benchDir = new URL(".", import.meta.url).pathname.replace(/\/$/, "");
  const root = benchDir.replace(/\/bench$/, "");
  const began = new Date();
  const stamp = began.toISOString().replace(/[:.]/g, "-");
  const workDir = `${benchDir}/results/tmp/${stamp}`;
  await Deno.mkdir(workDir, { recursive: true });
  const kubeconfig = Deno.env.get("KJO_BENCH_KUBECONFIG") ?? `${root}/.devcluster/kubeconfig`;
  const ctx: BenchContext = {
    root,
    benchDir,
    workDir,
    kubeconfig,
    namespace: o.namespace,
    deno: Deno.execPath(),
    python: Deno.env.get("KJO_BENCH_PYTHON") ?? "python3.11",
    bundle: o.bundle,
    relock: o.relock,
    log,
  };
  if ((await sh("python3.11", ["--version"]).catch(() => ({ code: 1 }))).code !== 0) {
    if (!Deno.env.get("KJO_BENCH_PYTHON")) ctx.python = "python3";
  }

  // The cluster must be up; the bench never starts or stops it.
  const status = await sh("bash", [`${root}/scripts/devcluster/status.sh`]);
  if (status.code !== 0) {
    fail(`the local cluster is not running (deno task cluster:up):\n${status.out}${status.err}`);
  }
  await ensureNamespace(ctx);
  await emptyNamespace(ctx, 5);
  if (o.memory) return await runMemory(o, ctx, began);
  const proxy = o.countRequests && o.scenarios.includes("hello")
    ? await RecordingProxy.start({
      kubeconfig: ctx.kubeconfig,
      proxyKubeconfigPath: `${workDir}/proxy.kubeconfig`,
    })
    : undefined;

  const scenarios = SCENARIOS.filter((s) => o.scenarios.includes(s.id)).map((s) => ({
    ...s,
    reps: o.reps ?? s.reps,
  }));
  const selected = TOOLS.filter((t) => o.tools.includes(t.id));
  const toolInfo: BenchResults["tools"] = [];
  const ready: Tool[] = [];
  for (const tool of selected) {
    log(`preparing ${tool.label}`);
    try {
      await tool.prepare(ctx);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log(`${tool.label} cannot run: ${reason}`);
      toolInfo.push({ ...describe(tool), available: false, reason });
      continue;
    }
    // One unmeasured warm-up run: fills Deno's and Python's caches, proves the tool works here.
    const hello = SCENARIOS.find((s) => s.id === "hello")!;
    const warm = await oneRunRetrying({
      ctx,
      tool,
      scenario: hello,
      rep: 0,
      outDir: workDir,
      proxy,
    });
    if (warm.exitCode !== 0 || warm.timedOut || warm.lines.unique !== 1) {
      const reason = `warm-up run failed (exit ${warm.exitCode}, ${warm.lines.unique} of 1 line): ${
        (warm.errorTail ?? "").replaceAll("\n", " ⏎ ").slice(0, 400)
      }`;
      log(`${tool.label}: ${reason}`);
      toolInfo.push({ ...describe(tool), available: false, reason });
      continue;
    }
    log(`${tool.label}: warm-up ok (${(warm.wallMs / 1000).toFixed(2)} s)`);
    toolInfo.push({ ...describe(tool), available: true });
    ready.push(tool);
  }
  // Report order: TOOLS order.
  toolInfo.sort((a, b) =>
    TOOLS.findIndex((t) => t.id === a.id) - TOOLS.findIndex((t) => t.id === b.id)
  );

  const beforeWait = load1();
  const { waitedS, below } = await waitForLoad(o);
  const atStart = load1();
  log(
    `measuring: load ${atStart}; ${ready.map((t) => t.id).join(", ")}; ${
      scenarios.map((s) => `${s.key}×${s.reps}`).join(" ")
    }`,
  );
  const runs: RunRecord[] = [];
  for (const scenario of scenarios) {
    for (let rep = 1; rep <= scenario.reps; rep++) {
      // Rotate the order each repetition so no tool always runs first or after the same peer.
      const order = ready.map((_, i) => ready[(i + rep - 1) % ready.length]);
      for (const tool of order) {
        const r = await oneRunRetrying({ ctx, tool, scenario, rep, outDir: workDir, proxy });
        runs.push(r);
        log(
          `${scenario.key} ${scenario.id} rep ${rep} ${tool.id}: exit ${r.exitCode}, ${
            (r.wallMs / 1000).toFixed(2)
          } s wall, ${r.cpuS.toFixed(2)} s CPU, ${
            (r.peakRssKb / 1024).toFixed(0)
          } MiB, lines ${r.lines.unique}/${r.lines.expected} (dup ${r.lines.duplicated}), load ${r.load1}`,
        );
      }
    }
  }
  await proxy?.stop();
  const finished = new Date();
  const date = began.toISOString().slice(0, 10);
  const full = !o.quick && o.tools.length === TOOLS.length &&
    o.scenarios.length === SCENARIOS.length && o.reps === undefined;
  const mode = o.quick
    ? `quick (${scenarios.map((s) => `${s.key}×${s.reps}`).join(", ")})`
    : `${full ? "full" : "partial"} (${scenarios.map((s) => `${s.key}×${s.reps}`).join(", ")})`;
  const results: BenchResults = {
    date,
    startedAt: began.toISOString(),
    finishedAt: finished.toISOString(),
    durationS: (finished.getTime() - began.getTime()) / 1000,
    argv: Deno.args,
    mode,
    machine: machine(),
    versions: await versions(ctx),
    load: {
      maxLoad: o.maxLoad,
      beforeWait,
      atStart,
      atEnd: load1(),
      waitedS,
      belowLimitAtStart: below,
    },
    namespace: ctx.namespace,
    tools: toolInfo,
    scenarios,
    runs,
  };
  results.summary = summarize(results);
  const name = o.out ?? (o.quick ? `${date}-quick` : full ? date : `${date}-partial`);
  const md = `${benchDir}/results/${name}.md`;
  await Deno.writeTextFile(`${benchDir}/results/${name}.json`, JSON.stringify(results, null, 2));
  await Deno.writeTextFile(md, renderMarkdown(results));
  log(`wrote ${md} and .json (${(results.durationS / 60).toFixed(1)} min)`);
  console.log(await Deno.readTextFile(md));
}

/** The memory scenario (see bench/_memory.ts), for this checkout and every `--kjo-root`. */
async function runMemory(o: Options, ctx: BenchContext, began: Date): Promise<void> {
  const template = await Deno.readTextFile(`${ctx.benchDir}/bodies/pods2000.yaml`);
  const body = `${ctx.workDir}/pods.yaml`;
  await Deno.writeTextFile(body, podsBody(template, o.completions, o.parallelism));
  const checkpoints = [100, 250, 500, 1000, 1500, 2000].filter((n) => n <= o.completions);
  if (!checkpoints.includes(o.completions)) checkpoints.push(o.completions);
  const date = began.toISOString().slice(0, 10);
  const report: MemoryReport = {
    date,
    completions: o.completions,
    parallelism: o.parallelism,
    notes: [
      `Machine: ${machine().nproc} cores, shared with other work; the node agent runs each container as a host process.`,
    ],
    runs: [],
  };
  const roots = [{ label: "this", dir: ctx.root }, ...o.kjoRoots];
  for (const root of roots) {
    await waitForLoad(o);
    await waitForCluster(ctx, 300);
    // A fresh namespace each: its Events (kjo lists them) are then only this run's.
    const namespace = `${o.namespace}-mem-${crypto.randomUUID().slice(0, 8)}`;
    await ensureNamespace({ ...ctx, namespace });
    const commit = (await sh("git", ["-C", root.dir, "rev-parse", "--short", "HEAD"])).out.trim();
    const label = `${root.label} (${commit || "?"})`;
    log(`memory: ${label}: ${o.completions} pods, ${o.parallelism} at a time`);
    const load1AtStart = load1();
    const base = `${ctx.workDir}/memory-${root.label}`;
    const result = await measureMemory({
      deno: ctx.deno,
      kjoRoot: root.dir,
      body,
      kubeconfig: ctx.kubeconfig,
      namespace,
      completions: o.completions,
      checkpoints,
      stdoutPath: `${base}.out`,
      stderrPath: `${base}.err`,
      timeoutMs: Math.max(600, o.completions) * 1000,
      log: (line) => log(`memory: ${root.label}: ${line}`),
    });
    log(
      `memory: ${label}: exit ${result.exitCode}, ${result.podsDone} pods, ${
        result.wallS.toFixed(0)
      } s, peak ${(result.peakRssKb / 1024).toFixed(1)} MiB`,
    );
    report.runs.push({ label, kjoRoot: root.dir, commit, load1AtStart, result });
    await emptyNamespace({ ...ctx, namespace }, 120);
    await sh("kubectl", [
      "--kubeconfig",
      ctx.kubeconfig,
      "delete",
      "namespace",
      namespace,
      "--wait=false",
    ]);
  }
  const name = o.out ?? `${date}-memory`;
  const md = `${ctx.benchDir}/results/${name}.md`;
  await Deno.writeTextFile(`${ctx.benchDir}/results/${name}.json`, JSON.stringify(report, null, 2));
  await Deno.writeTextFile(md, renderMemoryMarkdown(report));
  log(`wrote ${md} and .json`);
  console.log(await Deno.readTextFile(md));
}

function describe(tool: Tool): { id: string; label: string; how: string; caveat?: string } {
  return { id: tool.id, label: tool.label, how: tool.how, caveat: tool.caveat };
}

function machine(): BenchResults["machine"] {
  const mem = Deno.readTextFileSync("/proc/meminfo").match(/MemTotal:\s+(\d+)/)?.[1] ?? "0";
  return {
    nproc: navigator.hardwareConcurrency,
    memTotalMiB: Math.round(Number(mem) / 1024),
    kernel: Deno.osRelease(),
  };
}

async function versions(ctx: BenchContext): Promise<Record<string, string>> {
  const v: Record<string, string> = { deno: Deno.version.deno };
  const k = await sh("kubectl", ["--kubeconfig", ctx.kubeconfig, "version", "-o", "json"]);
  if (k.code === 0) {
    const j = JSON.parse(k.out);
    v.kubectl = j.clientVersion?.gitVersion ?? "?";
    v["kube-apiserver"] = j.serverVersion?.gitVersion ?? "?";
  }
  for (const name of ["original", "provider"]) {
    try {
      const pins = (await Deno.readTextFile(`${ctx.benchDir}/requirements-${name}.txt`))
        .split("\n").filter((l) => l && !l.startsWith("#"));
      v[`${name} venv`] = pins.join(", ");
    } catch { /* no file */ }
  }
  return v;
}

if (import.meta.main) await main();
