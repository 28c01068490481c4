/**
 * `kjo cleanup` without the flags and the printing: select runs by run id,
 * label selector or age (skipping runs a kjo still follows, and unfinished
 * ones unless asked), list their objects page by page, delete them and wait
 * until they are gone. Only objects carrying the `kjo/run-id` label are ever
 * considered, whatever selector the user gives.
 *
 * @module
 */

import { ClusterError, errorText, InputError } from "../errors.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import { ApiError } from "../kube/api_error.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { FOLLOWER_LABEL, RUN_ID_LABEL, TRACKED_LABEL } from "../kube/labels.ts";
import { resolveResource } from "../kube/resource_paths.ts";
import { listByLabel, type Place } from "./_list_by_label.ts";
import { followedRunIds, LEASE_INFO } from "./heartbeat.ts";
import { type RemovalReport, type RemovalStep, removeObjects } from "./remove_objects.ts";

/** An `apiVersion`/`kind` pair. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

/**
 * Kinds `kjo cleanup` looks in unless told more with `--kind`.
 */
export const DEFAULT_CLEANUP_KINDS: readonly KindRef[] = [
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
];

/**
 * The label selector `kjo cleanup` lists with: the run's label for a run id,
 * else the user's selector ANDed with the existence of `kjo/run-id`, so
 * objects kjo did not create never match.
 */
export function cleanupSelector(options: { runId?: string; selector?: string }): string {
  if (options.runId !== undefined) return `${RUN_ID_LABEL}=${options.runId}`;
  return [RUN_ID_LABEL, options.selector?.trim()].filter(Boolean).join(",");
}

/**
 * Groups objects by their run id label and keeps the runs all of whose
 * objects were created before `cutoffMs` (so a run with a recent pod, e.g. a
 * Job retry, is not old). Objects without the label or a creation time are
 * ignored (never deleted).
 */
export function selectOldRuns(
  objects: readonly KubeObject[],
  options: { cutoffMs: number },
): Map<string, KubeObject[]> {
  const runs = groupByRun(objects);
  for (const [runId, items] of runs) {
    const young = items.some((object) => {
      const created = Date.parse(String(object.metadata.creationTimestamp ?? ""));
      return !Number.isFinite(created) || created >= options.cutoffMs;
    });
    if (young) runs.delete(runId);
  }
  return runs;
}

/** A kind to look in; `optional` kinds are skipped (with a note) when listing them is forbidden. */
export interface CleanupKind extends KindRef {
  optional?: boolean;
}

/** Options of {@linkcode cleanupRuns}. Give `runId`, `selector` or `olderThanMs`. */
export interface CleanupRunsOptions {
  client: KubeClient;
  /** Namespace to look in; `undefined`: every namespace. */
  namespace?: string;
  /** The run to clean up. */
  runId?: string;
  /** The user's label selector (ANDed with the existence of `kjo/run-id`). */
  selector?: string;
  /** Only runs all of whose objects are older than this; never runs a kjo still follows. */
  olderThanMs?: number;
  /**
   * With `olderThanMs`: also runs whose tracked resource has not finished
   * (nobody follows them, e.g. started with `--detach`).
   *
   * @default {false}
   */
  includeUnfinished?: boolean;
  /** Kinds to look in. */
  kinds: CleanupKind[];
  /**
   * State rules that tell a finished tracked resource.
   *
   * @default {KindRegistry.withBuiltins()}
   */
  rules?: KindRegistry;
  /** List what would be deleted and delete nothing. */
  dryRun?: boolean;
  /**
   * Wait until the objects are gone.
   *
   * @default {true}
   */
  wait?: boolean;
  /**
   * How long to wait.
   *
   * @default {120000}
   */
  timeoutMs?: number;
  /** Told about each step, for progress output. */
  onNote?: (note: CleanupNote) => void;
}

/** Progress of {@linkcode cleanupRuns}. */
export type CleanupNote =
  | { type: "kind-skipped"; kind: string; plural: string; namespace?: string }
  | {
    type: "run-skipped";
    runId: string;
    /** `followed`: a kjo renews a heartbeat Lease; `unfinished`: the tracked resource is not done. */
    why: "followed" | "unfinished";
    /** The tracked resource and its state, for `unfinished`. */
    tracked?: KubeObject;
    state?: string;
  }
  | { type: "would-delete"; object: KubeObject; owner?: KubeObject }
  | { type: "removed"; step: RemovalStep };

/** What {@linkcode cleanupRuns} found and did. */
export interface CleanupRunsReport {
  /** The label selector listed. */
  selector: string;
  /** The runs selected. */
  runIds: string[];
  /** Their objects. */
  objects: KubeObject[];
  /** What removal did (absent on a dry run or when nothing matched). */
  removal?: RemovalReport;
}

/**
 * Selects runs and removes their objects: deletes each (uid preconditions,
 * propagation Background; objects owned by another deleted object are left to
 * the garbage collector), then lists again until they are gone, deleting
 * objects of the same runs that appeared meanwhile.
 *
 * @throws {InputError} a kind the cluster does not have, or a selector it rejects.
 * @throws {ClusterError} a forbidden listing of a kind named explicitly or of
 * the heartbeat Leases; deletes that failed; objects still there at the
 * timeout (after every step was reported).
 */
export async function cleanupRuns(options: CleanupRunsOptions): Promise<CleanupRunsReport> {
  const { client, namespace } = options;
  const note = options.onNote ?? (() => {});
  const places: (Place & { optional: boolean })[] = [];
  for (const ref of options.kinds) {
    try {
      const info = await resolveResource(client, { ...ref, metadata: {} });
      places.push({ info, namespace, optional: ref.optional ?? false });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      throw new InputError(
        `--kind ${ref.apiVersion}/${ref.kind}: the cluster has no resource for this kind`,
        { cause: error },
      );
    }
  }
  const selector = cleanupSelector(options);
  const found: KubeObject[] = [];
  for (const place of [...places]) {
    try {
      found.push(...await listByLabel(client, place, selector));
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        throw new InputError(
          `label selector ${
            JSON.stringify(options.selector ?? selector)
          }: the API server rejected it: ${error.body?.message ?? error.message}`,
          { cause: error },
        );
      }
      if (error instanceof ApiError && error.status === 403 && place.optional) {
        note({ type: "kind-skipped", kind: place.info.kind, plural: place.info.plural, namespace });
        places.splice(places.indexOf(place), 1);
        continue;
      }
      throw error;
    }
  }

  let runs = groupByRun(found);
  if (options.olderThanMs !== undefined) {
    runs = selectOldRuns(found, { cutoffMs: Date.now() - options.olderThanMs });
    if (runs.size > 0) await dropLiveRuns(runs, options, note);
  }
  const objects = [...runs.values()].flat();
  const report: CleanupRunsReport = { selector, runIds: [...runs.keys()], objects };
  if (objects.length === 0) return report;
  if (options.dryRun) {
    const uids = new Map(objects.map((o) => [o.metadata.uid ?? "", o]));
    for (const object of objects) {
      const owner = (object.metadata.ownerReferences ?? [])
        .map((r) => uids.get(r.uid))
        .find((o) => o && o !== object);
      note({ type: "would-delete", object, ...(owner ? { owner } : {}) });
    }
    return report;
  }

  const selected = new Set(runs.keys());
  const timeoutMs = options.timeoutMs ?? 120_000;
  report.removal = await removeObjects({
    client,
    objects,
    sweep: {
      selector,
      places,
      // Only the runs selected above: a run started meanwhile is not touched.
      accept: (o) => selected.has(o.metadata.labels?.[RUN_ID_LABEL] ?? ""),
    },
    wait: options.wait,
    timeoutMs,
    onStep: (step) => note({ type: "removed", step }),
  });
  const { failed, remaining, listError } = report.removal;
  if (failed.length > 0) {
    throw new ClusterError(
      `could not delete ${failed.length} object(s): ${
        failed.map((f) => `${describeObject(f.object)}: ${errorText(f.error)}`).join("; ")
      }`,
      { cause: failed[0].error },
    );
  }
  if (options.wait !== false && (remaining.length > 0 || listError !== undefined)) {
    const names = remaining.slice(0, 5).map(describeObject).join(", ");
    throw new ClusterError(
      `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${
        remaining.length || "the"
      } object(s) to be gone${names ? `: ${names}${remaining.length > 5 ? ", ..." : ""}` : ""}${
        listError !== undefined ? ` (last listing failed: ${errorText(listError)})` : ""
      }`,
      { cause: listError },
    );
  }
  return report;
}

/** Drops runs a kjo still follows and, unless included, runs not finished. */
async function dropLiveRuns(
  runs: Map<string, KubeObject[]>,
  options: CleanupRunsOptions,
  note: (n: CleanupNote) => void,
): Promise<void> {
  let leases: KubeObject[];
  try {
    const place = { info: LEASE_INFO, namespace: options.namespace };
    // A run's own Lease carries its run id; a many-run follower's Lease lists its runs.
    leases = [
      ...await listByLabel(options.client, place, RUN_ID_LABEL),
      ...await listByLabel(options.client, place, `${FOLLOWER_LABEL}=true`),
    ];
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      throw new ClusterError(
        `forbidden: kjo cleanup --older-than needs verb "list" on resource ` +
          `"leases.coordination.k8s.io" to tell runs a kjo still follows (kjo rbac --for cleanup)`,
        { cause: error },
      );
    }
    throw error;
  }
  const followed = followedRunIds(leases, Date.now());
  const rules = options.rules ?? KindRegistry.withBuiltins();
  for (const [runId, items] of runs) {
    if (followed.has(runId)) {
      note({ type: "run-skipped", runId, why: "followed" });
      runs.delete(runId);
      continue;
    }
    if (options.includeUnfinished) continue;
    const tracked = items.find((o) => o.metadata.labels?.[TRACKED_LABEL] === "true");
    if (!tracked || tracked.metadata.deletionTimestamp) continue;
    const state = rules.lookup(tracked)?.(tracked).state ?? "unknown";
    if (state === "Succeeded" || state === "Failed") continue;
    note({ type: "run-skipped", runId, why: "unfinished", tracked, state });
    runs.delete(runId);
  }
}

function groupByRun(objects: readonly KubeObject[]): Map<string, KubeObject[]> {
  const runs = new Map<string, KubeObject[]>();
  for (const object of objects) {
    const runId = object.metadata.labels?.[RUN_ID_LABEL];
    if (!runId) continue;
    const list = runs.get(runId) ?? [];
    list.push(object);
    runs.set(runId, list);
  }
  return runs;
}
