/**
 * The end of a run: delete its resources per the delete policy, find by the
 * run's label what was created but not known (a create in flight when the run
 * was aborted), wait until everything is gone, and report exactly what was
 * and was not deleted.
 *
 * @module
 */

import type { DeletePolicy } from "../choices.ts";
import { errorText } from "../errors.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { resolveResource } from "../kube/resource_paths.ts";
import type { RunEventInput } from "../output/run_event.ts";
import { placesOf } from "./_list_by_label.ts";
import { shouldDelete } from "./delete_policy.ts";
import { removeObjects } from "./remove_objects.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";

/** Options of {@linkcode cleanUpRun}. */
export interface CleanUpRunOptions {
  client: KubeClient;
  namespace: string;
  runId: string;
  /** The run's objects known to exist (as created or read back). */
  created: KubeObject[];
  /**
   * Every object whose create was sent, known to exist or not: their kinds
   * and namespaces are listed by the run's label, so a create that landed
   * after its client gave up is found and deleted too.
   *
   * @default {created}
   */
  attempted?: KubeObject[];
  policy: DeletePolicy;
  succeeded: boolean;
  emit: (event: RunEventInput) => void;
  /**
   * How long to wait for everything to be gone.
   *
   * @default {60000}
   */
  waitTimeoutMs?: number;
  /**
   * Minimum time listings must come back empty for; set after an aborted
   * create (see `removeObjects`).
   *
   * @default {0}
   */
  settleMs?: number;
}

/** What the end of a run did with its resources. */
export interface RunCleanup {
  /** `Kind/name` of the resources kept by the delete policy. */
  kept: string[];
  /** `Kind/name` of the resources that are gone. */
  deleted: string[];
  /** `Kind/name (why)` of the resources that could not be deleted or are still there. */
  notDeleted: string[];
  /** The delete policy that applied. */
  policy: DeletePolicy;
}

/**
 * Deletes the run's resources when the policy says so (propagation
 * Background: the garbage collector removes pods and dependents), then lists
 * the run's kinds and pods by label until nothing is left. Errors are
 * reported as warning events and in the returned {@linkcode RunCleanup},
 * never thrown: the run's result stands.
 */
export async function cleanUpRun(options: CleanUpRunOptions): Promise<RunCleanup> {
  const { client, namespace, created, emit, policy } = options;
  const attempted = options.attempted ?? created;
  const outcome: RunCleanup = { kept: [], deleted: [], notDeleted: [], policy };
  if (attempted.length === 0 && created.length === 0) return outcome;
  if (!shouldDelete(policy, options.succeeded)) {
    outcome.kept = created.map(describeObject);
    emit({
      type: "info",
      level: "info",
      message: `keeping ${outcome.kept.join(", ")} (delete policy ${policy})`,
    });
    return outcome;
  }
  const names = new Set(attempted.map(describeObject));
  let places;
  try {
    const podInfo = await resolveResource(client, { apiVersion: "v1", kind: "Pod", metadata: {} });
    places = [
      ...await placesOf(client, [...attempted, ...created], namespace),
      { info: podInfo, namespace },
    ];
  } catch (error) {
    places = undefined;
    emit({ type: "info", level: "warning", message: `cleanup: ${errorText(error)}` });
  }
  const report = await removeObjects({
    client,
    objects: [...created].reverse(),
    namespace,
    sweep: places
      ? { selector: `${RUN_ID_LABEL}=${options.runId}`, places: dedupe(places) }
      : undefined,
    timeoutMs: options.waitTimeoutMs ?? 60_000,
    settleMs: options.settleMs,
  });
  const waitS = Math.round((options.waitTimeoutMs ?? 60_000) / 1000);
  const failed = new Set<string>();
  for (const { object, error } of report.failed) {
    const name = describeObject(object);
    failed.add(name);
    outcome.notDeleted.push(`${name} (${errorText(error)})`);
    emit({
      type: "info",
      level: "warning",
      message: `cleanup: could not delete ${name}: ${errorText(error)}`,
    });
  }
  const remaining = new Set(report.remaining.map(describeObject));
  for (const name of remaining) {
    if (failed.has(name)) continue;
    outcome.notDeleted.push(`${name} (still present ${waitS}s after deletion)`);
  }
  if (remaining.size > 0) {
    emit({
      type: "info",
      level: "warning",
      message: `cleanup: still present ${waitS}s after deletion: ${[...remaining].join(", ")}`,
    });
  }
  const unconfirmed = !places || report.listError !== undefined;
  const handled = [
    ...report.deleted,
    ...report.gone,
    ...report.withOwner.map((w) => w.object),
  ];
  for (const object of handled) {
    const name = describeObject(object);
    if (!names.has(name) && !created.some((c) => describeObject(c) === name)) continue;
    if (failed.has(name) || remaining.has(name) || outcome.deleted.includes(name)) continue;
    if (unconfirmed) {
      outcome.notDeleted.push(`${name} (deleted, but not confirmed gone)`);
      continue;
    }
    outcome.deleted.push(name);
    emit({ type: "status", resource: name, state: "Deleted" });
  }
  if (unconfirmed && report.listError !== undefined) {
    emit({
      type: "info",
      level: "warning",
      message: `cleanup: could not confirm the run's objects are gone: ${
        errorText(report.listError)
      }`,
    });
  }
  return outcome;
}

/**
 * One sentence for a result message: what the end of a run deleted, kept and
 * could not delete.
 */
export function describeCleanup(cleanup: RunCleanup): string {
  const parts: string[] = [];
  if (cleanup.kept.length > 0) {
    parts.push(`kept ${cleanup.kept.join(", ")} (delete policy ${cleanup.policy})`);
  }
  if (cleanup.deleted.length > 0) parts.push(`deleted ${cleanup.deleted.join(", ")}`);
  if (cleanup.notDeleted.length > 0) parts.push(`not deleted: ${cleanup.notDeleted.join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "nothing was created";
}

function dedupe<T extends { info: { apiVersion: string; kind: string }; namespace?: string }>(
  places: T[],
): T[] {
  const seen = new Map<string, T>();
  for (const p of places) seen.set(`${p.info.apiVersion}/${p.info.kind}@${p.namespace ?? ""}`, p);
  return [...seen.values()];
}
