/**
 * Removing the objects of runs and waiting until they are gone: the one
 * delete-and-wait loop shared by the end of a run and `kjo cleanup`.
 *
 * @module
 */

import { deleteObject } from "../kube/delete_resources.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { listByLabel, type Place } from "./_list_by_label.ts";

/** Where to look again, by label, until nothing of the runs is left. */
export interface Sweep {
  /** Label selector of the runs' objects, e.g. `kjo/run-id=abc`. */
  selector: string;
  /** Kinds and namespaces to list. */
  places: Place[];
  /**
   * Whether an object found by the selector is one to delete (the caller's
   * ownership check); objects refused are neither deleted nor waited for.
   *
   * @default {() => true}
   */
  accept?: (object: KubeObject) => boolean;
}

/** Options of {@linkcode removeObjects}. */
export interface RemoveObjectsOptions {
  client: KubeClient;
  /** Objects to delete now, in this order. */
  objects: readonly KubeObject[];
  /** Namespace of namespaced objects without `metadata.namespace`. */
  namespace?: string;
  /** Listing by label while waiting; without it nothing is waited for. */
  sweep?: Sweep;
  /**
   * Wait until everything is gone.
   *
   * @default {true}
   */
  wait?: boolean;
  /**
   * How long to wait until everything is gone.
   *
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * An empty listing ends the wait only this long after the start: an
   * aborted create may still land on the server just after its client gave
   * up, and the sweep must see it.
   *
   * @default {0}
   */
  settleMs?: number;
  /** Called for each object as it is handled (for progress output). */
  onStep?: (step: RemovalStep) => void;
}

/** What happened to one object. */
export type RemovalStep =
  | { object: KubeObject; result: "deleted" | "gone" }
  | { object: KubeObject; result: "owner"; owner: KubeObject }
  | { object: KubeObject; result: "failed"; error: unknown };

/** What {@linkcode removeObjects} did. */
export interface RemovalReport {
  /** Deletes the server accepted. */
  deleted: KubeObject[];
  /** Already gone (or the name now belongs to a newer object). */
  gone: KubeObject[];
  /** Left to the garbage collector because an object being deleted owns them. */
  withOwner: { object: KubeObject; owner: KubeObject }[];
  /** Deletes that failed. */
  failed: { object: KubeObject; error: unknown }[];
  /** Still present when the wait ended (timed out); empty when all went or nothing was waited for. */
  remaining: KubeObject[];
  /** The last error of listing while waiting, when the wait could not confirm. */
  listError?: unknown;
  /** Whether the wait ran and saw everything gone. */
  allGone: boolean;
}

const keyOf = (o: KubeObject) =>
  o.metadata?.uid ?? `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;

/**
 * Deletes `objects` (propagation Background, uid preconditions) except those
 * owned by another object being deleted (left to the garbage collector,
 * unless deleting that owner failed), then
 * lists `sweep` again until nothing is left, deleting what appeared meanwhile
 * (a pod a Job controller made before its Job was gone, a create that landed
 * after its client was aborted). Never throws for a failed delete or a
 * timeout: the report says exactly what was and was not deleted.
 */
export async function removeObjects(options: RemoveObjectsOptions): Promise<RemovalReport> {
  const report: RemovalReport = {
    deleted: [],
    gone: [],
    withOwner: [],
    failed: [],
    remaining: [],
    allGone: false,
  };
  const started = Date.now();
  const handled = new Map<string, KubeObject>();
  const failedKeys = new Set<string>();
  await deleteEach(options, options.objects, { report, handled, failedKeys });
  const sweep = options.sweep;
  if (options.wait === false || !sweep) return report;

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = started + timeoutMs;
  const accept = sweep.accept ?? (() => true);
  let delay = 250;
  for (;;) {
    let found: KubeObject[] | undefined = [];
    try {
      for (const place of sweep.places) {
        found.push(...await listByLabel(options.client, place, sweep.selector));
      }
      report.listError = undefined;
    } catch (error) {
      report.listError = error;
      found = undefined;
    }
    if (found) {
      const waiting = found.filter((o) => accept(o) && !failedKeys.has(keyOf(o)));
      const settled = Date.now() - started >= (options.settleMs ?? 0);
      if (waiting.length === 0 && settled) {
        report.remaining = [];
        report.allGone = report.failed.length === 0;
        return report;
      }
      const fresh = waiting.filter((o) => !o.metadata.deletionTimestamp && !handled.has(keyOf(o)));
      if (fresh.length > 0) await deleteEach(options, fresh, { report, handled, failedKeys });
      report.remaining = waiting;
    }
    if (Date.now() >= deadline) return report;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now())))
    );
    delay = Math.min(delay * 2, 1_000);
  }
}

async function deleteEach(
  options: RemoveObjectsOptions,
  objects: readonly KubeObject[],
  state: { report: RemovalReport; handled: Map<string, KubeObject>; failedKeys: Set<string> },
): Promise<void> {
  const { report, handled, failedKeys } = state;
  const owners = new Map(handled);
  const pending = objects.filter((o) => !handled.has(keyOf(o)));
  for (const object of pending) owners.set(keyOf(object), object);
  for (const object of pending) handled.set(keyOf(object), object);
  // Owners first; an object whose owner could not be deleted is deleted itself.
  const owned = pending.filter((o) => ownerIn(o, owners));
  for (const object of pending.filter((o) => !owned.includes(o))) {
    await deleteOne(options, object, state);
  }
  for (const object of owned) {
    const owner = ownerIn(object, owners)!;
    if (failedKeys.has(keyOf(owner))) {
      await deleteOne(options, object, state);
      continue;
    }
    report.withOwner.push({ object, owner });
    options.onStep?.({ object, result: "owner", owner });
  }
}

async function deleteOne(
  options: RemoveObjectsOptions,
  object: KubeObject,
  state: { report: RemovalReport; failedKeys: Set<string> },
): Promise<void> {
  try {
    const result = await deleteObject({
      client: options.client,
      object,
      namespace: options.namespace,
      propagationPolicy: "Background",
    });
    state.report[result].push(object);
    options.onStep?.({ object, result });
  } catch (error) {
    state.failedKeys.add(keyOf(object));
    state.report.failed.push({ object, error });
    options.onStep?.({ object, result: "failed", error });
  }
}

/** The object among `objects` (by uid) that owns `object`, if any. */
function ownerIn(object: KubeObject, objects: Map<string, KubeObject>): KubeObject | undefined {
  for (const ref of object.metadata?.ownerReferences ?? []) {
    const owner = objects.get(ref.uid);
    if (owner && owner !== object) return owner;
  }
  return undefined;
}
