/**
 * `kjo serve` against one `kjo attach` per run: N runs sleeping on the local
 * cluster, followed either by one `kjo serve` process or by N `kjo attach`
 * processes. Reports the summed proportional set size (Pss) of the followers,
 * their CPU milliseconds per second while the runs sleep, and the result
 * delay, p50 and p99: the result event's time minus the Job's
 * `completionTime` (whole seconds, so up to 1 s too long; the cluster's own
 * lag between the container's end and the Job's completion is not counted).
 *
 * ```sh
 * deno run -A bench/serve_vs_attach.ts --runs 50 --sleep 90
 * ```
 *
 * @module
 */

import { createKubeClient } from "../src/kube/kube_client.ts";
import { loadKubeConfig } from "../src/config/kubeconfig.ts";
import type { KubeObject } from "../src/kube/kube_object.ts";
import { run } from "../src/runner/run.ts";
import { CLOCK_TICKS, descendants, readCpuTicks, readPssKb } from "./_measure.ts";

interface Args {
  runs: number;
  sleep: number;
  kubeconfig: string;
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    runs: 50,
    sleep: 90,
    kubeconfig: Deno.env.get("KUBECONFIG") ?? ".devcluster/kubeconfig",
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--runs":
        args.runs = Number(value);
        i++;
        break;
      case "--sleep":
        args.sleep = Number(value);
        i++;
        break;
      case "--kubeconfig":
        args.kubeconfig = value;
        i++;
        break;
      case "--out":
        args.out = value;
        i++;
        break;
      default:
        throw new Error(
          `unknown argument ${argv[i]} (use --runs N --sleep S --kubeconfig K --out FILE)`,
        );
    }
  }
  return args;
}

const root = new URL("../", import.meta.url).pathname;

interface Follower {
  pids: () => number[];
  /** Log-line ts of "done" and result time per run id, as they come. */
  done: Map<string, { lastLineTs?: string; resultTime?: string; state?: string }>;
  following: Set<string>;
  stop: () => Promise<void>;
}

function spawnKjo(args: string[], kubeconfig: string, stdin: "piped" | "null") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}cli.ts`, ...args],
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
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  }
}

function record(f: Follower, runId: string, event: Record<string, unknown>) {
  const entry = f.done.get(runId) ?? {};
  f.done.set(runId, entry);
  if (event.type === "status") f.following.add(runId);
  if (event.type === "log" && event.line === "done") entry.lastLineTs = String(event.ts);
  if (event.type === "result") {
    entry.resultTime = String(event.time);
    entry.state = String(event.state);
  }
}

function followWithServe(runIds: string[], namespace: string, kubeconfig: string): Follower {
  const child = spawnKjo(["serve", "-n", namespace], kubeconfig, "piped");
  const f: Follower = {
    pids: () => [child.pid, ...descendants(child.pid)],
    done: new Map(),
    following: new Set(),
    stop: async () => {
      await writer.close().catch(() => {});
      await child.status;
    },
  };
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  for (const runId of runIds) {
    writer.write(encoder.encode(
      JSON.stringify({ op: "follow", id: runId, runId, logs: true, deletePolicy: "Never" }) + "\n",
    ));
  }
  readLines(child.stdout, (line) => {
    const event = JSON.parse(line);
    if (typeof event.id === "string") record(f, event.id, event);
  });
  return f;
}

function followWithAttach(runIds: string[], namespace: string, kubeconfig: string): Follower {
  const children = runIds.map((runId) =>
    spawnKjo(
      ["attach", "--run-id", runId, "-n", namespace, "-o", "jsonl", "--delete-policy", "Never"],
      kubeconfig,
      "null",
    )
  );
  const f: Follower = {
    pids: () => children.flatMap((c) => [c.pid, ...descendants(c.pid)]),
    done: new Map(),
    following: new Set(),
    stop: async () => {
      await Promise.all(children.map((c) => c.status));
    },
  };
  children.forEach((child, i) =>
    readLines(child.stdout, (line) => record(f, runIds[i], JSON.parse(line)))
  );
  return f;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function until(what: string, limitMs: number, check: () => boolean) {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scenario(mode: "serve" | "attach", args: Args) {
  const kubeConfig = loadKubeConfig({ kubeconfig: args.kubeconfig }).kubeConfig;
  const client = createKubeClient(kubeConfig);
  const namespace = `kjo-bench-serve-${mode}-${crypto.randomUUID().slice(0, 6)}`;
  await client.request({
    method: "POST",
    path: "/api/v1/namespaces",
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
  });
  try {
    await new Promise((r) => setTimeout(r, 2000)); // the default ServiceAccount
    const runIds: string[] = [];
    for (let i = 0; i < args.runs; i += 10) {
      runIds.push(
        ...await Promise.all(
          Array.from({ length: Math.min(10, args.runs - i) }, async () => {
            const r = await run({
              kubeConfig,
              namespace,
              detach: true,
              source: { image: "busybox", command: ["sh", "-c", `sleep ${args.sleep}; echo done`] },
            });
            if (r.state !== "Submitted") throw new Error(`submit: ${r.message}`);
            return r.runId!;
          }),
        ),
      );
    }
    const submittedAt = Date.now();
    const f = mode === "serve"
      ? followWithServe(runIds, namespace, args.kubeconfig)
      : followWithAttach(runIds, namespace, args.kubeconfig);
    await until("every run followed", args.sleep * 1000, () => f.following.size === args.runs);
    const followingAfterS = (Date.now() - submittedAt) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    // Window: while every run sleeps.
    const windowMs = Math.min(15_000, args.sleep * 1000 - (Date.now() - submittedAt) - 5000);
    if (windowMs < 3000) throw new Error(`--sleep ${args.sleep} leaves no time to measure`);
    const pids = f.pids();
    const ticksBefore = pids.reduce((n, pid) => n + readCpuTicks(pid), 0);
    const t0 = Date.now();
    let pssPeakKb = 0;
    while (Date.now() - t0 < windowMs) {
      pssPeakKb = Math.max(pssPeakKb, f.pids().reduce((n, pid) => n + (readPssKb(pid) ?? 0), 0));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const ticksAfter = pids.reduce((n, pid) => n + readCpuTicks(pid), 0);
    const cpuMsPerS = ((ticksAfter - ticksBefore) * (1000 / CLOCK_TICKS)) /
      ((Date.now() - t0) / 1000);
    await until(
      "every result",
      args.sleep * 1000 + 120_000,
      () => [...f.done.values()].filter((e) => e.resultTime).length === args.runs,
    );
    await f.stop();
    const jobs = await client.request<{ items: KubeObject[] }>({
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
    });
    const completion = new Map(jobs.items.map((job) => [
      job.metadata.labels?.["kjo/run-id"],
      (job.status as { completionTime?: string } | undefined)?.completionTime,
    ]));
    const delays = [...f.done.entries()].flatMap(([runId, e]) => {
      const completed = completion.get(runId);
      return completed ? [Date.parse(e.resultTime!) - Date.parse(completed)] : [];
    });
    const states = [...f.done.values()].map((e) => e.state);
    return {
      mode,
      processes: pids.length,
      pssMb: pssPeakKb / 1024,
      cpuMsPerS,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      succeeded: states.filter((s) => s === "Succeeded").length,
      missingLastLine: [...f.done.values()].filter((e) => !e.lastLineTs).length,
      measuredDelays: delays.length,
      followingAfterS,
    };
  } finally {
    await client.request({ method: "DELETE", path: `/api/v1/namespaces/${namespace}` })
      .catch(() => {});
    client.close();
  }
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const rows = [];
  for (const mode of ["serve", "attach"] as const) {
    console.error(`[bench] ${mode}: ${args.runs} runs sleeping ${args.sleep} s`);
    rows.push(await scenario(mode, args));
    console.error(`[bench] ${JSON.stringify(rows.at(-1))}`);
  }
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  const lines = [
    `# kjo serve vs kjo attach: ${args.runs} runs sleeping ${args.sleep} s (${
      new Date().toISOString()
    })`,
    "",
    `Load average at the end: ${load}; ${navigator.hardwareConcurrency} CPUs (shared).`,
    "",
    "| followers | processes | summed Pss (MB) | CPU ms/s while following | result delay after Job completion p50 (ms) | p99 (ms) | succeeded | all following after (s) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.mode === "serve" ? "1 × kjo serve" : `${args.runs} × kjo attach`} | ${r.processes} | ${
        r.pssMb.toFixed(0)
      } | ${
        r.cpuMsPerS.toFixed(1)
      } | ${r.p50} | ${r.p99} (of ${r.measuredDelays}) | ${r.succeeded}/${args.runs}${
        r.missingLastLine ? ` (${r.missingLastLine} without last line)` : ""
      } | ${r.followingAfterS.toFixed(1)} |`
    ),
    "",
  ];
  const text = lines.join("\n");
  console.log(text);
  if (args.out) await Deno.writeTextFile(args.out, text);
}
