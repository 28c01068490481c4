/**
 * The events of one run. The same objects are written one a line by
 * `--output jsonl` and delivered to library callers by `run()`.
 *
 * Every event has a `type` and a `time` (RFC 3339, when kjo emitted it). The
 * last event of a run is always a {@linkcode ResultEvent}.
 *
 * @module
 */

import type { ResourceState } from "../kinds/resource_state.ts";

/** Fields every event carries. */
interface BaseEvent {
  /** When kjo emitted the event, RFC 3339 with milliseconds. */
  time: string;
}

/** One line a container wrote. */
export interface LogEvent extends BaseEvent {
  type: "log";
  pod: string;
  container: string;
  /** The line, without its trailing newline. */
  line: string;
  /** The container runtime's timestamp of the line (RFC 3339 with nanoseconds), when known. */
  ts?: string;
  /** The level the line names (`ERROR ...`), with detect_kubernetes_log_level on. */
  level?: "debug" | "info" | "warning" | "error" | "critical";
}

/** The tracked resource (or another resource of the run) changed state. */
export interface StatusEvent extends BaseEvent {
  type: "status";
  /** `Kind/name`. */
  resource: string;
  state: ResourceState | "Deleted" | "Created";
  reason?: string;
  message?: string;
}

/** A Kubernetes Event about one of the run's objects. */
export interface K8sEvent extends BaseEvent {
  type: "k8s_event";
  /** `Kind/name` of the involved object. */
  object: string;
  reason: string;
  message: string;
  /** `Normal` or `Warning`. */
  eventType: string;
  /** How many times Kubernetes saw it. */
  count?: number;
}

/** A `::kube_api:NAME=VALUE` line from a container. */
export interface ApiEvent extends BaseEvent {
  type: "api_event";
  name: string;
  /** The raw value text (everything after `=`). */
  value: string;
  /** The parsed value for `xcom` events (a JSON object). */
  parsed?: unknown;
  pod: string;
  container: string;
}

/** A message from kjo itself (progress, warnings) that is not a log line. */
export interface InfoEvent extends BaseEvent {
  type: "info";
  level: "debug" | "info" | "warning" | "error";
  message: string;
}

/** The end of a run. Always the last event. */
export interface ResultEvent extends BaseEvent {
  type: "result";
  /** Final state of the tracked resource, or `Interrupted`/`Error`/`Detached` when kjo did not see it end. */
  state:
    | ResourceState
    | "Deleted"
    | "TimedOut"
    | "Interrupted"
    | "Error"
    | "Submitted"
    | "Detached";
  /** The exit code the CLI ends with. */
  exitCode: number;
  reason?: string;
  message?: string;
  /** Failure summary lines (failing condition, exit codes, events, last lines). */
  summary?: string[];
  /** Merged XCom values from every `xcom` event, later keys win. */
  xcom: Record<string, unknown>;
  /** `Kind/name` of every resource of the run, in apply order. */
  resources: string[];
  namespace?: string;
  runId?: string;
  /** Counters of the run's streams (absent when nothing was tracked). */
  stats?: RunStats;
}

/**
 * How the run's streams fared: lines relayed, reconnects of log follows and
 * watches (and how many were for silence), duplicate lines dropped on resume.
 */
export interface RunStats {
  lines: number;
  logReconnects: number;
  logStalls: number;
  duplicatesDropped: number;
  watchReconnects: number;
  watchStalls: number;
  watchRelists: number;
}

/**
 * Any event of a run.
 */
export type RunEvent = LogEvent | StatusEvent | K8sEvent | ApiEvent | InfoEvent | ResultEvent;

/**
 * Distributes `Omit` over the union so each event type keeps its own fields.
 */
export type RunEventInput = RunEvent extends infer E
  ? E extends RunEvent ? Omit<E, "time"> & { time?: string } : never
  : never;

/**
 * Receives events as a run produces them.
 */
export type EventSink = (event: RunEvent) => void;

/**
 * Stamps an event with the current time (unless it has one).
 */
export function stampEvent(event: RunEventInput): RunEvent {
  return { ...event, time: event.time ?? new Date().toISOString() } as RunEvent;
}

/**
 * Makes a {@linkcode ResultEvent}, stamped with the current time (unless it
 * has one).
 */
export function resultEvent(
  event: Omit<ResultEvent, "type" | "time"> & { time?: string },
): ResultEvent {
  return { type: "result", ...event, time: event.time ?? new Date().toISOString() };
}
