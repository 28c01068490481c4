/**
 * The heartbeat of a process that follows many runs of one namespace (the
 * shared-watch follower behind `kjo serve`): one Lease for all of them,
 * listing the followed run ids in an annotation, instead of one Lease a run.
 *
 * A thousand runs followed through per-run Leases cost a thousand creates,
 * about 17 renewals a second and a thousand deletes; the group's Lease costs
 * one create, one write a minute (or when the set of runs changed, at most
 * every few seconds) and one delete. `kjo cleanup --older-than` reads both
 * forms (see {@linkcode followedRunIds}).
 *
 * @module
 */

import { hostname } from "node:os";
import { errorText } from "../errors.ts";
import { ApiError } from "../kube/api_error.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { FOLLOWED_RUNS_ANNOTATION, FOLLOWER_LABEL } from "../kube/labels.ts";
import { objectPath } from "../kube/resource_paths.ts";
import type { RunEventInput } from "../output/run_event.ts";
import {
  deleteLease,
  HEARTBEAT_PERIOD_MS,
  HEARTBEAT_STALE_MS,
  LEASE_INFO,
  microTime,
} from "./heartbeat.ts";

/** Options of {@linkcode startHeartbeatGroup}. */
export interface HeartbeatGroupOptions {
  client: KubeClient;
  /** Namespace of the runs (the Lease goes there). */
  namespace: string;
  /**
   * Renewal period.
   *
   * @default {HEARTBEAT_PERIOD_MS}
   */
  periodMs?: number;
  /**
   * Shortest time between two writes when the set of runs changes.
   *
   * @default {5000}
   */
  flushMs?: number;
}

/** One Lease marking every run a follower follows in a namespace. */
export interface HeartbeatGroup {
  /**
   * Adds a run to the Lease; the returned function takes it out again.
   * Warnings (each kind of failure once) go to the `emit` of every run in
   * the group at the time.
   */
  join(runId: string, emit: (event: RunEventInput) => void): () => void;
  /** Stops renewing and deletes the Lease (errors are warnings); resolves when done. */
  stop(): Promise<void>;
}

/**
 * Starts a group heartbeat. The Lease is created with the first run that
 * joins, rewritten when the set of runs changed (at most every `flushMs`)
 * and renewed every `periodMs`; recreated if someone deleted it. A follower
 * not allowed to hold Leases warns once and follows without a heartbeat.
 */
export function startHeartbeatGroup(options: HeartbeatGroupOptions): HeartbeatGroup {
  const { client, namespace } = options;
  const periodMs = options.periodMs ?? HEARTBEAT_PERIOD_MS;
  const flushMs = options.flushMs ?? 5_000;
  const runs = new Map<string, (event: RunEventInput) => void>();
  const warned = new Set<string>();
  let name: string | undefined;
  let changed = false;
  let lastWrite = 0;
  let writing: Promise<void> | undefined;
  let stopped = false;

  const warn = (what: string, error: unknown) => {
    if (warned.has(what)) return;
    warned.add(what);
    const message = `heartbeat: ${what}: ${
      errorText(error)
    } (kjo cleanup --older-than may take these runs for abandoned ones)`;
    for (const emit of runs.values()) emit({ type: "info", level: "warning", message });
  };
  const body = (): KubeObject => {
    const now = microTime(new Date());
    return {
      apiVersion: LEASE_INFO.apiVersion,
      kind: "Lease",
      metadata: {
        generateName: "kjo-follower-",
        namespace,
        labels: { [FOLLOWER_LABEL]: "true" },
        annotations: { [FOLLOWED_RUNS_ANNOTATION]: JSON.stringify([...runs.keys()].sort()) },
      },
      spec: {
        holderIdentity: `kjo@${hostname()}/${Deno.pid}`,
        leaseDurationSeconds: Math.round(HEARTBEAT_STALE_MS / 1000),
        acquireTime: now,
        renewTime: now,
      },
    } as KubeObject;
  };
  const write = async (): Promise<void> => {
    changed = false;
    lastWrite = Date.now();
    try {
      if (!name) {
        const lease = await client.request<KubeObject>({
          method: "POST",
          path: `${LEASE_INFO.basePath}/namespaces/${namespace}/leases`,
          body: body(),
          timeoutMs: 10_000,
        });
        name = lease.metadata?.name;
        return;
      }
      const { metadata, spec } = body() as KubeObject & { spec: { renewTime: string } };
      await client.request({
        method: "PATCH",
        path: objectPath(LEASE_INFO, name, namespace),
        body: {
          metadata: { annotations: metadata.annotations },
          spec: { renewTime: spec.renewTime },
        },
        contentType: "application/merge-patch+json",
        timeoutMs: 10_000,
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && name) {
        name = undefined; // deleted by someone: create it again on the next tick
        changed = true;
        return;
      }
      warn(
        name ? "could not renew the follower's Lease" : "could not create the follower's Lease",
        error,
      );
    }
  };
  const maybeWrite = () => {
    if (stopped || writing || runs.size === 0 && !name) return;
    const due = Date.now() - lastWrite >= (changed ? flushMs : periodMs);
    if (!due) return;
    writing = write().finally(() => writing = undefined);
  };
  const timer = setInterval(maybeWrite, Math.min(flushMs, periodMs));

  return {
    join(runId, emit) {
      runs.set(runId, emit);
      changed = true;
      if (!name) maybeWrite();
      return () => {
        if (runs.delete(runId)) changed = true;
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await writing;
      if (name) await deleteLease({ client, name, namespace, warn });
    },
  };
}
