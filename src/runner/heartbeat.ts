/**
 * The heartbeat of a followed run: while a kjo follows a run, it holds a
 * Lease (`coordination.k8s.io/v1`) labelled with the run id and renews it
 * every minute, so `kjo cleanup --older-than` leaves the run alone.
 *
 * A Lease rather than an annotation on the tracked resource: renewing a
 * Lease wakes nobody (an annotation would send a MODIFIED event to the Job
 * controller and to every watch of the tracked kind, and would need `patch`
 * on the user's kinds). Each follow costs a create when it starts, one small
 * write a minute and a delete when it ends: a thousand followed runs make
 * about 17 writes a second.
 *
 * @module
 */

import { hostname } from "node:os";
import { errorText } from "../errors.ts";
import { ApiError } from "../kube/api_error.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { FOLLOWED_RUNS_ANNOTATION, FOLLOWER_LABEL, RUN_ID_LABEL } from "../kube/labels.ts";
import { objectPath, type ResourceInfo } from "../kube/resource_paths.ts";
import type { RunEventInput } from "../output/run_event.ts";

/** How often a follower renews its Lease. */
export const HEARTBEAT_PERIOD_MS = 60_000;

/** A Lease not renewed for this long (three periods) no longer marks its run as followed. */
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_PERIOD_MS;

/** The API resource of the heartbeat Leases. */
export const LEASE_INFO: ResourceInfo = {
  apiVersion: "coordination.k8s.io/v1",
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
  basePath: "/apis/coordination.k8s.io/v1",
};

/** Options of {@linkcode startHeartbeat}. */
export interface HeartbeatOptions {
  client: KubeClient;
  /** Namespace of the run (the Lease goes there). */
  namespace: string;
  runId: string;
  /** The run's tracked resource: it owns the Lease, so the Lease goes with the run. */
  tracked: KubeObject;
  emit: (event: RunEventInput) => void;
  /**
   * Renewal period.
   *
   * @default {HEARTBEAT_PERIOD_MS}
   */
  periodMs?: number;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Stops renewing and deletes the Lease (errors are warnings); resolves when done. */
  stop(): Promise<void>;
}

/**
 * Creates the follower's Lease (in the background: the run does not wait)
 * and renews it every `periodMs` until {@linkcode Heartbeat.stop}. A follower
 * not allowed to hold Leases warns once and follows without a heartbeat.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { client, namespace, emit } = options;
  const periodMs = options.periodMs ?? HEARTBEAT_PERIOD_MS;
  let name: string | undefined;
  let warned = false;
  const warn = (what: string, error: unknown) => {
    if (warned) return;
    warned = true;
    emit({
      type: "info",
      level: "warning",
      message: `heartbeat: ${what}: ${
        errorText(error)
      } (kjo cleanup --older-than may take this run for an abandoned one)`,
    });
  };
  const created = client.request<KubeObject>({
    method: "POST",
    path: `${LEASE_INFO.basePath}/namespaces/${namespace}/leases`,
    body: leaseBody(options),
    timeoutMs: 10_000,
  }).then((lease) => {
    name = lease.metadata?.name;
  }, (error) => warn("could not create the follower's Lease", error));
  const timer = setInterval(() => {
    if (!name) return;
    client.request({
      method: "PATCH",
      path: objectPath(LEASE_INFO, name, namespace),
      body: { spec: { renewTime: microTime(new Date()) } },
      contentType: "application/merge-patch+json",
      timeoutMs: 10_000,
    }).catch((error) => warn("could not renew the follower's Lease", error));
  }, periodMs);
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      stopped ??= (async () => {
        clearInterval(timer);
        await created;
        if (name) await deleteLease({ client, name, namespace, warn });
      })(),
  };
}

/**
 * The run ids that a live follower holds a Lease for: renewed less than
 * {@linkcode HEARTBEAT_STALE_MS} (or its own `leaseDurationSeconds`, if
 * longer) before `nowMs`.
 */
export function followedRunIds(leases: readonly KubeObject[], nowMs: number): Set<string> {
  const followed = new Set<string>();
  for (const lease of leases) {
    const { spec }: LeaseLike = lease;
    const renewed = Date.parse(String(spec?.renewTime ?? ""));
    const staleMs = Math.max(HEARTBEAT_STALE_MS, (spec?.leaseDurationSeconds ?? 0) * 1000);
    if (!Number.isFinite(renewed) || nowMs - renewed >= staleMs) continue;
    for (const runId of runIdsOfLease(lease)) followed.add(runId);
  }
  return followed;
}

/** A run's own Lease names its run in a label; a follower's Lease lists its runs in an annotation. */
function runIdsOfLease(lease: KubeObject): string[] {
  const own = lease.metadata?.labels?.[RUN_ID_LABEL];
  if (own) return [own];
  if (lease.metadata?.labels?.[FOLLOWER_LABEL] !== "true") return [];
  try {
    const listed: unknown = JSON.parse(
      lease.metadata.annotations?.[FOLLOWED_RUNS_ANNOTATION] ?? "[]",
    );
    return Array.isArray(listed) ? listed.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/** What the heartbeat reads of a Lease. */
interface LeaseLike extends KubeObject {
  spec?: { renewTime?: string; leaseDurationSeconds?: number };
}

function leaseBody(options: HeartbeatOptions): KubeObject {
  const { tracked, namespace } = options;
  const now = microTime(new Date());
  const trackedNamespace = tracked.metadata.namespace;
  const mayOwn = tracked.metadata.uid && tracked.metadata.name &&
    (!trackedNamespace || trackedNamespace === namespace);
  return {
    apiVersion: LEASE_INFO.apiVersion,
    kind: "Lease",
    metadata: {
      generateName: "kjo-follow-",
      namespace,
      labels: { [RUN_ID_LABEL]: options.runId },
      ...(mayOwn
        ? {
          ownerReferences: [{
            apiVersion: tracked.apiVersion,
            kind: tracked.kind,
            name: tracked.metadata.name!,
            uid: tracked.metadata.uid!,
          }],
        }
        : {}),
    },
    spec: {
      holderIdentity: `kjo@${hostname()}/${Deno.pid}`,
      leaseDurationSeconds: Math.round(HEARTBEAT_STALE_MS / 1000),
      acquireTime: now,
      renewTime: now,
    },
  };
}

/**
 * Deletes a heartbeat Lease; a Lease already gone is fine, any other failure
 * goes to `warn`.
 */
export async function deleteLease(options: {
  client: KubeClient;
  name: string;
  namespace: string;
  warn: (what: string, error: unknown) => void;
}): Promise<void> {
  await options.client.request({
    method: "DELETE",
    path: objectPath(LEASE_INFO, options.name, options.namespace),
    timeoutMs: 10_000,
  }).catch((error) => {
    if (!(error instanceof ApiError && error.status === 404)) {
      options.warn("could not delete the follower's Lease", error);
    }
  });
}

/** RFC 3339 with microseconds, as `MicroTime` fields need. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
