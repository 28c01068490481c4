/**
 * Captures real Job and Pod objects from a cluster, for the table-driven
 * state rule tests (`tests/unit/kinds/captured_status_test.ts`).
 *
 * ```sh
 * deno run -A scripts/capture_status_samples.ts [--kubeconfig FILE] [--out DIR]
 * ```
 *
 * In a fresh namespace (deleted at the end) it creates one object per
 * scenario, polls each until the moments of interest are reached and saves
 * the object exactly as the API server returned it (only `apiVersion`,
 * `kind`, `metadata.name/labels/annotations`, `spec` and `status` are kept,
 * so no `managedFields`, uids or resource versions) as
 * `<scenario>.<moment>.json` under `fixtures/status/` (or `--out`), with
 * `index.json` listing each file with the state, reason and stuck containers
 * kjo's rules should find. Optional moments (interim conditions, the first
 * image pull error) are saved when a poll saw them.
 *
 * The default kubeconfig is the local cluster's (`.devcluster/kubeconfig`),
 * whose node agent runs each container's `command` as a host process: the
 * images are never pulled, except that those under `kjo.invalid` fail to.
 * Nothing is written unless every required moment was captured; files of
 * an earlier run that this run did not produce are removed.
 *
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import https from "node:https";
import http from "node:http";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** A JSON object as the API server returns it. */
type Json = Record<string, unknown>;

/** What kjo's rules should say about a captured object. */
interface Expectation {
  state: "Pending" | "Running" | "Succeeded" | "Failed";
  /** Left out when the rule gives no meaningful reason (e.g. a running Job). */
  reason?: string;
  /** Left out when the message just repeats the object's own text. */
  message?: string;
}

/** One moment of a scenario to capture. */
interface Moment {
  name: string;
  /** `self`: the created object; `pod`: the (first) pod of a created Job. */
  target?: "self" | "pod";
  /** `events`: the Events about the target so far (only for `withEvents` moments). */
  when: (o: Json, events: Json[]) => boolean;
  /**
   * Save the Events about the target too (`<scenario>.<moment>.events.json`,
   * a v1 EventList) and check the startup problems kjo finds in them.
   */
  withEvents?: boolean;
  /** Save the Node the pod is bound to as well (`<scenario>.<moment>.node.json`). */
  withNode?: boolean;
  /** Startup problem reasons kjo should find (`podStartupProblems` / `createProblem`). */
  problems?: string[];
  /** Text the first problem's message must contain (e.g. the missing Secret's name). */
  mentions?: string;
  /** Saved if seen; the scenario does not wait for it. */
  optional?: boolean;
  expect: Expectation;
  /** Waiting reasons `findStuckContainers` should report (pods only). */
  stuck?: string[];
  /** Checked after capture; a mismatch is recorded as a note, not an error. */
  check?: (o: Json) => string | undefined;
  note?: string;
}

interface Scenario {
  name: string;
  kind: "Pod" | "Job";
  /** The object to create, or a function of the scenario's namespace giving it. */
  body: k8s.V1Pod | k8s.V1Job | ((ns: string) => k8s.V1Pod | k8s.V1Job);
  moments: Moment[];
  /** Run in a namespace of its own (e.g. for a ResourceQuota that would hinder the others). */
  ownNamespace?: boolean;
  /** Creates what the scenario needs first (in its namespace). */
  setup?: (ctx: ScenarioContext) => Promise<void>;
  /** Removes cluster-scoped objects `setup` made. */
  teardown?: (ctx: ScenarioContext) => Promise<void>;
}

interface ScenarioContext {
  ns: string;
  raw: RawGetter;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
}

/** One entry of `index.json`. */
interface IndexEntry {
  file: string;
  kind: string;
  scenario: string;
  moment: string;
  expect: Expectation;
  stuck: string[];
  /** The Events file saved with this sample. */
  events?: string;
  /** The Node file saved with this sample. */
  node?: string;
  problems?: string[];
  mentions?: string;
  note?: string;
}

// ------------------------------------------------------------ field access

function rec(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Json : undefined;
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(rec).filter((x): x is Json => x !== undefined) : [];
}

function status(o: Json): Json {
  return rec(o.status) ?? {};
}

function count(o: Json, field: string): number {
  const n = status(o)[field];
  return typeof n === "number" ? n : 0;
}

function condition(o: Json, type: string): Json | undefined {
  return arr(status(o).conditions).find((c) => c.type === type);
}

function isTrue(o: Json, type: string): boolean {
  return condition(o, type)?.status === "True";
}

function phase(o: Json): string | undefined {
  return status(o).phase as string | undefined;
}

function containerStatus(o: Json, name: string): Json | undefined {
  const s = status(o);
  return [...arr(s.initContainerStatuses), ...arr(s.containerStatuses)].find((c) =>
    c.name === name
  );
}

function stateOf(o: Json, name: string): Json {
  return rec(containerStatus(o, name)?.state) ?? {};
}

function waitingReason(o: Json, name: string): string | undefined {
  return rec(stateOf(o, name).waiting)?.reason as string | undefined;
}

function exitCode(o: Json, name: string): number | undefined {
  return rec(stateOf(o, name).terminated)?.exitCode as number | undefined;
}

/** A waiting reason other than the ones every container starts with. */
function settledWaiting(o: Json, name: string): boolean {
  const r = waitingReason(o, name);
  return r !== undefined && r !== "ContainerCreating" && r !== "PodInitializing";
}

function expectWaiting(name: string, reason: string): (o: Json) => string | undefined {
  return (o) => {
    const got = waitingReason(o, name) ?? JSON.stringify(stateOf(o, name));
    return got === reason ? undefined : `the agent reported ${got} instead of ${reason}`;
  };
}

function hasEvent(events: Json[], reason: string): boolean {
  return events.some((e) => e.reason === reason);
}

/** Milliseconds since the object was created, by the local clock. */
function age(o: Json): number {
  const created = Date.parse(String(rec(o.metadata)?.creationTimestamp ?? ""));
  return Number.isFinite(created) ? Date.now() - created : 0;
}

function bound(o: Json): boolean {
  return typeof rec(o.spec)?.nodeName === "string";
}

// ------------------------------------------------------------ scenarios

const MAIN_ANNOTATION = "kubernetes_job_operator.main_container";
const IMAGE = "busybox:1.37";

function sh(script: string): string[] {
  return ["sh", "-c", script];
}

function podBody(
  name: string,
  spec: Partial<k8s.V1PodSpec> & Pick<k8s.V1PodSpec, "containers">,
  annotations?: Record<string, string>,
): k8s.V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: { "kjo/run-id": "capture", "kjo/scenario": name },
      ...(annotations ? { annotations } : {}),
    },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 2, ...spec },
  };
}

function jobBody(
  name: string,
  spec: Partial<k8s.V1JobSpec>,
  command: string[],
  pod: Partial<k8s.V1PodSpec> = {},
): k8s.V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: { "kjo/run-id": "capture", "kjo/scenario": name } },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        metadata: { labels: { "kjo/run-id": "capture" } },
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: "main",
            image: IMAGE,
            command,
            ...(pod.volumes
              ? {
                volumeMounts: pod.volumes.map((v) => ({
                  name: v.name,
                  mountPath: `/mnt/${v.name}`,
                })),
              }
              : {}),
          }],
          ...pod,
        },
      },
    },
  };
}

const COMPLETED: Expectation = {
  state: "Succeeded",
  reason: "CompletionsReached",
  message: "Reached expected number of succeeded pods",
};
const BACKOFF: Expectation = {
  state: "Failed",
  reason: "BackoffLimitExceeded",
  message: "Job has reached the specified backoff limit",
};
const DEADLINE: Expectation = {
  state: "Failed",
  reason: "DeadlineExceeded",
  message: "Job was active longer than specified deadline",
};

function exited(state: "Succeeded" | "Failed", what: string, code: number): Expectation {
  return {
    state,
    reason: code === 0 ? "Completed" : "Error",
    message: `${what} exited with code ${code}`,
  };
}

/** The Job is Pending while its only pod is active but not ready. */
const JOB_POD_PENDING: Expectation = { state: "Pending", message: "pods: 1 active, none ready" };
const LOST_NODE_SUFFIX = "-lost";

const scenarios: Scenario[] = [
  {
    name: "job_missing_secret_volume",
    kind: "Job",
    body: jobBody("job-missing-secret-volume", {}, sh("exit 0"), {
      volumes: [{ name: "creds", secret: { secretName: "kjo-capture-missing" } }],
    }),
    moments: [
      {
        name: "pod_pending",
        when: (o) => count(o, "active") === 1,
        expect: JOB_POD_PENDING,
      },
      {
        name: "failed_mount",
        target: "pod",
        withEvents: true,
        when: (o, events) =>
          waitingReason(o, "main") === "ContainerCreating" &&
          hasEvent(events, "FailedMount"),
        expect: { state: "Pending", reason: "ContainerCreating" },
        problems: ["FailedMount"],
        mentions: '"kjo-capture-missing" not found',
      },
    ],
  },
  {
    name: "job_missing_configmap_volume",
    kind: "Job",
    body: jobBody("job-missing-configmap-volume", {}, sh("exit 0"), {
      volumes: [{ name: "cfg", configMap: { name: "kjo-capture-missing-cm" } }],
    }),
    moments: [{
      name: "failed_mount",
      target: "pod",
      withEvents: true,
      when: (o, events) =>
        waitingReason(o, "main") === "ContainerCreating" && hasEvent(events, "FailedMount"),
      expect: { state: "Pending", reason: "ContainerCreating" },
      problems: ["FailedMount"],
      mentions: '"kjo-capture-missing-cm" not found',
    }],
  },
  {
    name: "job_unbound_claim",
    kind: "Job",
    body: jobBody("job-unbound-claim", {}, sh("exit 0"), {
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "kjo-capture-unbound" } }],
    }),
    setup: async ({ core, ns }) => {
      await core.createNamespacedPersistentVolumeClaim({
        namespace: ns,
        body: {
          metadata: { name: "kjo-capture-unbound" },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "kjo-nobody-provisions",
            resources: { requests: { storage: "1Mi" } },
          },
        },
      });
    },
    moments: [{
      name: "unbound",
      target: "pod",
      withEvents: true,
      when: (o) => condition(o, "PodScheduled")?.status === "False",
      expect: { state: "Pending", reason: "Unschedulable" },
      problems: ["UnboundPersistentVolumeClaim"],
      mentions: '"kjo-capture-unbound"',
    }],
  },
  {
    name: "job_quota_refused",
    kind: "Job",
    ownNamespace: true,
    body: jobBody("job-quota-refused", {}, sh("exit 0")),
    setup: async ({ core, ns }) => {
      await core.createNamespacedResourceQuota({
        namespace: ns,
        body: { metadata: { name: "no-pods" }, spec: { hard: { pods: "0" } } },
      });
    },
    moments: [{
      name: "failed_create",
      withEvents: true,
      when: (_, events) => hasEvent(events, "FailedCreate"),
      expect: { state: "Pending" },
      problems: ["FailedCreate"],
      // "exceeded quota: no-pods", or "status unknown for quota: no-pods" before the
      // quota controller has counted the namespace.
      mentions: "quota: no-pods",
    }],
  },
  {
    name: "job_node_not_ready",
    kind: "Job",
    body: (ns) =>
      jobBody("job-node-not-ready", {}, sh("exit 0"), { nodeName: ns + LOST_NODE_SUFFIX }),
    setup: async ({ core, ns }) => {
      await core.createNode({
        body: {
          metadata: { name: ns + LOST_NODE_SUFFIX },
          spec: { taints: [{ key: "kjo/capture", effect: "NoSchedule" }] },
          status: {
            conditions: [{
              type: "Ready",
              status: "False",
              reason: "KubeletNotReady",
              message: "node created by capture_status_samples.ts",
            }],
          },
        },
      });
    },
    teardown: async ({ core, ns }) => {
      await core.deleteNode({ name: ns + LOST_NODE_SUFFIX });
    },
    moments: [{
      name: "bound_not_acknowledged",
      target: "pod",
      withEvents: true,
      withNode: true,
      // A kubelet acknowledges a bound pod (status.startTime) within moments.
      when: (o) => bound(o) && !status(o).startTime && age(o) >= 5_000,
      expect: { state: "Pending" },
      problems: ["NodeLost"],
      mentions: "is not ready (Ready=False: KubeletNotReady",
    }],
  },
  {
    name: "job_succeeded",
    kind: "Job",
    body: jobBody("job-succeeded", {}, sh("sleep 4; exit 0")),
    moments: [
      {
        name: "running",
        when: (o) => count(o, "active") >= 1 && count(o, "ready") >= 1,
        expect: { state: "Running" },
      },
      {
        name: "success_criteria_met",
        optional: true,
        when: (o) => isTrue(o, "SuccessCriteriaMet") && !condition(o, "Complete"),
        expect: COMPLETED,
      },
      { name: "complete", when: (o) => isTrue(o, "Complete"), expect: COMPLETED },
    ],
  },
  {
    name: "job_failed",
    kind: "Job",
    body: jobBody("job-failed", {}, sh("exit 3")),
    moments: [
      {
        name: "failure_target",
        optional: true,
        when: (o) => isTrue(o, "FailureTarget") && !condition(o, "Failed"),
        expect: BACKOFF,
      },
      { name: "failed", when: (o) => isTrue(o, "Failed"), expect: BACKOFF },
      {
        name: "pod_failed",
        target: "pod",
        when: (o) => phase(o) === "Failed",
        expect: exited("Failed", "container main", 3),
      },
    ],
  },
  {
    name: "job_parallel",
    kind: "Job",
    body: jobBody("job-parallel", { completions: 3, parallelism: 3 }, sh("sleep 2")),
    moments: [
      {
        // The Job controller counts Pending pods as active.
        name: "starting",
        optional: true,
        when: (o) => count(o, "active") === 3 && count(o, "ready") === 0,
        expect: { state: "Pending", message: "pods: 3 active, none ready" },
      },
      {
        name: "running",
        optional: true,
        when: (o) => count(o, "ready") >= 1 && count(o, "succeeded") === 0,
        expect: { state: "Running" },
      },
      {
        name: "complete",
        when: (o) => isTrue(o, "Complete") && count(o, "succeeded") === 3,
        expect: COMPLETED,
      },
    ],
  },
  {
    name: "job_deadline",
    kind: "Job",
    body: jobBody("job-deadline", { activeDeadlineSeconds: 2 }, sh("sleep 30")),
    moments: [
      {
        name: "failure_target",
        optional: true,
        when: (o) => isTrue(o, "FailureTarget") && !condition(o, "Failed"),
        expect: DEADLINE,
      },
      { name: "failed", when: (o) => isTrue(o, "Failed"), expect: DEADLINE },
    ],
  },
  {
    name: "job_suspended",
    kind: "Job",
    body: jobBody("job-suspended", { suspend: true }, sh("exit 0")),
    moments: [{
      name: "suspended",
      when: (o) => isTrue(o, "Suspended"),
      expect: { state: "Pending", reason: "Suspended", message: "Job suspended" },
    }],
  },
  {
    name: "pod_succeeded",
    kind: "Pod",
    body: podBody("pod-succeeded", {
      containers: [{ name: "main", image: IMAGE, command: sh("exit 0") }],
    }),
    moments: [{
      name: "succeeded",
      when: (o) => phase(o) === "Succeeded",
      expect: { state: "Succeeded", reason: "Completed" },
    }],
  },
  {
    name: "pod_failed",
    kind: "Pod",
    body: podBody("pod-failed", {
      containers: [{ name: "main", image: IMAGE, command: sh("exit 3") }],
    }),
    moments: [{
      name: "failed",
      when: (o) => phase(o) === "Failed",
      expect: exited("Failed", "container main", 3),
    }],
  },
  {
    name: "pod_main_failed_sidecar_running",
    kind: "Pod",
    body: podBody("pod-main-failed", {
      containers: [
        { name: "main", image: IMAGE, command: sh("sleep 1; exit 3") },
        { name: "side-car", image: IMAGE, command: sh("sleep 60") },
      ],
    }, { [MAIN_ANNOTATION]: "main" }),
    moments: [{
      name: "main_exited",
      when: (o) => exitCode(o, "main") !== undefined && !!stateOf(o, "side-car").running,
      expect: exited("Failed", "container main", 3),
    }],
  },
  {
    name: "pod_main_succeeded_sidecar_running",
    kind: "Pod",
    body: podBody("pod-main-succeeded", {
      containers: [
        { name: "main", image: IMAGE, command: sh("sleep 1; exit 0") },
        { name: "side-car", image: IMAGE, command: sh("sleep 60") },
      ],
    }, { [MAIN_ANNOTATION]: "main" }),
    moments: [{
      name: "main_exited",
      when: (o) => exitCode(o, "main") !== undefined && !!stateOf(o, "side-car").running,
      expect: exited("Succeeded", "container main", 0),
    }],
  },
  {
    name: "pod_image_pull",
    kind: "Pod",
    body: podBody("pod-image-pull", {
      containers: [{ name: "main", image: "kjo.invalid/x:1", command: sh("exit 0") }],
    }),
    moments: [
      {
        name: "err_image_pull",
        optional: true,
        when: (o) => waitingReason(o, "main") === "ErrImagePull",
        expect: { state: "Pending", reason: "ErrImagePull" },
        stuck: ["ErrImagePull"],
      },
      {
        name: "image_pull_backoff",
        when: (o) => waitingReason(o, "main") === "ImagePullBackOff",
        expect: { state: "Pending", reason: "ImagePullBackOff" },
        stuck: ["ImagePullBackOff"],
      },
    ],
  },
  {
    name: "pod_no_command",
    kind: "Pod",
    body: podBody("pod-no-command", { containers: [{ name: "main", image: IMAGE }] }),
    moments: [{
      name: "create_container_error",
      when: (o) => settledWaiting(o, "main") || exitCode(o, "main") !== undefined,
      check: expectWaiting("main", "CreateContainerError"),
      expect: { state: "Pending", reason: "CreateContainerError" },
      stuck: ["CreateContainerError"],
      note: "the agent cannot run an image's entrypoint, so a container without a command " +
        "is a CreateContainerError here; a real kubelet would run the image's ENTRYPOINT",
    }],
  },
  {
    name: "pod_missing_secret",
    kind: "Pod",
    body: podBody("pod-missing-secret", {
      containers: [{
        name: "main",
        image: IMAGE,
        command: sh("exit 0"),
        env: [{
          name: "PASSWORD",
          valueFrom: { secretKeyRef: { name: "db-creds", key: "password" } },
        }],
      }],
    }),
    moments: [{
      name: "create_container_config_error",
      when: (o) => settledWaiting(o, "main") || exitCode(o, "main") !== undefined,
      check: expectWaiting("main", "CreateContainerConfigError"),
      expect: { state: "Pending", reason: "CreateContainerConfigError" },
      stuck: ["CreateContainerConfigError"],
    }],
  },
  {
    name: "pod_unschedulable",
    kind: "Pod",
    body: podBody("pod-unschedulable", {
      containers: [{
        name: "main",
        image: IMAGE,
        command: sh("exit 0"),
        resources: { requests: { cpu: "1000" } },
      }],
    }),
    moments: [{
      name: "unschedulable",
      when: (o) => condition(o, "PodScheduled")?.status === "False",
      expect: { state: "Pending", reason: "Unschedulable" },
    }],
  },
  {
    name: "pod_init_failed",
    kind: "Pod",
    body: podBody("pod-init-failed", {
      initContainers: [{ name: "setup", image: IMAGE, command: sh("exit 1") }],
      containers: [{ name: "main", image: IMAGE, command: sh("exit 0") }],
    }),
    moments: [{
      name: "failed",
      when: (o) => phase(o) === "Failed",
      expect: exited("Failed", "init container setup", 1),
    }],
  },
  {
    name: "pod_crash_loop",
    kind: "Pod",
    body: podBody("pod-crash-loop", {
      restartPolicy: "OnFailure",
      containers: [{ name: "main", image: IMAGE, command: sh("exit 1") }],
    }),
    moments: [{
      name: "crash_loop_backoff",
      when: (o) =>
        waitingReason(o, "main") === "CrashLoopBackOff" &&
        Number(containerStatus(o, "main")?.restartCount ?? 0) > 0,
      expect: { state: "Running", reason: "CrashLoopBackOff" },
    }],
  },
];

// ------------------------------------------------------------ API access

/** Raw JSON GETs, so objects are saved as the API server sent them (client-node's typed
 * models would turn timestamps into Dates and drop fields they do not know). */
class RawGetter {
  readonly #server: string;
  constructor(readonly kc: k8s.KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kube config: the current context names no cluster");
    this.#server = cluster.server.replace(/\/+$/, "");
  }

  async get(path: string): Promise<Json | undefined> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const url = new URL(this.#server + path);
    const mod = url.protocol === "https:" ? https : http;
    return await new Promise<Json | undefined>((resolvePromise, reject) => {
      const req = mod.request(url, {
        ...opts,
        method: "GET",
        headers: { ...(opts.headers as Record<string, string>), Accept: "application/json" },
        timeout: 10_000,
      }, (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (c: Uint8Array) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = new TextDecoder().decode(concat(chunks));
          if (res.statusCode === 404) return resolvePromise(undefined);
          if (res.statusCode !== 200) {
            return reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
          }
          resolvePromise(JSON.parse(body) as Json);
        });
      });
      req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The object as saved: no managedFields, uids, resource versions or timestamps of metadata. */
function snapshot(o: Json): Json {
  const meta = rec(o.metadata) ?? {};
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: meta.name,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec: o.spec,
    status: o.status,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------ capture

interface Captured {
  entry: IndexEntry;
  object: Json;
  /** The Events saved with the sample. */
  events?: { file: string; list: Json };
  /** The pod's Node saved with the sample. */
  node?: { file: string; object: Json };
}

const POLL_MS = 250;
const MOMENT_TIMEOUT_MS = 120_000;

/** An Event as saved: what kjo reads, without uids, resource versions or managedFields. */
function eventSnapshot(e: Json): Json {
  const involved = rec(e.involvedObject) ?? {};
  const keep = (o: Json, keys: string[]) =>
    Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: rec(e.metadata)?.name },
    involvedObject: keep(involved, ["apiVersion", "kind", "name", "fieldPath"]),
    ...keep(e, [
      "reason",
      "message",
      "type",
      "count",
      "firstTimestamp",
      "lastTimestamp",
      "eventTime",
      "series",
      "source",
      "reportingComponent",
    ]),
  };
}

async function runScenario(s: Scenario, ctx: ScenarioContext): Promise<Captured[]> {
  const { ns, raw } = ctx;
  const body = typeof s.body === "function" ? s.body(ns) : s.body;
  const name = body.metadata!.name!;
  await s.setup?.(ctx);
  let selfPath: string;
  if (s.kind === "Job") {
    await ctx.batch.createNamespacedJob({ namespace: ns, body: body as k8s.V1Job });
    selfPath = `/apis/batch/v1/namespaces/${ns}/jobs/${name}`;
  } else {
    await ctx.core.createNamespacedPod({ namespace: ns, body: body as k8s.V1Pod });
    selfPath = `/api/v1/namespaces/${ns}/pods/${name}`;
  }
  const podsPath = `/api/v1/namespaces/${ns}/pods?labelSelector=` +
    encodeURIComponent(`batch.kubernetes.io/job-name=${name}`);
  const eventsOf = async (o: Json): Promise<Json[]> => {
    const uid = rec(o.metadata)?.uid;
    const list = await raw.get(
      `/api/v1/namespaces/${ns}/events?fieldSelector=` +
        encodeURIComponent(`involvedObject.uid=${uid}`),
    );
    return arr(list?.items);
  };

  const out: Captured[] = [];
  const pending = new Set(s.moments);
  let deadline = Date.now() + MOMENT_TIMEOUT_MS;
  const requiredLeft = () => [...pending].filter((m) => !m.optional);
  while (requiredLeft().length > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `${s.name}: timed out waiting for ${requiredLeft().map((m) => m.name).join(", ")}`,
      );
    }
    const self = await raw.get(selfPath);
    const needsPod = [...pending].some((m) => m.target === "pod");
    const pod = needsPod ? arr((await raw.get(podsPath))?.items)[0] : undefined;
    for (const m of [...pending]) {
      const o = m.target === "pod" ? pod : self;
      if (!o) continue;
      const events = m.withEvents ? await eventsOf(o) : [];
      if (!m.when(o, events)) continue;
      pending.delete(m);
      deadline = Date.now() + MOMENT_TIMEOUT_MS;
      const object = snapshot(
        m.target === "pod" ? { apiVersion: "v1", kind: "Pod", ...o } : o,
      );
      const mismatch = m.check?.(object);
      const note = [m.note, mismatch].filter(Boolean).join("; ") || undefined;
      if (mismatch) console.warn(`${s.name}.${m.name}: ${mismatch}`);
      const file = `${s.name}.${m.name}.json`;
      const eventsFile = m.withEvents ? `${s.name}.${m.name}.events.json` : undefined;
      const nodeName = rec(o.spec)?.nodeName;
      const node = m.withNode && typeof nodeName === "string"
        ? await raw.get(`/api/v1/nodes/${nodeName}`)
        : undefined;
      if (m.withNode && !node) throw new Error(`${s.name}.${m.name}: no Node ${nodeName}`);
      const nodeFile = node ? `${s.name}.${m.name}.node.json` : undefined;
      out.push({
        object,
        ...(node && nodeFile
          ? { node: { file: nodeFile, object: { ...snapshot(node), spec: undefined } } }
          : {}),
        ...(eventsFile
          ? {
            events: {
              file: eventsFile,
              list: { apiVersion: "v1", kind: "EventList", items: events.map(eventSnapshot) },
            },
          }
          : {}),
        entry: {
          file,
          kind: String(object.kind),
          scenario: s.name,
          moment: m.name,
          expect: m.expect,
          stuck: m.stuck ?? [],
          ...(eventsFile ? { events: eventsFile } : {}),
          ...(nodeFile ? { node: nodeFile } : {}),
          ...(m.problems ? { problems: m.problems } : {}),
          ...(m.mentions ? { mentions: m.mentions } : {}),
          ...(note ? { note } : {}),
        },
      });
      console.log(`captured ${s.name}.${m.name}`);
    }
    // Optional moments the object has moved past are no longer possible.
    if (requiredLeft().length > 0) await sleep(POLL_MS);
  }
  const order = s.moments.map((m) => m.name);
  return out.sort((a, b) => order.indexOf(a.entry.moment) - order.indexOf(b.entry.moment));
}

/** Runs a scenario in the shared namespace, or in one of its own; then its teardown. */
async function withNamespace(s: Scenario, ctx: ScenarioContext): Promise<Captured[]> {
  const own = s.ownNamespace ? `${ctx.ns}-${s.name.replaceAll("_", "-")}`.slice(0, 63) : undefined;
  const scenarioCtx = own ? { ...ctx, ns: own } : ctx;
  if (own) {
    await ctx.core.createNamespace({ body: { metadata: { name: own } } });
    const saDeadline = Date.now() + 30_000;
    while (!(await ctx.raw.get(`/api/v1/namespaces/${own}/serviceaccounts/default`))) {
      if (Date.now() > saDeadline) throw new Error(`no default ServiceAccount in ${own}`);
      await sleep(200);
    }
  }
  try {
    return await runScenario(s, scenarioCtx);
  } finally {
    await s.teardown?.(scenarioCtx).catch((e) =>
      console.error(`${s.name}: teardown failed: ${e?.message ?? e}`)
    );
    if (own) {
      await ctx.core.deleteNamespace({ name: own }).catch((e) =>
        console.error(`could not delete namespace ${own}: ${e?.message ?? e}`)
      );
    }
  }
}

function parseArgs(args: string[]): { kubeconfig: string; out: string } {
  let kubeconfig = join(repoRoot, ".devcluster/kubeconfig");
  let out = join(repoRoot, "fixtures/status");
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = () => inline ?? args[++i];
    if (flag === "--kubeconfig") kubeconfig = resolve(value());
    else if (flag === "--out") out = resolve(value());
    else {
      console.error(
        "usage: deno run -A scripts/capture_status_samples.ts " +
          "[--kubeconfig FILE] [--out DIR]",
      );
      Deno.exit(2);
    }
  }
  return { kubeconfig, out };
}

async function main(): Promise<void> {
  const { kubeconfig, out } = parseArgs(Deno.args);
  if (!existsSync(kubeconfig)) {
    throw new Error(`${kubeconfig} is missing; start the local cluster (deno task cluster:up)`);
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const raw = new RawGetter(kc);
  const version = await raw.get("/version");

  const ns = `kjo-capture-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const started = Date.now();
  let captured: Captured[];
  try {
    const saDeadline = Date.now() + 30_000;
    while (!(await raw.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`))) {
      if (Date.now() > saDeadline) throw new Error(`no default ServiceAccount in ${ns}`);
      await sleep(200);
    }
    const results = await Promise.allSettled(
      scenarios.map((s) => withNamespace(s, { ns, raw, core, batch })),
    );
    const errors = results.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
    if (errors.length > 0) {
      for (const e of errors) console.error(String(e?.message ?? e));
      throw new Error(`${errors.length} scenario(s) failed; ${out} left unchanged`);
    }
    captured = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
  } finally {
    await core.deleteNamespace({ name: ns }).catch((e) =>
      console.error(`could not delete namespace ${ns}: ${e?.message ?? e}`)
    );
  }

  mkdirSync(out, { recursive: true });
  const files = new Set(
    captured.flatMap((c) => [c.entry.file, c.events?.file ?? "", c.node?.file ?? ""]),
  );
  for (const f of readdirSync(out)) {
    if (f.endsWith(".json") && f !== "index.json" && !files.has(f)) rmSync(join(out, f));
  }
  for (const c of captured) {
    writeFileSync(join(out, c.entry.file), JSON.stringify(c.object, null, 2) + "\n");
    if (c.events) {
      writeFileSync(join(out, c.events.file), JSON.stringify(c.events.list, null, 2) + "\n");
    }
    if (c.node) {
      writeFileSync(join(out, c.node.file), JSON.stringify(c.node.object, null, 2) + "\n");
    }
  }
  const index = {
    description: "Objects captured by scripts/capture_status_samples.ts from the local " +
      "cluster (API server, controllers and scheduler of Kubernetes; the node agent of " +
      "scripts/devcluster/ in place of a kubelet), with what kjo's state rules should say.",
    server: version?.gitVersion,
    samples: captured.map((c) => c.entry),
  };
  writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 2) + "\n");
  console.log(
    `wrote ${captured.length} samples to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(String((err as Error)?.message ?? err));
    Deno.exit(1);
  }
}
