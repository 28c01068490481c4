/**
 * Why a run cannot start or go on, read from its pods, its tracked object
 * and their Kubernetes Events. Kubernetes keeps such pods Pending (or their
 * Job retrying) forever; the runner fails the run once a problem has lasted
 * longer than a grace period (at once for `permanent` ones).
 *
 * | what                                                     | reason                        |
 * | -------------------------------------------------------- | ----------------------------- |
 * | a container waiting in one of `STUCK_WAITING_REASONS`    | the waiting reason            |
 * | a pod not started, with `FailedMount`/`FailedAttachVolume` Warning events | the event reason (message: the event's, e.g. `secret "x" not found`) |
 * | a pod unschedulable because of a PersistentVolumeClaim   | `UnboundPersistentVolumeClaim` (message names the claims) |
 * | a pod whose node is lost: phase `Unknown`, status reason `NodeLost`, a `NodeNotReady` event while not Ready, or its Node (when the caller could read it) gone or not Ready | `NodeLost` |
 * | `FailedCreate` Warning events on the tracked object, newer than its last `SuccessfulCreate` (quota, admission webhook, LimitRange) | `FailedCreate` |
 *
 * A pod counts as started ({@linkcode podHasStarted}) once one of its init or
 * regular containers has run; Job counters never say so, since the Job
 * controller counts Pending pods as active.
 *
 * @module
 */

import type { KubeObject } from "../kube/kube_object.ts";
import type { KubeEvent } from "../kube/kube_event.ts";
import { list, record, text } from "./_fields.ts";
import { findStuckContainers } from "./image_pull_failure.ts";
import { conditionsOf } from "./object_conditions.ts";
import { podContainers } from "./pod_containers.ts";

/**
 * The Event reasons {@linkcode podStartupProblems} and
 * {@linkcode createProblem} read; other events can be dropped before them.
 */
export const STARTUP_EVENT_REASONS: ReadonlySet<string> = new Set([
  "FailedMount",
  "FailedAttachVolume",
  "NodeNotReady",
  "FailedCreate",
  "SuccessfulCreate",
]);

const VOLUME_FAILURES = new Set(["FailedMount", "FailedAttachVolume"]);

/** Something that keeps a run from starting or going on. */
export interface StartupProblem {
  /** The object concerned: `pod NAME`, `pod NAME container C`, or `Kind/name`. */
  subject: string;
  /** A CamelCase reason (`FailedMount`, `NodeLost`, `ImagePullBackOff`, ...). */
  reason: string;
  /** A sentence, e.g. the Event's or the waiting state's message. */
  message?: string;
  /** `true` when only a change of the spec can fix it: no grace. */
  permanent: boolean;
}

/**
 * Whether one of the pod's init or regular containers has run (its state, or
 * its last state, is `running` or `terminated`).
 */
export function podHasStarted(pod: unknown): boolean {
  return podContainers(pod).some((c) =>
    c.role !== "ephemeral" && (c.running || c.terminated || c.lastTerminated)
  );
}

/** When an event was last seen (ms since the epoch), 0 when it has no time. */
function lastSeen(event: KubeEvent): number {
  for (
    const t of [
      event.series?.lastObservedTime,
      event.lastTimestamp,
      event.eventTime,
      event.firstTimestamp,
    ]
  ) {
    const ms = t ? Date.parse(t) : NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return 0;
}

function latest(events: readonly KubeEvent[], reasons: ReadonlySet<string>, type?: string) {
  let found: KubeEvent | undefined;
  for (const e of events) {
    if (!e.reason || !reasons.has(e.reason) || (type && e.type !== type)) continue;
    if (!found || lastSeen(e) >= lastSeen(found)) found = e;
  }
  return found;
}

function claimNames(pod: KubeObject): string[] {
  const names: string[] = [];
  for (const v of list(record(pod.spec)?.volumes)) {
    const claim = text(record(record(v)?.persistentVolumeClaim)?.claimName);
    if (claim && !names.includes(claim)) names.push(claim);
  }
  return names;
}

/**
 * Whether a pod is bound to a node that has not acknowledged it yet (no
 * `status.startTime`) and nothing of it ran: a kubelet does so within
 * moments, so a pod that stays like this suggests a node that is gone or
 * not ready, which only the Node object can tell (see the `node` argument of
 * {@linkcode podStartupProblems}).
 */
export function podAwaitsNode(pod: KubeObject): boolean {
  const status = record(pod.status);
  const phase = text(status?.phase);
  return text(record(pod.spec)?.nodeName) !== undefined && !text(status?.startTime) &&
    (phase === undefined || phase === "Pending") && !pod.metadata?.deletionTimestamp &&
    !podHasStarted(pod);
}

function nodeLost(
  pod: KubeObject,
  events: readonly KubeEvent[],
  node: KubeObject | null | undefined,
): string | undefined {
  const status = record(pod.status);
  const nodeName = text(record(pod.spec)?.nodeName);
  if (text(status?.phase) === "Unknown" || text(status?.reason) === "NodeLost") {
    return text(status?.message) ??
      `the node${nodeName ? ` ${nodeName}` : ""} stopped reporting the pod's state`;
  }
  const ready = conditionsOf(pod).find((c) => c.type === "Ready");
  const notReady = latest(events, new Set(["NodeNotReady"]), "Warning");
  if (notReady && ready?.status !== "True") {
    return `${notReady.message?.trim() || "Node is not ready"}${
      nodeName ? ` (node ${nodeName})` : ""
    }`;
  }
  if (!nodeName || node === undefined || ready?.status === "True") return undefined;
  if (node === null) return `node ${nodeName} no longer exists`;
  const nodeReady = conditionsOf(node).find((c) => c.type === "Ready");
  if (nodeReady?.status === "True") return undefined;
  const why = [nodeReady?.reason, nodeReady?.message].filter(Boolean).join(": ");
  return `node ${nodeName} is not ready (Ready=${nodeReady?.status ?? "missing"}${
    why ? `: ${why}` : ""
  })`;
}

/**
 * The problems of one pod of a run, given the Events about it (any order;
 * reasons outside {@linkcode STARTUP_EVENT_REASONS} are ignored) and, when
 * known, the Node it is bound to (`null`: the Node does not exist;
 * `undefined`: not known, e.g. not allowed to read Nodes). Finished and
 * terminating pods have none.
 */
export function podStartupProblems(
  pod: KubeObject,
  events: readonly KubeEvent[],
  node?: KubeObject | null,
): StartupProblem[] {
  const status = record(pod.status);
  const phase = text(status?.phase);
  if (phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp) return [];
  const name = pod.metadata?.name ?? "?";
  const subject = `pod ${name}`;
  const out: StartupProblem[] = findStuckContainers(pod).map((c) => ({
    subject: `${subject} container ${c.container}`,
    reason: c.reason,
    ...(c.message ? { message: c.message } : {}),
    permanent: c.permanent,
  }));
  const lost = nodeLost(pod, events, node);
  if (lost) out.push({ subject, reason: "NodeLost", message: lost, permanent: false });
  if (podHasStarted(pod)) return out;

  const unscheduled = conditionsOf(pod).find((c) =>
    c.type === "PodScheduled" && c.status === "False"
  );
  if (unscheduled && /persistentvolumeclaim/i.test(unscheduled.message ?? "")) {
    const claims = claimNames(pod).map((c) => `"${c}"`).join(", ");
    out.push({
      subject,
      reason: "UnboundPersistentVolumeClaim",
      message: `PersistentVolumeClaim ${claims || "(none named)"} not bound: ${
        unscheduled.message!.trim()
      }`,
      permanent: false,
    });
  }
  const mount = latest(events, VOLUME_FAILURES, "Warning");
  if (mount) {
    out.push({
      subject,
      reason: mount.reason!,
      ...(mount.message?.trim() ? { message: mount.message.trim() } : {}),
      permanent: false,
    });
  }
  return out;
}

/**
 * A `FailedCreate` problem of a controller object (a Job) whose latest
 * create event, among `events` about it, is a `FailedCreate` Warning (the
 * API server refused its pod: quota, admission webhook, LimitRange);
 * `undefined` when a `SuccessfulCreate` is as recent, when there is none, or
 * while `livePods` (pods of the run neither finished nor deleting) is not 0:
 * those may still end and free a quota, so the run goes on.
 */
export function createProblem(
  object: KubeObject,
  events: readonly KubeEvent[],
  livePods = 0,
): StartupProblem | undefined {
  if (livePods > 0) return undefined;
  const failed = latest(events, new Set(["FailedCreate"]), "Warning");
  if (!failed) return undefined;
  const created = latest(events, new Set(["SuccessfulCreate"]));
  if (created && lastSeen(created) >= lastSeen(failed)) return undefined;
  return {
    subject: `${object.kind}/${object.metadata?.name ?? "?"}`,
    reason: "FailedCreate",
    ...(failed.message?.trim() ? { message: failed.message.trim() } : {}),
    permanent: false,
  };
}
