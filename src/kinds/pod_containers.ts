/**
 * A uniform view of a pod's containers (init, regular, ephemeral) joined with
 * their statuses, for state rules and failure summaries.
 *
 * @module
 */

import { list, num, record, text } from "./_fields.ts";

/**
 * `state.terminated` (or `lastState.terminated`) of a container.
 */
export interface TerminatedView {
  /** The exit code; -1 when the status has none. */
  exitCode: number;
  reason?: string;
  message?: string;
  signal?: number;
  finishedAt?: string;
}

/**
 * One container of a pod with its spec role and current status.
 */
export interface ContainerView {
  name: string;
  /** `container` (regular), `init` (including native sidecars) or `ephemeral`. */
  role: "container" | "init" | "ephemeral";
  /** An init container with `restartPolicy: Always`: a native sidecar. */
  sidecar: boolean;
  /** The container's own `restartPolicy`, when its spec sets one. */
  restartPolicy?: string;
  restartCount: number;
  /** The container has a status entry (the kubelet reported it). */
  reported?: boolean;
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: TerminatedView;
  /** The previous run's termination, after a restart. */
  lastTerminated?: TerminatedView;
}

function terminatedOf(value: unknown): TerminatedView | undefined {
  const t = record(value);
  if (!t) return undefined;
  return {
    exitCode: num(t.exitCode) ?? -1,
    reason: text(t.reason),
    message: text(t.message),
    signal: num(t.signal),
    finishedAt: text(t.finishedAt),
  };
}

const GROUPS: ReadonlyArray<[ContainerView["role"], string, string]> = [
  ["init", "initContainers", "initContainerStatuses"],
  ["container", "containers", "containerStatuses"],
  ["ephemeral", "ephemeralContainers", "ephemeralContainerStatuses"],
];

/**
 * Every container of a pod with its status, in spec order (init, regular,
 * ephemeral). Containers that have a status but no spec entry (a partial
 * object) are listed after those of their group that have one.
 */
export function podContainers(pod: unknown): ContainerView[] {
  const p = record(pod);
  const spec = record(p?.spec);
  const status = record(p?.status);
  const out: ContainerView[] = [];
  for (const [role, specField, statusField] of GROUPS) {
    const statuses = new Map<string, Record<string, unknown>>();
    for (const s of list(status?.[statusField])) {
      const r = record(s);
      const name = text(r?.name);
      if (r && name) statuses.set(name, r);
    }
    const entries: Array<{ name: string; restartPolicy?: string }> = [];
    for (const c of list(spec?.[specField])) {
      const r = record(c);
      const name = text(r?.name);
      if (name) entries.push({ name, restartPolicy: text(r?.restartPolicy) });
    }
    for (const name of statuses.keys()) {
      if (!entries.some((e) => e.name === name)) entries.push({ name });
    }
    for (const { name, restartPolicy } of entries) {
      const s = statuses.get(name);
      const state = record(s?.state);
      const waiting = record(state?.waiting);
      const running = record(state?.running);
      out.push({
        name,
        role,
        sidecar: role === "init" && restartPolicy === "Always",
        restartPolicy,
        restartCount: num(s?.restartCount) ?? 0,
        reported: s !== undefined,
        waiting: waiting
          ? { reason: text(waiting.reason), message: text(waiting.message) }
          : undefined,
        running: running ? { startedAt: text(running.startedAt) } : undefined,
        terminated: terminatedOf(state?.terminated),
        lastTerminated: terminatedOf(record(s?.lastState)?.terminated),
      });
    }
  }
  return out;
}
