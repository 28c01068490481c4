/**
 * Follows one container's log with timestamps and relays each line exactly
 * once, reconnecting after any break.
 *
 * Resume and de-duplication: the follower remembers the timestamp of the last
 * relayed line and how many relayed lines carried exactly that timestamp. On
 * reconnect it asks for `sinceTime` = that timestamp truncated to the second
 * (the API server parses sub-second `sinceTime` but forwards it to the
 * kubelet formatted with `time.RFC3339`, i.e. whole seconds), then drops every
 * line older than the remembered timestamp and the first `count` lines with
 * the same timestamp.
 *
 * @module
 */

import { ClusterError } from "../errors.ts";
import { ApiError, isPermanentApiError, MAX_UNAUTHORIZED, unauthorizedError } from "./api_error.ts";
import { type BackoffBounds, backoffDelay, sleep, STREAM_BACKOFF } from "./_backoff.ts";
import { type LinePiece, LineSplitter } from "./_line_splitter.ts";
import { stallGuard } from "./_stall_guard.ts";
import type { KubeClient } from "./kube_client.ts";

/**
 * One relayed log line.
 */
export interface LogLine {
  /** The runtime's timestamp of the line (RFC 3339, up to nanoseconds), or `""` if it had none. */
  ts: string;
  /** The text, without timestamp and newline. */
  line: string;
  /**
   * Set only on pieces of a line longer than `maxLineBytes`: `first` for its
   * first piece, `continuation` for the later ones. Absent on a whole line.
   * Only whole lines are meant to be read as `::kube_api:` events.
   */
  piece?: "first" | "continuation";
}

/**
 * Where a follower stands: the last relayed timestamp and how many lines carried it.
 */
export interface LogPosition {
  ts: string;
  count: number;
}

/**
 * Why the follower connects again.
 */
export interface LogReconnect {
  /**
   * `closed`: the stream ended while the container is still running;
   * `stall`: nothing arrived for stallTimeoutMs; `error`: the request or
   * stream failed; `waiting`: the container has not started yet.
   */
  reason: "closed" | "stall" | "error" | "waiting";
  delayMs: number;
  /** `sinceTime` of the next request, if any. */
  sinceTime?: string;
  error?: unknown;
}

/**
 * Counters of one follower (live).
 */
export interface LogFollowStats {
  /** Requests after the first one. */
  reconnects: number;
  stalls: number;
  /** Lines relayed. */
  lines: number;
  /** Lines dropped as already relayed (or before sinceTime). */
  skipped: number;
  /** Resume point; pass it as `resumeFrom` to continue in another follower. */
  position?: LogPosition;
}

/**
 * How a follow ended.
 */
export type LogFollowEnd = "completed" | "pod-gone" | "aborted";

/**
 * Options of {@linkcode followContainerLog}.
 */
export interface FollowContainerLogOptions {
  client: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  signal: AbortSignal;
  /** Relay only lines at or after this time (RFC 3339). */
  sinceTime?: string;
  /** Continue after a position an earlier follower reached. */
  resumeFrom?: LogPosition;
  /** Receives each line once, in order; awaited before the next one. */
  onLine: (line: LogLine) => void | Promise<void>;
  /** A stream silent this long is re-opened (a quiet container costs one request per period). */
  stallTimeoutMs: number;
  /** Asked when a stream ends normally (and while the container waits): true ends the follow. */
  isContainerDone: () => boolean | Promise<boolean>;
  onReconnect?: (info: LogReconnect) => void;
  /**
   * Longer lines are relayed in pieces of at most this many bytes.
   *
   * @default {DEFAULT_MAX_LINE_BYTES}
   */
  maxLineBytes?: number;
  /**
   * Reconnect back-off (jittered).
   *
   * @default {{ minMs: 200, maxMs: 10_000 }}
   */
  backoff?: BackoffBounds;
}

/**
 * A running follower: a promise of how it ended (rejecting with
 * {@linkcode ClusterError} on 401/403/bad request) plus live counters.
 */
export type LogFollow = Promise<LogFollowEnd> & {
  readonly stats: Readonly<LogFollowStats>;
};

/**
 * Default longest line relayed whole (1 MiB); longer lines come in pieces.
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * Follows `container` of `pod` (`GET .../pods/{pod}/log?follow=true&timestamps=true`)
 * until the container is done and its stream ended, the pod is gone (404) or
 * `signal` aborts. Connection problems, 5xx and "waiting to start" are
 * retried with back-off.
 *
 * @example Follow one container's log until it ends
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { createKubeClient } from "./kube_client.ts";
 * import { followContainerLog } from "./log_follow.ts";
 *
 * if (import.meta.main) {
 *   const kubeConfig = new KubeConfig();
 *   kubeConfig.loadFromDefault();
 *   const client = createKubeClient(kubeConfig);
 *   const ac = new AbortController();
 *   const follow = followContainerLog({
 *     client,
 *     namespace: "ci",
 *     pod: "build-x1",
 *     container: "main",
 *     signal: ac.signal,
 *     stallTimeoutMs: 60_000,
 *     // Asked when the stream closes: a running container's stream is resumed.
 *     isContainerDone: () => false,
 *     onLine: ({ line }) => console.log(line),
 *   });
 *   console.log(await follow, follow.stats); // "completed" { reconnects: 0, ... }
 * }
 * ```
 */
export function followContainerLog(options: FollowContainerLogOptions): LogFollow {
  const stats: LogFollowStats = { reconnects: 0, stalls: 0, lines: 0, skipped: 0 };
  return Object.assign(runFollow(options, stats), { stats });
}

/**
 * Parses an RFC 3339 timestamp into nanoseconds since the epoch, or
 * `undefined` when it is not one.
 */
export function parseTimestampNs(ts: string): bigint | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/
      .exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  let seconds = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000;
  if (sign) seconds -= (sign === "+" ? 1 : -1) * (+oh * 3600 + +om * 60);
  return BigInt(seconds) * 1_000_000_000n + BigInt((frac ?? "").padEnd(9, "0") || "0");
}

/**
 * The whole second (RFC 3339, UTC) at or before a timestamp: what the API
 * server effectively uses as `sinceTime`.
 */
export function floorToSecond(ts: string): string | undefined {
  const ns = parseTimestampNs(ts);
  if (ns === undefined) return undefined;
  const seconds = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function runFollow(
  o: FollowContainerLogOptions,
  stats: LogFollowStats,
): Promise<LogFollowEnd> {
  const backoff = o.backoff ?? STREAM_BACKOFF;
  const maxLineBytes = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const path = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${
    encodeURIComponent(o.pod)
  }/log`;
  const minNs = o.sinceTime ? parseTimestampNs(o.sinceTime) : undefined;
  let last: { ts: string; ns: bigint; count: number } | undefined;
  if (o.resumeFrom) {
    const ns = parseTimestampNs(o.resumeFrom.ts);
    if (ns !== undefined) last = { ts: o.resumeFrom.ts, ns, count: o.resumeFrom.count };
  }
  let failures = 0;
  let unauthorized = 0;
  /** Lines relayed by the current (or last) connection. */
  let connRelayed = 0;

  const sinceTime = () =>
    last ? floorToSecond(last.ts) : (o.sinceTime ? floorToSecond(o.sinceTime) : undefined);

  const updatePosition = () => {
    stats.position = last ? { ts: last.ts, count: last.count } : undefined;
  };
  updatePosition();

  /** One connection: returns how it ended. */
  async function streamOnce(): Promise<
    { kind: "ended" | "stall" | "aborted"; splitter: LineSplitter; tail: Tail }
  > {
    const guard = stallGuard(o.signal, o.stallTimeoutMs, "log stream");
    const splitter = new LineSplitter(maxLineBytes, { prefixed: true });
    const tail: Tail = { sameSeen: 0, lineTs: undefined };
    connRelayed = 0;
    const onPiece = async (piece: LinePiece) => {
      if (await relayPiece(piece, tail)) connRelayed++;
    };
    guard.arm();
    try {
      const res = await o.client.stream({
        path,
        query: {
          container: o.container,
          follow: "true",
          timestamps: "true",
          sinceTime: sinceTime(),
        },
        signal: guard.signal,
        headersTimeoutMs: o.stallTimeoutMs + 1_000,
      });
      for await (const chunk of res.body) {
        guard.arm();
        for (const piece of splitter.push(chunk)) await onPiece(piece);
        guard.arm();
      }
      return { kind: "ended", splitter, tail };
    } catch (err) {
      if (o.signal.aborted) return { kind: "aborted", splitter, tail };
      if (guard.stalled) return { kind: "stall", splitter, tail };
      throw err;
    } finally {
      guard.dispose();
    }
  }

  /** Decides whether a piece is new; relays it if so. Returns whether it was relayed. */
  async function relayPiece(piece: LinePiece, tail: Tail): Promise<boolean> {
    let ts: string;
    let text: string;
    let ns: bigint | undefined;
    if (piece.continuation) {
      // Never read a timestamp from the middle of a line.
      ({ ts, ns } = tail.lineTs ?? { ts: "", ns: undefined });
      text = piece.text;
    } else {
      const space = piece.text.indexOf(" ");
      const head = space < 0 ? piece.text : piece.text.slice(0, space);
      ns = parseTimestampNs(head);
      if (ns === undefined) {
        ts = "";
        text = piece.text;
      } else {
        ts = head;
        text = space < 0 ? "" : piece.text.slice(space + 1);
      }
      tail.lineTs = ns === undefined ? undefined : { ts, ns };
    }
    if (ns !== undefined) {
      if (minNs !== undefined && ns < minNs) {
        stats.skipped++;
        return false;
      }
      if (last && ns < last.ns) {
        stats.skipped++;
        return false;
      }
      if (last && ns === last.ns) {
        if (tail.sameSeen < last.count) {
          tail.sameSeen++;
          stats.skipped++;
          return false;
        }
        tail.sameSeen++;
        last.count++;
      } else {
        last = { ts, ns, count: 1 };
        tail.sameSeen = 1;
      }
      updatePosition();
    }
    stats.lines++;
    const kind = piece.continuation ? "continuation" : piece.truncated ? "first" : undefined;
    await o.onLine(kind ? { ts, line: text, piece: kind } : { ts, line: text });
    return true;
  }

  const isDone = async () => {
    try {
      return await o.isContainerDone();
    } catch {
      return false;
    }
  };

  let first = true;
  while (!o.signal.aborted) {
    if (!first) stats.reconnects++;
    first = false;
    let reason: LogReconnect["reason"];
    let error: unknown;
    let delayMs: number;
    try {
      const result = await streamOnce();
      unauthorized = 0;
      if (result.kind === "aborted") break;
      if (result.kind === "ended" && (await isDone())) {
        // The stream ended normally and the container is done: its last line may lack a newline.
        const rest = result.splitter.flush();
        if (rest && rest.text !== "") await relayPiece(rest, result.tail);
        return "completed";
      }
      reason = result.kind === "ended" ? "closed" : "stall";
      if (result.kind === "stall") stats.stalls++;
      if (connRelayed > 0) {
        failures = 0;
        delayMs = 0;
      } else {
        delayMs = backoffDelay(failures, backoff);
        failures++;
      }
    } catch (err) {
      if (o.signal.aborted) break;
      if (err instanceof ApiError && err.status === 404) return "pod-gone";
      if (isWaiting(err)) {
        if (await isDone()) return "completed";
        reason = "waiting";
      } else if (
        err instanceof ApiError && err.status === 401 && ++unauthorized < MAX_UNAUTHORIZED
      ) {
        reason = "error";
      } else if (isPermanentApiError(err)) {
        throw fatalError(err, o);
      } else if (!(err instanceof ClusterError)) {
        throw err;
      } else {
        reason = "error";
      }
      error = err;
      if (connRelayed > 0) failures = 0;
      delayMs = backoffDelay(failures, backoff);
      failures++;
    }
    o.onReconnect?.({ reason, delayMs, sinceTime: sinceTime(), error });
    if (!(await backOff(delayMs, o.signal, isDone))) break;
  }
  return "aborted";
}

/** How often a back-off asks whether the container ended meanwhile, in ms. */
const DONE_CHECK_MS = 500;

/**
 * Waits `delayMs` before the next attempt, but ends the wait early when the
 * container ends meanwhile (it was running when the wait began): its last
 * lines are then read at once instead of after up to the longest back-off.
 * Resolves to false when `signal` aborts.
 */
async function backOff(
  delayMs: number,
  signal: AbortSignal,
  isDone: () => Promise<boolean>,
): Promise<boolean> {
  if (delayMs <= DONE_CHECK_MS || (await isDone())) return await sleep(delayMs, signal);
  const until = Date.now() + delayMs;
  for (;;) {
    const left = until - Date.now();
    if (!(await sleep(Math.min(DONE_CHECK_MS, left), signal))) return false;
    if (left <= DONE_CHECK_MS || (await isDone())) return !signal.aborted;
  }
}

interface Tail {
  /** Lines seen in this connection with the remembered last timestamp. */
  sameSeen: number;
  /** Timestamp of the line the next continuation piece belongs to. */
  lineTs: { ts: string; ns: bigint } | undefined;
}

function isWaiting(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.status !== 400) return false;
  const text = `${err.body?.message ?? ""} ${err.message}`;
  return /waiting to start|ContainerCreating|PodInitializing|is not available|is terminated/i.test(
    text,
  ) &&
    !/is not valid for pod/.test(text);
}

function fatalError(err: ApiError, o: FollowContainerLogOptions): ClusterError {
  const what = `logs of ${o.namespace}/${o.pod}/${o.container}`;
  const message = err.serverMessage;
  if (err.status === 401) return unauthorizedError(err);
  if (err.status === 403) {
    return new ClusterError(
      `forbidden: kjo needs verb "get" on resource "pods/log" in namespace "${o.namespace}" (${message})`,
      { cause: err },
    );
  }
  return new ClusterError(`cannot follow ${what}: ${err.message}`, { cause: err });
}
