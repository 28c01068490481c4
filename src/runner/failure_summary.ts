/**
 * The "why did it fail" lines printed at the end of a failed run (text
 * output) and carried in the `result` event's `summary` (JSON lines).
 *
 * Sections, each only when it has something to say:
 * 1. the verdict: for a Job the failing condition (`condition Failed, reason
 *    BackoffLimitExceeded: …`), otherwise the state rule's reason/message;
 * 2. every pod (failed ones first, at most `maxPods`): phase, pod-level
 *    reason, and per container its terminated exit code and reason, its
 *    waiting reason and message, restarts and the previous exit code;
 * 3. the most recent Warning events (deduplicated, at most `maxEvents`);
 * 4. the last `maxLines` log lines of each failed container (a container
 *    that terminated or last terminated with a non-zero code); when no
 *    container failed (a deadline, an eviction), of every container with
 *    lines.
 *
 * Plain text, no colour; long texts are cut to `maxLineLength` characters.
 *
 * @module
 */

import { jobTerminalCondition } from "../kinds/job_state.ts";
import { type ContainerView, podContainers, type TerminatedView } from "../kinds/pod_containers.ts";
import type { StateVerdict } from "../kinds/resource_state.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import type { K8sEvent } from "../output/run_event.ts";

/**
 * A Kubernetes event as the summary needs it (a {@linkcode K8sEvent} fits).
 */
export type SummaryEvent = Pick<K8sEvent, "object" | "reason" | "message" | "eventType"> & {
  count?: number;
  /** When the event happened or was relayed (RFC 3339); orders events when all have one. */
  time?: string;
};

/** How a run ended, for the summary's headline: a resource state or how kjo ended it. */
export interface SummaryVerdict {
  state: StateVerdict["state"] | "Deleted" | "TimedOut" | "Interrupted";
  reason?: string;
  message?: string;
}

/** Input of {@linkcode summarizeFailure}. */
export interface FailureSummaryInput {
  /** The first resource of the run, as last seen. */
  tracked: KubeObject;
  /** Pods of the run, as last seen (a tracked Pod may be here or not). */
  pods: KubeObject[];
  events: SummaryEvent[];
  /** Last log lines by `pod/container`, oldest first. */
  lastLines: Map<string, string[]>;
  /** The end state (the headline says it: failed, timed out, was deleted, was interrupted). */
  verdict: SummaryVerdict;
  /**
   * Most Warning events shown.
   * @default {10}
   */
  maxEvents?: number;
  /**
   * Most log lines per container.
   * @default {20}
   */
  maxLines?: number;
  /**
   * Most pods detailed.
   * @default {5}
   */
  maxPods?: number;
  /**
   * Longest text of one summary line before it is cut.
   * @default {300}
   */
  maxLineLength?: number;
  /** Pods of the run not in `pods` (no longer kept); counted in "… and N more pods". */
  morePods?: number;
}

/**
 * Keeps what the summary needs of a run's Kubernetes events in bounded
 * memory: the most recent `limit` distinct Warning events (same object,
 * reason and message count as one, the latest occurrence wins). Normal
 * events are not kept.
 */
export class RecentWarnings {
  readonly #events = new Map<string, SummaryEvent>();
  readonly #limit: number;

  /** `limit`: distinct warnings kept (default 50). */
  constructor(limit = 50) {
    this.#limit = limit;
  }

  /** Records an event; ignores it unless it is a Warning. */
  add(event: SummaryEvent): void {
    if (event.eventType !== "Warning") return;
    const key = `${event.object}\u0000${event.reason}\u0000${event.message}`;
    const seen = this.#events.get(key);
    this.#events.delete(key); // re-insert: the latest occurrence decides the order
    this.#events.set(key, { ...event, count: Math.max(event.count ?? 1, seen?.count ?? 1) });
    if (this.#events.size > this.#limit) this.#events.delete(this.#events.keys().next().value!);
  }

  /** The warnings kept, oldest first. */
  list(): SummaryEvent[] {
    return [...this.#events.values()];
  }
}

function cut(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, " ⏎ ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

function exitText(t: TerminatedView): string {
  const code = t.exitCode >= 0 ? `exit code ${t.exitCode}` : "no exit code";
  const signal = t.signal ? `, signal ${t.signal}` : "";
  return `${code}${signal}${t.reason ? ` (${t.reason})` : ""}`;
}

function containerLabel(c: ContainerView): string {
  if (c.sidecar) return `sidecar ${c.name}`;
  if (c.role === "init") return `init ${c.name}`;
  if (c.role === "ephemeral") return `ephemeral ${c.name}`;
  return c.name;
}

function containerLine(c: ContainerView, max: number): string {
  let state: string;
  if (c.terminated) {
    state = `terminated, ${exitText(c.terminated)}`;
    if (c.terminated.message) state += `: ${c.terminated.message}`;
  } else if (c.waiting) {
    state = `waiting${c.waiting.reason ? `, ${c.waiting.reason}` : ""}`;
    if (c.waiting.message) state += `: ${c.waiting.message}`;
  } else if (c.running) {
    state = "running";
  } else {
    state = c.reported ? "no state reported" : "not started";
  }
  const restarts = c.restartCount > 0
    ? `; restarted ${c.restartCount} time${c.restartCount === 1 ? "" : "s"}` +
      (c.lastTerminated ? `, last ${exitText(c.lastTerminated)}` : "")
    : "";
  return cut(`  ${containerLabel(c)}: ${state}${restarts}`, max);
}

/**
 * Whether a container failed: it terminated, now or before its last
 * restart, with a non-zero exit code.
 */
export function containerFailed(c: ContainerView): boolean {
  return (c.terminated !== undefined && c.terminated.exitCode !== 0) ||
    (c.lastTerminated !== undefined && c.lastTerminated.exitCode !== 0);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

interface PodInfo {
  pod: KubeObject;
  name: string;
  containers: ContainerView[];
  failed: boolean;
}

const HEADLINE_VERBS: Partial<Record<SummaryVerdict["state"], string>> = {
  Failed: "failed",
  TimedOut: "timed out",
  Deleted: "was deleted",
  Interrupted: "was interrupted",
};

function headline(input: FailureSummaryInput, max: number): string {
  const { tracked, verdict } = input;
  const what = describeObject(tracked);
  const verb = HEADLINE_VERBS[verdict.state] ?? `is ${verdict.state}`;
  const terminal = tracked.kind === "Job" ? jobTerminalCondition(tracked) : undefined;
  if (terminal && terminal.state === verdict.state) {
    const reason = terminal.reason ? `, reason ${terminal.reason}` : "";
    const message = terminal.message ? `: ${terminal.message}` : "";
    return cut(`${what} ${verb}: condition ${terminal.type}${reason}${message}`, max);
  }
  const reason = verdict.reason ? `: ${verdict.reason}` : "";
  const message = verdict.message ? `${reason ? " —" : ":"} ${verdict.message}` : "";
  return cut(`${what} ${verb}${reason}${message}`, max);
}

function podSection(
  pods: PodInfo[],
  options: { maxPods: number; morePods: number },
  max: number,
): string[] {
  const { maxPods, morePods } = options;
  const lines: string[] = [];
  for (const info of pods.slice(0, maxPods)) {
    const status = record(info.pod.status);
    const phase = str(status?.phase) ?? "unknown phase";
    const reason = str(status?.reason);
    const message = str(status?.message);
    const podDetail = reason || message ? `, ${[reason, message].filter(Boolean).join(": ")}` : "";
    lines.push(cut(`Pod/${info.name}: ${phase}${podDetail}`, max));
    for (const c of info.containers) lines.push(containerLine(c, max));
  }
  const more = Math.max(0, pods.length - maxPods) + morePods;
  if (more > 0) lines.push(`… and ${more} more pod${more === 1 ? "" : "s"}`);
  return lines;
}

function eventSection(events: SummaryEvent[], maxEvents: number, max: number): string[] {
  const warnings = events.filter((e) => e.eventType === "Warning");
  if (warnings.length === 0 || maxEvents <= 0) return [];
  const byKey = new Map<string, SummaryEvent>();
  for (const e of warnings) {
    const key = `${e.object}\u0000${e.reason}\u0000${e.message}`;
    const seen = byKey.get(key);
    byKey.delete(key); // re-insert: the latest occurrence decides the order
    byKey.set(key, { ...e, count: Math.max(e.count ?? 1, seen?.count ?? 1) });
  }
  let list = [...byKey.values()];
  if (list.every((e) => e.time)) {
    list = list.sort((a, b) => (a.time! < b.time! ? -1 : a.time! > b.time! ? 1 : 0));
  }
  const recent = list.slice(-maxEvents);
  const lines = [
    `recent warning events${
      list.length > recent.length ? ` (last ${recent.length} of ${list.length})` : ""
    }:`,
  ];
  for (const e of recent) {
    const count = e.count && e.count > 1 ? ` (x${e.count})` : "";
    lines.push(cut(`  ${e.object} ${e.reason}: ${e.message}${count}`, max));
  }
  return lines;
}

function logSection(
  input: FailureSummaryInput,
  pods: PodInfo[],
  maxLines: number,
  max: number,
): string[] {
  const withLines = (key: string) => (input.lastLines.get(key)?.length ?? 0) > 0;
  let keys = pods.flatMap((p) =>
    p.containers.filter(containerFailed).map((c) => `${p.name}/${c.name}`)
  )
    .filter(withLines);
  if (keys.length === 0) {
    const shown = new Set(pods.map((p) => p.name));
    keys = [...input.lastLines.keys()].filter((k) =>
      withLines(k) && (shown.size === 0 || shown.has(k.slice(0, k.indexOf("/"))))
    );
  }
  const lines: string[] = [];
  for (const key of keys) {
    const all = input.lastLines.get(key)!;
    const last = all.slice(-maxLines);
    lines.push(`last ${last.length} log line${last.length === 1 ? "" : "s"} of ${key}:`);
    for (const line of last) lines.push(cut(`  | ${line}`, max));
  }
  return lines;
}

/**
 * Builds the failure summary lines (see the module documentation).
 *
 * @example
 * ```ts
 * import { summarizeFailure } from "./failure_summary.ts";
 *
 * const job = {
 *   apiVersion: "batch/v1",
 *   kind: "Job",
 *   metadata: { name: "build-x1y2" },
 *   status: {
 *     conditions: [{
 *       type: "Failed",
 *       status: "True",
 *       reason: "BackoffLimitExceeded",
 *       message: "Job has reached the specified backoff limit",
 *     }],
 *   },
 * };
 * const pod = {
 *   apiVersion: "v1",
 *   kind: "Pod",
 *   metadata: { name: "build-x1y2-8kq2d" },
 *   spec: { containers: [{ name: "main", image: "busybox" }] },
 *   status: {
 *     phase: "Failed",
 *     containerStatuses: [{ name: "main", state: { terminated: { exitCode: 3, reason: "Error" } } }],
 *   },
 * };
 * summarizeFailure({
 *   tracked: job, pods: [pod], events: [], lastLines: new Map(),
 *   verdict: { state: "Failed", reason: "BackoffLimitExceeded" },
 * });
 * // [
 * //   "Job/build-x1y2 failed: condition Failed, reason BackoffLimitExceeded: Job has reached the specified backoff limit",
 * //   "Pod/build-x1y2-8kq2d: Failed",
 * //   "  main: terminated, exit code 3 (Error)",
 * // ]
 * ```
 */
export function summarizeFailure(input: FailureSummaryInput): string[] {
  const max = input.maxLineLength ?? 300;
  const candidates = [...input.pods];
  if (
    input.tracked.kind === "Pod" &&
    !candidates.some((p) => p.metadata?.name === input.tracked.metadata?.name)
  ) {
    candidates.unshift(input.tracked);
  }
  const seen = new Set<string>();
  const pods: PodInfo[] = [];
  for (const pod of candidates) {
    const name = pod.metadata?.name ?? "?";
    if (seen.has(name)) continue;
    seen.add(name);
    const containers = podContainers(pod);
    const failed = str(record(pod.status)?.phase) === "Failed" || containers.some(containerFailed);
    pods.push({ pod, name, containers, failed });
  }
  const created = (p: PodInfo) => p.pod.metadata?.creationTimestamp ?? "";
  pods.sort((a, b) =>
    Number(b.failed) - Number(a.failed) ||
    (created(a) < created(b) ? -1 : created(a) > created(b) ? 1 : 0)
  );

  const lines = [headline(input, max)];
  lines.push(
    ...podSection(pods, { maxPods: input.maxPods ?? 5, morePods: input.morePods ?? 0 }, max),
  );
  if (pods.length === 0 && input.tracked.kind === "Job") lines.push("no pods of the run were seen");
  lines.push(...eventSection(input.events, input.maxEvents ?? 10, max));
  lines.push(...logSection(input, pods.slice(0, input.maxPods ?? 5), input.maxLines ?? 20, max));
  return lines;
}
