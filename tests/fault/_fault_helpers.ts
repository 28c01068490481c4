/**
 * Helpers shared by the fault scenarios: a fault proxy in front of the local
 * cluster's API server with a kubeconfig pointing at it, a container script
 * that prints numbered lines, the exactly-once tally of what kjo relayed, the
 * one-line scenario report, and stopping/starting the API server.
 *
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { kubeconfigPath, repoRoot, waitFor } from "../integration/_cluster.ts";
import { type KjoOutcome, startKjo } from "../integration/_kjo.ts";
import type { InfoEvent, RunEvent } from "../../src/output/run_event.ts";
import {
  type FaultProxy,
  kubeconfigServer,
  startFaultProxy,
  writeProxyKubeconfig,
} from "./_fault_proxy.ts";

/**
 * Options every cluster fault test passes to Deno.test (long-lived sockets and processes).
 *
 * @example
 * ```ts
 * Deno.test({ name: "fault: ...", ...clusterTestOptions, async fn() {} });
 * ```
 */
export const clusterTestOptions = { sanitizeResources: false, sanitizeOps: false } as const;

/** A fault proxy in front of the local API server and a kubeconfig that uses it. */
export interface ApiProxy {
  proxy: FaultProxy;
  /** Path of a kubeconfig copy whose server is the proxy. */
  kubeconfig: string;
  close(): Promise<void>;
}

/**
 * Starts a fault proxy in front of the test cluster's API server.
 *
 * @example
 * ```ts
 * const api = await startApiProxy();
 * try { ... } finally { await api.close(); }
 * ```
 */
export async function startApiProxy(): Promise<ApiProxy> {
  const target = await kubeconfigServer(kubeconfigPath);
  const proxy = await startFaultProxy({ targetHost: target.host, targetPort: target.port });
  const kubeconfig = await writeProxyKubeconfig(kubeconfigPath, proxy.port);
  return {
    proxy,
    kubeconfig,
    close: async () => {
      await proxy.close();
      await Deno.remove(kubeconfig).catch(() => {});
    },
  };
}

/**
 * A POSIX sh script printing `1`..`n`, one a line, about 100 lines a second
 * (a 0.1 s sleep after every 10th line), then exiting 0.
 *
 * @example
 * ```ts
 * numberedScript(6000); // about 60 s
 * ```
 */
export function numberedScript(n: number): string {
  return `i=1; while [ $i -le ${n} ]; do echo $i; i=$((i+1)); if [ $((i%10)) -eq 0 ]; then sleep 0.1; fi; done; exit 0`;
}

/** How the relayed lines compare with 1..n. */
/**
 * `kjo run` arguments for a Job in `namespace` that prints 1..n (see
 * {@linkcode numberedScript}), with JSON-lines output.
 *
 * @example
 * ```ts
 * startKjoWith(api.kubeconfig, numberedRunArgs("ns", 3000), 120_000);
 * ```
 */
export function numberedRunArgs(namespace: string, n: number): string[] {
  return [
    "run",
    "-n",
    namespace,
    "-o",
    "jsonl",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    numberedScript(n),
  ];
}

export interface Tally {
  expected: number;
  relayed: number;
  /** Numbers of 1..n never relayed. */
  lost: number;
  /** Relayed lines beyond the first copy of a number. */
  duplicated: number;
  /** Lines that are not a number of 1..n. */
  foreign: number;
  /** True when the lines are exactly 1..n in order. */
  exact: boolean;
  /** The first place the sequence went wrong, for the assertion message. */
  firstProblem?: string;
}

/**
 * Compares relayed lines with the sequence 1..n.
 *
 * @example
 * ```ts
 * tally(["1", "2", "2"], 3); // lost 1 (3), duplicated 1 (2)
 * ```
 */
export function tally(lines: string[], n: number): Tally {
  const seen = new Uint32Array(n + 1);
  let foreign = 0;
  let firstProblem: string | undefined;
  lines.forEach((line, index) => {
    const value = /^\d+$/.test(line) ? Number(line) : NaN;
    if (!(value >= 1 && value <= n)) {
      foreign++;
    } else {
      seen[value]++;
    }
    if (firstProblem === undefined && line !== String(index + 1)) {
      firstProblem = `line ${index + 1} is ${JSON.stringify(line)} (previous ${
        JSON.stringify(lines.slice(Math.max(0, index - 3), index))
      })`;
    }
  });
  let lost = 0;
  let duplicated = 0;
  for (let i = 1; i <= n; i++) {
    if (seen[i] === 0) lost++;
    else duplicated += seen[i] - 1;
  }
  const exact = firstProblem === undefined && lines.length === n;
  if (firstProblem === undefined && lines.length !== n) {
    firstProblem = `${lines.length} lines, expected ${n}`;
  }
  return { expected: n, relayed: lines.length, lost, duplicated, foreign, exact, firstProblem };
}

/**
 * The text of the log events of one container.
 *
 * @example
 * ```ts
 * const t = tally(logLines(outcome.events), 6000);
 * ```
 */
export function logLines(events: RunEvent[], container = "main"): string[] {
  return events.flatMap((e) => (e.type === "log" && e.container === container ? [e.line] : []));
}

/**
 * Prints the one line a scenario reports.
 *
 * @example
 * ```ts
 * report("resets every 7 s", tallied, result.stats, { duration: "190 s" });
 * ```
 */
export function report(
  scenario: string,
  t: Tally | undefined,
  stats: Partial<Record<string, number>> | undefined,
  extra: Record<string, string | number> = {},
): void {
  const parts = [`[fault] ${scenario}:`];
  if (t) {
    parts.push(
      `expected ${t.expected}, relayed ${t.relayed}, lost ${t.lost}, duplicated ${t.duplicated}${
        t.foreign ? `, foreign ${t.foreign}` : ""
      };`,
    );
  }
  if (stats) {
    parts.push(
      `reconnects log ${stats.logReconnects ?? "?"} / watch ${stats.watchReconnects ?? "?"}` +
        ` (relists ${stats.watchRelists ?? "?"}); stalls log ${stats.logStalls ?? "?"} / watch ${
          stats.watchStalls ?? "?"
        }; duplicates dropped ${stats.duplicatesDropped ?? "?"};`,
    );
  }
  for (const [key, value] of Object.entries(extra)) parts.push(`${key} ${value};`);
  console.log(parts.join(" "));
}

/**
 * Starts kjo with a kubeconfig (e.g. the proxy's) and a watchdog that kills
 * it (SIGKILL) after `limitMs`, so a hung run fails the test instead of
 * hanging the suite.
 *
 * @example
 * ```ts
 * const { outcome } = startKjoWith(api.kubeconfig, ["run", ...], 300_000);
 * ```
 */
export function startKjoWith(
  kubeconfig: string,
  args: string[],
  limitMs: number,
): { child: Deno.ChildProcess; outcome: Promise<KjoOutcome>; killedByWatchdog: () => boolean } {
  const started = startKjo(args, { env: { KUBECONFIG: kubeconfig } });
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    try {
      started.child.kill("SIGKILL");
    } catch { /* ended */ }
  }, limitMs);
  const outcome = started.outcome.finally(() => clearTimeout(watchdog));
  return { child: started.child, outcome, killedByWatchdog: () => killed };
}

/**
 * Info events whose message matches `pattern`, with their time in ms.
 *
 * @example
 * ```ts
 * const stalls = infoEvents(outcome.events, /^log of .*: stall/);
 * ```
 */
export function infoEvents(events: RunEvent[], pattern: RegExp): (InfoEvent & { ms: number })[] {
  return events.flatMap((e) =>
    e.type === "info" && pattern.test(e.message) ? [{ ...e, ms: Date.parse(e.time) }] : []
  );
}

/**
 * Text of the failure of a kjo process, for assertion messages.
 *
 * @example
 * ```ts
 * assert.equal(outcome.code, 0, describeOutcome(outcome));
 * ```
 */
export function describeOutcome(outcome: KjoOutcome): string {
  const result = outcome.events.at(-1);
  const infos = outcome.events.filter((e) => e.type === "info").slice(-15)
    .map((e) => `  ${e.time} ${(e as InfoEvent).message}`);
  return [
    `exit ${outcome.code}; result ${JSON.stringify(result)}`,
    `last info events:`,
    ...infos,
    `stderr (tail): ${outcome.stderr.slice(-2000)}`,
  ].join("\n");
}

const stateDir = Deno.env.get("KJO_DEVCLUSTER_DIR") ?? `${repoRoot}.devcluster`;

/**
 * Pid of the API server of the local cluster (from its pid file).
 *
 * @example
 * ```ts
 * const pid = await apiserverPid();
 * ```
 */
export async function apiserverPid(): Promise<number> {
  return Number((await Deno.readTextFile(`${stateDir}/pids/kube-apiserver.pid`)).trim());
}

/**
 * True while a process runs.
 *
 * @example
 * ```ts
 * isAlive(await apiserverPid());
 * ```
 */
export function isAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** How {@linkcode stopApiserver} stopped the API server. */
export interface ApiserverStop {
  /** When SIGTERM was sent (ms). */
  signalledAt: number;
  /** When the process was gone (ms). */
  goneAt: number;
  /** False when it was still draining long-running requests after the grace and got SIGKILL. */
  exitedBySelf: boolean;
}

/**
 * Stops the local API server: SIGTERM, then SIGKILL if it still runs after
 * `graceMs`. (On SIGTERM kube-apiserver stops listening at once but keeps
 * serving open long-running requests — log streams, watches — for up to 60 s;
 * `up.sh` cannot start a new one while the old process lives.)
 *
 * @example
 * ```ts
 * const stop = await stopApiserver(5_000);
 * ```
 */
export async function stopApiserver(graceMs: number): Promise<ApiserverStop> {
  const pid = await apiserverPid();
  const signalledAt = Date.now();
  Deno.kill(pid, "SIGTERM");
  let exitedBySelf = true;
  try {
    await waitFor(`kube-apiserver (pid ${pid}) to exit`, graceMs, () => !isAlive(pid));
  } catch {
    exitedBySelf = false;
    await killApiserver(pid);
  }
  return { signalledAt, goneAt: Date.now(), exitedBySelf };
}

async function killApiserver(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
  await waitFor(`kube-apiserver (pid ${pid}) to die`, 30_000, () => !isAlive(pid));
}

/**
 * Starts whatever component of the local cluster is stopped (`up.sh`, which
 * is idempotent and keeps the ports) and waits until `/readyz` answers. An
 * API server that still drains after SIGTERM (not ready) is killed first.
 *
 * @example
 * ```ts
 * try { ... } finally { await startCluster(); }
 * ```
 */
export async function startCluster(): Promise<void> {
  const pid = await apiserverPid().catch(() => 0);
  if (isAlive(pid) && !(await readyz())) await killApiserver(pid);
  const out = await new Deno.Command("bash", {
    args: [`${repoRoot}scripts/devcluster/up.sh`],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `up.sh failed (${out.code}): ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  await waitFor("kube-apiserver /readyz", 120_000, readyz);
}

/**
 * True when the API server answers /readyz with ok.
 *
 * @example
 * ```ts
 * await waitFor("readyz", 60_000, readyz);
 * ```
 */
export async function readyz(): Promise<boolean> {
  const pki = `${stateDir}/pki`;
  const ports = await Deno.readTextFile(`${stateDir}/ports.env`);
  const port = /API_PORT=(\d+)/.exec(ports)?.[1];
  const out = await new Deno.Command("curl", {
    args: [
      "-sf",
      "--max-time",
      "5",
      "--cacert",
      `${pki}/ca.crt`,
      "--cert",
      `${pki}/admin.crt`,
      "--key",
      `${pki}/admin.key`,
      `https://127.0.0.1:${port}/readyz`,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return out.success && new TextDecoder().decode(out.stdout).trim() === "ok";
}

/**
 * Jobs, Pods, ConfigMaps and Services of a namespace matching a label selector, as `Kind/name`.
 *
 * @example
 * ```ts
 * const left = await labelled(cluster, "kjo/run-id=abc");
 * ```
 */
export async function labelled(
  cluster: { core: k8s.CoreV1Api; batch: k8s.BatchV1Api; namespace: string },
  labelSelector: string,
): Promise<string[]> {
  const namespace = cluster.namespace;
  const [jobs, pods, cms, svcs] = await Promise.all([
    cluster.batch.listNamespacedJob({ namespace, labelSelector }),
    cluster.core.listNamespacedPod({ namespace, labelSelector }),
    cluster.core.listNamespacedConfigMap({ namespace, labelSelector }),
    cluster.core.listNamespacedService({ namespace, labelSelector }),
  ]);
  return [
    ...jobs.items.map((o) => `Job/${o.metadata?.name}`),
    ...pods.items.map((o) => `Pod/${o.metadata?.name}`),
    ...cms.items.map((o) => `ConfigMap/${o.metadata?.name}`),
    ...svcs.items.map((o) => `Service/${o.metadata?.name}`),
  ];
}

/**
 * Seconds since `startMs`, one decimal.
 *
 * @example
 * ```ts
 * secondsSince(started); // "12.3 s"
 * ```
 */
export function secondsSince(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/**
 * Waits until a pod of the namespace runs (the container prints), and returns
 * its name and run-id label.
 *
 * @example
 * ```ts
 * const { runId } = await waitForRunningPod(cluster);
 * ```
 */
export async function waitForRunningPod(
  cluster: { core: k8s.CoreV1Api; namespace: string },
  timeoutMs = 90_000,
): Promise<{ name: string; runId: string }> {
  return await waitFor(`a running pod in ${cluster.namespace}`, timeoutMs, async () => {
    const pods = await cluster.core.listNamespacedPod({ namespace: cluster.namespace });
    const pod = pods.items.find((p) => p.status?.phase === "Running");
    return pod && { name: pod.metadata!.name!, runId: pod.metadata?.labels?.["kjo/run-id"] ?? "" };
  });
}

/**
 * Resolves after `ms`.
 *
 * @example
 * ```ts
 * await sleepMs(5_000);
 * ```
 */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Seconds from the last relayed log line to the result (how long kjo took to decide and clean up).
 *
 * @example
 * ```ts
 * resultLag(outcome.events); // "1.1 s"
 * ```
 */
export function resultLag(events: RunEvent[]): string {
  const lastLog = events.findLast((e) => e.type === "log");
  const result = events.at(-1);
  if (!lastLog || result?.type !== "result") return "n/a";
  return `${((Date.parse(result.time) - Date.parse(lastLog.time)) / 1000).toFixed(1)} s`;
}
