/**
 * Status objects written the way a Kubernetes 1.35 API server, Job controller
 * and kubelet write them (field sets and reasons/messages as of v1.35.4:
 * interim `FailureTarget`/`SuccessCriteriaMet` before `Failed`/`Complete`,
 * `terminating` and `ready` counters, `observedGeneration` on pods, status
 * `volumeMounts`/`user` on containers). Shared by the kinds, runner and
 * output tests.
 *
 * @module
 */

import type { KubeObject } from "../../../src/kube/kube_object.ts";

const NS = "default";
const T0 = "2026-11-29T10:00:00Z";
const T1 = "2026-11-29T10:00:02Z";
const T2 = "2026-11-29T10:00:07Z";
const T3 = "2026-11-29T10:00:09Z";

// ---------------------------------------------------------------- Jobs

const JOB_UID = "5d0c4b1e-7a3f-4e43-9d59-0c1f7f6a2b11";

function job(
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  name = "build-x1y2",
): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: NS,
      uid: JOB_UID,
      resourceVersion: "1184",
      generation: 1,
      creationTimestamp: T0,
      labels: { "kjo/run-id": "r-7f3k2" },
      annotations: {},
    },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      completionMode: "NonIndexed",
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: "TerminatingOrFailed",
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": JOB_UID } },
      template: {
        metadata: {
          labels: {
            "batch.kubernetes.io/controller-uid": JOB_UID,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": JOB_UID,
            "job-name": name,
            "kjo/run-id": "r-7f3k2",
          },
        },
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "main",
            image: "busybox:1.37",
            command: ["sh", "-c", "exit 3"],
            imagePullPolicy: "IfNotPresent",
            resources: {},
            terminationMessagePath: "/dev/termination-log",
            terminationMessagePolicy: "File",
          }],
          dnsPolicy: "ClusterFirst",
          schedulerName: "default-scheduler",
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
      ...spec,
    },
    status,
  };
}

function cond(type: string, status: string, reason?: string, message?: string, at = T2) {
  return {
    type,
    status,
    lastProbeTime: at,
    lastTransitionTime: at,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

const BACKOFF_MSG = "Job has reached the specified backoff limit";
const DEADLINE_MSG = "Job was active longer than specified deadline";
const COMPLETIONS_MSG = "Reached expected number of succeeded pods";

/** Jobs, keyed by scenario. */
export const jobs = {
  /** Just created: the API server stores an empty status. */
  created: job({}),
  /** First sync of the controller: start time set, pod created but not ready. */
  starting: job({
    startTime: T0,
    active: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  }),
  running: job({ startTime: T0, active: 1, ready: 1, terminating: 0, uncountedTerminatedPods: {} }),
  /** A pod failed and its replacement is not created yet (no pod active). */
  betweenRetries: job({
    startTime: T0,
    failed: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  }),
  /** Backoff limit reached; pods still terminating: interim FailureTarget only. */
  failureTarget: job({
    startTime: T0,
    failed: 2,
    ready: 0,
    terminating: 1,
    uncountedTerminatedPods: {},
    conditions: [cond("FailureTarget", "True", "BackoffLimitExceeded", BACKOFF_MSG)],
  }),
  failed: job({
    startTime: T0,
    failed: 2,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [
      cond("FailureTarget", "True", "BackoffLimitExceeded", BACKOFF_MSG, T2),
      cond("Failed", "True", "BackoffLimitExceeded", BACKOFF_MSG, T3),
    ],
  }),
  deadlineExceeded: job(
    {
      startTime: T0,
      failed: 1,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      conditions: [
        cond("FailureTarget", "True", "DeadlineExceeded", DEADLINE_MSG, T2),
        cond("Failed", "True", "DeadlineExceeded", DEADLINE_MSG, T3),
      ],
    },
    { activeDeadlineSeconds: 5 },
  ),
  podFailurePolicy: job({
    startTime: T0,
    failed: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [
      cond(
        "FailureTarget",
        "True",
        "PodFailurePolicy",
        "Container main for pod default/build-x1y2-8kq2d failed with exit code 42 matching FailJob rule at index 0",
      ),
      cond(
        "Failed",
        "True",
        "PodFailurePolicy",
        "Container main for pod default/build-x1y2-8kq2d failed with exit code 42 matching FailJob rule at index 0",
        T3,
      ),
    ],
  }),
  /** Succeeded pod counted; the pod's finalizer not yet removed: interim condition. */
  successCriteriaMet: job({
    startTime: T0,
    succeeded: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [cond("SuccessCriteriaMet", "True", "CompletionsReached", COMPLETIONS_MSG)],
  }),
  complete: job({
    startTime: T0,
    completionTime: T3,
    succeeded: 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [
      cond("SuccessCriteriaMet", "True", "CompletionsReached", COMPLETIONS_MSG, T2),
      cond("Complete", "True", "CompletionsReached", COMPLETIONS_MSG, T3),
    ],
  }),
  suspended: job(
    {
      ready: 0,
      terminating: 0,
      conditions: [cond("Suspended", "True", "JobSuspended", "Job suspended", T0)],
    },
    { suspend: true },
  ),
  /** Resumed after a suspension: the Suspended condition stays, with status False. */
  resumed: job({
    startTime: T1,
    active: 1,
    ready: 1,
    terminating: 0,
    uncountedTerminatedPods: {},
    conditions: [cond("Suspended", "False", "JobResumed", "Job resumed", T1)],
  }),
  /**
   * Synthetic: condition types present with status False/Unknown. The
   * original operator read these as finished.
   */
  falseConditions: job({
    startTime: T0,
    active: 1,
    ready: 1,
    terminating: 0,
    conditions: [
      cond("Failed", "False", "BackoffLimitExceeded", BACKOFF_MSG),
      cond("Complete", "Unknown"),
    ],
  }),
} satisfies Record<string, KubeObject>;

// ---------------------------------------------------------------- Pods

interface ContainerSample {
  name: string;
  image?: string;
  /** `running`, or a waiting reason, or a terminated exit code. */
  state:
    | { running: true }
    | { waiting: string; message?: string }
    | { exit: number; reason?: string; message?: string };
  last?: { exit: number; reason?: string };
  restartCount?: number;
  /** For init containers: `restartPolicy: Always` (a native sidecar). */
  sidecar?: boolean;
}

interface PodSample {
  name?: string;
  phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  restartPolicy?: "Never" | "OnFailure" | "Always";
  annotations?: Record<string, string>;
  init?: ContainerSample[];
  containers: ContainerSample[];
  scheduled?: boolean | { reason: string; message: string };
  reason?: string;
  message?: string;
  /** Pod of the Job sample (labels and owner reference). */
  ofJob?: boolean;
}

const POD_IP = "10.244.0.17";
const NODE = "kjo-node-0";

function containerSpec(c: ContainerSample) {
  return {
    name: c.name,
    image: c.image ?? "busybox:1.37",
    command: ["sh", "-c", "run-task"],
    resources: {},
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
    ...(c.sidecar ? { restartPolicy: "Always" } : {}),
  };
}

function containerStatus(c: ContainerSample) {
  const image = c.image ?? "busybox:1.37";
  const s = c.state;
  let state: Record<string, unknown>;
  let started = false;
  let ready = false;
  let imageID =
    "docker.io/library/busybox@sha256:f85340bf132ae937d2c2a763b8335c9bab35d6e8293f70f606b9c6178d84f42b";
  let containerID: string | undefined =
    "containerd://4f7b0c2e1d5a9e3b8c6f0a1d2e3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b";
  if ("running" in s) {
    state = { running: { startedAt: T1 } };
    started = true;
    ready = true;
  } else if ("waiting" in s) {
    state = { waiting: { reason: s.waiting, ...(s.message ? { message: s.message } : {}) } };
    imageID = "";
    containerID = c.last ? containerID : undefined;
  } else {
    state = {
      terminated: {
        exitCode: s.exit,
        reason: s.reason ?? (s.exit === 0 ? "Completed" : "Error"),
        ...(s.message ? { message: s.message } : {}),
        startedAt: T1,
        finishedAt: T2,
        containerID,
      },
    };
  }
  return {
    name: c.name,
    state,
    lastState: c.last
      ? {
        terminated: {
          exitCode: c.last.exit,
          reason: c.last.reason ?? "Error",
          startedAt: T0,
          finishedAt: T1,
          containerID,
        },
      }
      : {},
    ready,
    restartCount: c.restartCount ?? (c.last ? 1 : 0),
    image,
    imageID,
    ...(containerID ? { containerID } : {}),
    started,
    volumeMounts: [{
      name: "kube-api-access-h7x2p",
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      readOnly: true,
      recursiveReadOnly: "Disabled",
    }],
    ...(imageID ? { user: { linux: { uid: 0, gid: 0, supplementalGroups: [0, 10] } } } : {}),
  };
}

function podCondition(type: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    type,
    status,
    observedGeneration: 1,
    lastProbeTime: null,
    lastTransitionTime: T1,
    ...extra,
  };
}

/** Builds a pod as the API server returns it. */
export function pod(sample: PodSample): KubeObject {
  const name = sample.name ?? (sample.ofJob ? "build-x1y2-8kq2d" : "task-p9w4z");
  const scheduled = sample.scheduled ?? true;
  const all = [...(sample.init ?? []), ...sample.containers];
  const allReady = sample.phase === "Running" &&
    all.every((c) => "running" in c.state || (c.sidecar ?? false));
  const conditions = scheduled === true
    ? [
      podCondition("PodReadyToStartContainers", sample.phase === "Pending" ? "False" : "True"),
      podCondition(
        "Initialized",
        (sample.init ?? []).every((c) => "exit" in c.state || c.sidecar) ? "True" : "False",
      ),
      podCondition(
        "Ready",
        allReady ? "True" : "False",
        allReady ? {} : { reason: "ContainersNotReady" },
      ),
      podCondition(
        "ContainersReady",
        allReady ? "True" : "False",
        allReady ? {} : { reason: "ContainersNotReady" },
      ),
      podCondition("PodScheduled", "True", { lastTransitionTime: T0 }),
    ]
    : [podCondition("PodScheduled", "False", {
      lastTransitionTime: T0,
      ...(typeof scheduled === "object" ? scheduled : { reason: "Unschedulable" }),
    })];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: NS,
      uid: "a1f0e6c2-3b7d-4c1e-8f2a-9d0b6e5c4a3f",
      resourceVersion: "1201",
      generation: 1,
      creationTimestamp: T0,
      labels: sample.ofJob
        ? {
          "batch.kubernetes.io/controller-uid": JOB_UID,
          "batch.kubernetes.io/job-name": "build-x1y2",
          "controller-uid": JOB_UID,
          "job-name": "build-x1y2",
          "kjo/run-id": "r-7f3k2",
        }
        : { "kjo/run-id": "r-7f3k2" },
      ...(sample.annotations ? { annotations: sample.annotations } : {}),
      ...(sample.ofJob
        ? {
          generateName: "build-x1y2-",
          finalizers: ["batch.kubernetes.io/job-tracking"],
          ownerReferences: [{
            apiVersion: "batch/v1",
            kind: "Job",
            name: "build-x1y2",
            uid: JOB_UID,
            controller: true,
            blockOwnerDeletion: true,
          }],
        }
        : {}),
    },
    spec: {
      ...(sample.init ? { initContainers: sample.init.map(containerSpec) } : {}),
      containers: sample.containers.map(containerSpec),
      restartPolicy: sample.restartPolicy ?? "Never",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      serviceAccount: "default",
      ...(scheduled === true ? { nodeName: NODE } : {}),
      securityContext: {},
      schedulerName: "default-scheduler",
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {
      observedGeneration: 1,
      phase: sample.phase,
      conditions,
      ...(sample.reason ? { reason: sample.reason } : {}),
      ...(sample.message ? { message: sample.message } : {}),
      ...(scheduled === true
        ? {
          hostIP: "127.0.0.1",
          hostIPs: [{ ip: "127.0.0.1" }],
          ...(sample.phase === "Pending" ? {} : { podIP: POD_IP, podIPs: [{ ip: POD_IP }] }),
          startTime: T0,
          ...(sample.init ? { initContainerStatuses: sample.init.map(containerStatus) } : {}),
          containerStatuses: sample.containers.map(containerStatus),
        }
        : {}),
      qosClass: "BestEffort",
    },
  };
}

const MAIN = { "kubernetes_job_operator.main_container": "main" };
const PULL_MSG = 'Back-off pulling image "kjo.invalid/missing:1"';
const ERR_PULL_MSG =
  'failed to pull and unpack image "kjo.invalid/missing:1": failed to resolve reference ' +
  '"kjo.invalid/missing:1": failed to do request: Head "https://kjo.invalid/v2/missing/manifests/1": ' +
  "dial tcp: lookup kjo.invalid: no such host";

/** Pods, keyed by scenario. */
export const pods = {
  unschedulable: pod({
    phase: "Pending",
    containers: [{ name: "main", state: { running: true } }],
    scheduled: {
      reason: "Unschedulable",
      message:
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: " +
        "1 No preemption victims found for incoming pod.",
    },
  }),
  creating: pod({
    phase: "Pending",
    containers: [{ name: "main", state: { waiting: "ContainerCreating" } }],
  }),
  errImagePull: pod({
    phase: "Pending",
    containers: [{
      name: "main",
      image: "kjo.invalid/missing:1",
      state: { waiting: "ErrImagePull", message: ERR_PULL_MSG },
    }],
  }),
  imagePullBackOff: pod({
    phase: "Pending",
    containers: [{
      name: "main",
      image: "kjo.invalid/missing:1",
      state: { waiting: "ImagePullBackOff", message: PULL_MSG },
    }],
  }),
  invalidImageName: pod({
    phase: "Pending",
    containers: [{
      name: "main",
      image: "Busybox:Latest",
      state: {
        waiting: "InvalidImageName",
        message: 'Failed to apply default image tag "Busybox:Latest": couldn\'t parse image name ' +
          '"Busybox:Latest": invalid reference format: repository name (library/Busybox) must be lowercase',
      },
    }],
  }),
  configError: pod({
    phase: "Pending",
    containers: [{
      name: "main",
      state: { waiting: "CreateContainerConfigError", message: 'secret "db-creds" not found' },
    }],
  }),
  initImagePull: pod({
    phase: "Pending",
    init: [{
      name: "fetch",
      image: "kjo.invalid/fetch:2",
      state: {
        waiting: "ImagePullBackOff",
        message: 'Back-off pulling image "kjo.invalid/fetch:2"',
      },
    }],
    containers: [{ name: "main", state: { waiting: "PodInitializing" } }],
  }),
  running: pod({ phase: "Running", containers: [{ name: "main", state: { running: true } }] }),
  succeeded: pod({ phase: "Succeeded", containers: [{ name: "main", state: { exit: 0 } }] }),
  failed: pod({ phase: "Failed", ofJob: true, containers: [{ name: "main", state: { exit: 3 } }] }),
  oomKilled: pod({
    phase: "Failed",
    containers: [{ name: "main", state: { exit: 137, reason: "OOMKilled" } }],
  }),
  deadlineExceeded: pod({
    phase: "Failed",
    reason: "DeadlineExceeded",
    message: "Pod was active on the node longer than the specified deadline",
    containers: [{ name: "main", state: { exit: 137, reason: "Error" } }],
  }),
  initFailed: pod({
    phase: "Failed",
    init: [{ name: "setup", state: { exit: 1 } }],
    containers: [{ name: "main", state: { waiting: "PodInitializing" } }],
  }),
  /** No annotation, restartPolicy Never: one container failed, the other still runs. */
  oneFailedOtherRunning: pod({
    phase: "Running",
    containers: [{ name: "main", state: { exit: 2 } }, { name: "proxy", state: { running: true } }],
  }),
  /** No annotation: one container done, the other still runs. */
  oneDoneOtherRunning: pod({
    phase: "Running",
    containers: [{ name: "main", state: { exit: 0 } }, { name: "proxy", state: { running: true } }],
  }),
  crashLoop: pod({
    phase: "Running",
    restartPolicy: "OnFailure",
    containers: [{
      name: "main",
      state: {
        waiting: "CrashLoopBackOff",
        message:
          "back-off 20s restarting failed container=main pod=task-p9w4z_default(a1f0e6c2-3b7d-4c1e-8f2a-9d0b6e5c4a3f)",
      },
      last: { exit: 1 },
      restartCount: 3,
    }],
  }),
  mainFailedSidecarRunning: pod({
    phase: "Running",
    annotations: MAIN,
    containers: [{ name: "main", state: { exit: 3 } }, {
      name: "side-car",
      state: { running: true },
    }],
  }),
  mainSucceededSidecarRunning: pod({
    phase: "Running",
    annotations: MAIN,
    containers: [{ name: "main", state: { exit: 0 } }, {
      name: "side-car",
      state: { running: true },
    }],
  }),
  mainRunningSidecarFailed: pod({
    phase: "Running",
    annotations: MAIN,
    containers: [{ name: "main", state: { running: true } }, {
      name: "side-car",
      state: { exit: 1 },
    }],
  }),
  /** The sidecar was killed after main succeeded: phase Failed, main decides. */
  mainSucceededSidecarKilled: pod({
    phase: "Failed",
    annotations: MAIN,
    containers: [{ name: "main", state: { exit: 0 } }, { name: "side-car", state: { exit: 137 } }],
  }),
  mainFailedOnFailure: pod({
    phase: "Running",
    restartPolicy: "OnFailure",
    annotations: MAIN,
    containers: [
      {
        name: "main",
        state: { waiting: "CrashLoopBackOff", message: "back-off 10s restarting failed container" },
        last: { exit: 3 },
      },
      { name: "side-car", state: { running: true } },
    ],
  }),
  mainTerminatedOnFailure: pod({
    phase: "Running",
    restartPolicy: "OnFailure",
    annotations: MAIN,
    containers: [{ name: "main", state: { exit: 3 } }, {
      name: "side-car",
      state: { running: true },
    }],
  }),
  mainUnknownName: pod({
    phase: "Running",
    annotations: { "kubernetes_job_operator.main_container": "mian" },
    containers: [{ name: "main", state: { running: true } }, {
      name: "side-car",
      state: { running: true },
    }],
  }),
  mainEvicted: pod({
    phase: "Failed",
    annotations: MAIN,
    reason: "Evicted",
    message: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki.",
    containers: [{ name: "main", state: { exit: 137, reason: "ContainerStatusUnknown" } }, {
      name: "side-car",
      state: { exit: 137 },
    }],
  }),
  mainPending: pod({
    phase: "Pending",
    annotations: MAIN,
    containers: [{ name: "main", state: { waiting: "ContainerCreating" } }, {
      name: "side-car",
      state: { waiting: "ContainerCreating" },
    }],
  }),
  /** A native sidecar (init container with restartPolicy Always) killed after main ended. */
  nativeSidecarStopping: pod({
    phase: "Running",
    init: [{ name: "istio-proxy", sidecar: true, state: { exit: 143 } }],
    containers: [{ name: "main", state: { exit: 0 } }],
  }),
  unknownPhase: pod({
    phase: "Unknown",
    reason: "NodeLost",
    message: "Node kjo-node-0 which was running pod task-p9w4z is unresponsive",
    containers: [{ name: "main", state: { running: true } }],
  }),
} satisfies Record<string, KubeObject>;

/** A custom resource, for rules files. */
export function widget(status: Record<string, unknown> | undefined, name = "w-1"): KubeObject {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace: NS, uid: "0b6c7d8e-1f2a-4b3c-9d4e-5f6a7b8c9d0e", generation: 1 },
    spec: { size: 3 },
    ...(status ? { status } : {}),
  };
}
