/**
 * `kjo cleanup`: deletes the resources of a run (or of every run older than
 * a given age) by their labels, e.g. what a killed kjo left behind.
 *
 * @module
 */

import type { Command } from "commander";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { ClusterError, errorText, ExitCode, InputError } from "../errors.ts";
import { ApiError } from "../kube/api_error.ts";
import { deleteResources } from "../kube/delete_resources.ts";
import type { KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { collectionPath, resolveResource, type ResourceInfo } from "../kube/resource_paths.ts";
import { createKubeClient } from "../kube/kube_client.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import { isLabelValue, LABEL_VALUE_RULE } from "../kube/name_rules.ts";
import {
  addClusterOptions,
  collect,
  kubeConfigOptions,
  seconds,
  setExitCode,
  settingsFrom,
} from "./_options.ts";

/**
 * An `apiVersion`/`kind` pair.
 *
 * @example
 * ```ts
 * const ref: KindRef = { apiVersion: "batch/v1", kind: "Job" };
 * ```
 */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

/**
 * Kinds `kjo cleanup` looks in unless told more with `--kind`.
 *
 * @example
 * ```ts
 * DEFAULT_CLEANUP_KINDS.map((k) => k.kind); // ["Job", "Pod", "Service", "ConfigMap", "Secret"]
 * ```
 */
export const DEFAULT_CLEANUP_KINDS: readonly KindRef[] = [
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "v1", kind: "Pod" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
];

const DURATION_UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `45s`, `30m`, `2h`, `1d`, `1w` or `1h30m` into
 * milliseconds.
 *
 * @throws {InputError} `--older-than "x": must be a duration like 30m, 2h or 1d (units s, m, h, d, w)`.
 *
 * @example
 * ```ts
 * parseDuration("--older-than", "1h30m"); // 5_400_000
 * ```
 */
export function parseDuration(flag: string, value: string): number {
  const text = value.trim();
  const part = /(\d+(?:\.\d+)?)([smhdw])/g;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(part)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    consumed += match[0].length;
  }
  if (text === "" || consumed !== text.length || !(total > 0)) {
    throw new InputError(
      `${flag} ${
        JSON.stringify(value)
      }: must be a duration like 30m, 2h or 1d (units s, m, h, d, w)`,
    );
  }
  return total;
}

/**
 * Parses `--kind apiVersion/Kind`: `v1/Pod`, `batch/v1/Job`,
 * `example.com/v1/Widget`.
 *
 * @throws {InputError} when there is no apiVersion or kind.
 *
 * @example
 * ```ts
 * parseKindRef("example.com/v1/Widget"); // { apiVersion: "example.com/v1", kind: "Widget" }
 * ```
 */
export function parseKindRef(value: string): KindRef {
  const slash = value.lastIndexOf("/");
  const apiVersion = value.slice(0, Math.max(slash, 0));
  const kind = value.slice(slash + 1);
  const parts = apiVersion.split("/");
  if (
    slash <= 0 || kind === "" || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind) || parts.length > 2 ||
    parts.some((p) => p === "")
  ) {
    throw new InputError(
      `--kind ${
        JSON.stringify(value)
      }: must be apiVersion/Kind, e.g. v1/Pod, batch/v1/Job or example.com/v1/Widget`,
    );
  }
  return { apiVersion, kind };
}

/**
 * Groups objects by their run id label and keeps the runs all of whose
 * objects were created before `cutoffMs` (so a run with a recent pod, e.g. a
 * Job retry, is not old). Objects without the label or a creation time are
 * ignored (never deleted).
 *
 * @example
 * ```ts
 * const runs = selectOldRuns(objects, { cutoffMs: Date.now() - 3_600_000 });
 * for (const [runId, items] of runs) console.log(runId, items.length);
 * ```
 */
export function selectOldRuns(
  objects: readonly KubeObject[],
  options: { cutoffMs: number; label?: string },
): Map<string, KubeObject[]> {
  const label = options.label ?? RUN_ID_LABEL;
  const runs = new Map<string, KubeObject[]>();
  const young = new Set<string>();
  for (const object of objects) {
    const runId = object.metadata?.labels?.[label];
    if (!runId) continue;
    const created = Date.parse(String(object.metadata.creationTimestamp ?? ""));
    if (!Number.isFinite(created) || created >= options.cutoffMs) young.add(runId);
    const list = runs.get(runId) ?? [];
    list.push(object);
    runs.set(runId, list);
  }
  for (const runId of young) runs.delete(runId);
  return runs;
}

/**
 * Adds `kjo cleanup` to `program`.
 *
 * @example
 * ```ts
 * addCleanupCommand(createProgram());
 * ```
 */
export function addCleanupCommand(program: Command): Command {
  const command = program.command("cleanup")
    .summary("delete the resources of a run (or of old runs) by label")
    .description(
      "Delete every object carrying the run's label (kjo/run-id=ID), or matching a label selector, " +
        "or belonging to a run all of whose objects are older than a duration (what a killed kjo " +
        "left behind). Looks in Jobs, Pods, Services, ConfigMaps and Secrets, plus the kinds given " +
        "with --kind, in one namespace or all. Deletes with propagation Background (uid " +
        "preconditions, so a newer object of the same name is never touched; objects owned by " +
        "another deleted object, like a Job's pods, are left to the garbage collector), prints " +
        "each object, " +
        "and waits until they are gone. Exit codes: 0 done (also when nothing matched), 2 bad " +
        "input, 3 cluster error or timeout.",
    );
  addClusterOptions(command);
  command
    .option("--run-id <id>", "the run whose resources to delete (label kjo/run-id)")
    .option("-l, --selector <selector>", "a label selector, e.g. kjo/dag-id=etl,kjo/task-id=load")
    .option(
      "--older-than <duration>",
      "runs (label kjo/run-id) whose objects are all older than this, e.g. 30m, 2h, 1d",
    )
    .option(
      "--kind <apiVersion/Kind>",
      "also look in this kind, e.g. apps/v1/Deployment or example.com/v1/Widget; repeat",
      collect,
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace to look in (default: context, service account, 'default')",
    )
    .option("-A, --all-namespaces", "look in every namespace")
    .option("--dry-run", "list what would be deleted and delete nothing")
    .option("--no-wait", "do not wait until the objects are gone")
    .option("--timeout <seconds>", "how long to wait until everything is gone (default 120)")
    .addHelpText(
      "after",
      `
Examples:
  kjo cleanup --run-id k3f9x0q2m7ab -n jobs
  kjo cleanup --older-than 2h --all-namespaces --dry-run
  kjo cleanup -l kjo/dag-id=etl,kjo/task-id=load --kind example.com/v1/Widget
  kjo cleanup --older-than 1d -l kjo/dag-id=etl --no-wait`,
    )
    .action(async (flags: Record<string, unknown>, self: Command) => {
      setExitCode(self, await cleanupAction(flags));
    });
  return command;
}

interface Plan {
  runId?: string;
  selector?: string;
  ageMs?: number;
  kinds: KindRef[];
  /** The kinds given with `--kind`. */
  explicitKinds: KindRef[];
  timeoutMs: number;
}

function planFrom(flags: Record<string, unknown>): Plan {
  const runId = flags.runId as string | undefined;
  const selector = flags.selector as string | undefined;
  const olderThan = flags.olderThan as string | undefined;
  if (runId === undefined && selector === undefined && olderThan === undefined) {
    throw new InputError(
      "nothing selected: give --run-id ID, --selector LABEL_SELECTOR or --older-than DURATION",
    );
  }
  if (runId !== undefined && selector !== undefined) {
    throw new InputError("give only one of --run-id and --selector");
  }
  if (runId !== undefined && olderThan !== undefined) {
    throw new InputError("--older-than finds the runs itself: it cannot be combined with --run-id");
  }
  if (runId !== undefined && (runId === "" || !isLabelValue(runId))) {
    throw new InputError(
      `--run-id ${JSON.stringify(runId)}: must be a label value (${LABEL_VALUE_RULE})`,
    );
  }
  if (selector !== undefined && selector.trim() === "") {
    throw new InputError("--selector: must not be empty (it would match everything)");
  }
  if (flags.allNamespaces && flags.namespace !== undefined) {
    throw new InputError("give only one of -n/--namespace and --all-namespaces");
  }
  const explicitKinds = ((flags.kind as string[] | undefined) ?? []).map(parseKindRef);
  const kinds: KindRef[] = [];
  for (const ref of [...explicitKinds, ...DEFAULT_CLEANUP_KINDS]) {
    if (!kinds.some((k) => k.apiVersion === ref.apiVersion && k.kind === ref.kind)) kinds.push(ref);
  }
  return {
    runId,
    selector,
    ageMs: olderThan === undefined ? undefined : parseDuration("--older-than", olderThan),
    kinds,
    explicitKinds,
    timeoutMs: (seconds("--timeout", flags.timeout) ?? 120) * 1000,
  };
}

interface Scope {
  client: KubeClient;
  /** `optional`: a default kind, skipped (with a note) when listing it is forbidden. */
  kinds: { info: ResourceInfo; optional: boolean }[];
  /** `undefined`: all namespaces. */
  namespace?: string;
}

async function cleanupAction(flags: Record<string, unknown>): Promise<number> {
  const plan = planFrom(flags);
  const settings = await settingsFrom(flags);
  const { kubeConfig } = loadKubeConfig(kubeConfigOptions(settings));
  const namespace = flags.allNamespaces
    ? undefined
    : resolveNamespace({ flag: settings.namespace, kubeConfig });
  const where = namespace === undefined ? "in any namespace" : `in namespace "${namespace}"`;
  const client = createKubeClient(kubeConfig);
  try {
    const kinds: Scope["kinds"] = [];
    for (const ref of plan.kinds) {
      const optional = !plan.explicitKinds.some((k) =>
        k.apiVersion === ref.apiVersion && k.kind === ref.kind
      );
      try {
        kinds.push({ info: await resolveResource(client, { ...ref, metadata: {} }), optional });
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        throw new InputError(
          `--kind ${ref.apiVersion}/${ref.kind}: the cluster has no resource for this kind`,
          { cause: error },
        );
      }
    }
    const scope: Scope = { client, kinds, namespace };
    const kindNames = plan.kinds.map((k) => k.kind).join(", ");

    let selector = plan.runId !== undefined
      ? `${RUN_ID_LABEL}=${plan.runId}`
      : plan.ageMs !== undefined
      ? [RUN_ID_LABEL, plan.selector].filter(Boolean).join(",")
      : plan.selector!;
    let found = await listAll(scope, selector);
    if (plan.ageMs !== undefined) {
      const runs = selectOldRuns(found, { cutoffMs: Date.now() - plan.ageMs });
      found = [...runs.values()].flat();
      if (found.length === 0) {
        console.log(
          `nothing to delete: no run (label ${RUN_ID_LABEL}${
            plan.selector ? `, ${plan.selector}` : ""
          }) ` +
            `with all of its ${kindNames} older than ${flags.olderThan} ${where}`,
        );
        return ExitCode.Succeeded;
      }
      selector = [`${RUN_ID_LABEL} in (${[...runs.keys()].join(",")})`, plan.selector].filter(
        Boolean,
      ).join(",");
    }
    if (found.length === 0) {
      console.log(`nothing to delete: no ${kindNames} matches ${selector} ${where}`);
      return ExitCode.Succeeded;
    }
    if (flags.dryRun) {
      const uids = new Map(found.map((o) => [o.metadata.uid ?? "", o]));
      for (const object of found) {
        const owner = ownerIn(object, uids);
        console.log(
          `would delete ${label(object)}${owner ? ` with its owner ${describeObject(owner)}` : ""}`,
        );
      }
      console.log(`dry run: nothing was deleted (${found.length} object(s) matched)`);
      return ExitCode.Succeeded;
    }
    const handled = new Map<string, KubeObject>();
    await deleteAll(scope, found, handled);
    if (flags.wait === false) {
      console.log("not waiting until they are gone (--no-wait)");
      return ExitCode.Succeeded;
    }
    await waitUntilGone(scope, selector, handled, plan.timeoutMs);
    console.log("all gone");
    return ExitCode.Succeeded;
  } finally {
    client.close();
  }
}

function label(object: KubeObject): string {
  const parts = [
    object.metadata.namespace ? `namespace ${object.metadata.namespace}` : undefined,
    object.metadata.labels?.[RUN_ID_LABEL]
      ? `run ${object.metadata.labels[RUN_ID_LABEL]}`
      : undefined,
  ].filter(Boolean);
  return parts.length > 0
    ? `${describeObject(object)} (${parts.join(", ")})`
    : describeObject(object);
}

/** Lists every object of the scope's kinds matching `selector`, in kind order, page by page. */
async function listAll(scope: Scope, selector: string): Promise<KubeObject[]> {
  const found: KubeObject[] = [];
  for (const kind of [...scope.kinds]) {
    const info = kind.info;
    let next: string | undefined;
    do {
      let page: { items?: KubeObject[]; metadata?: { continue?: string } };
      try {
        page = await scope.client.request({
          path: collectionPath(info, scope.namespace),
          query: { labelSelector: selector, limit: 500, continue: next },
        });
      } catch (error) {
        if (error instanceof ApiError && error.status === 400) {
          throw new InputError(
            `label selector ${JSON.stringify(selector)}: the API server rejected it: ${
              error.body?.message ?? error.message
            }`,
            { cause: error },
          );
        }
        if (error instanceof ApiError && error.status === 403 && kind.optional) {
          console.error(
            `kjo: note: skipping ${info.kind}: not allowed to list ${info.plural}${
              scope.namespace ? ` in namespace "${scope.namespace}"` : ""
            } (name it with --kind to make this an error)`,
          );
          scope.kinds.splice(scope.kinds.indexOf(kind), 1);
          break;
        }
        throw error;
      }
      for (const item of page?.items ?? []) {
        // List items carry no apiVersion/kind.
        found.push({ ...item, apiVersion: info.apiVersion, kind: info.kind });
      }
      next = page?.metadata?.continue || undefined;
    } while (next);
  }
  return found;
}

/** The object among `objects` (by uid) that owns `object`, if any. */
function ownerIn(object: KubeObject, objects: Map<string, KubeObject>): KubeObject | undefined {
  for (const ref of object.metadata.ownerReferences ?? []) {
    const owner = objects.get(ref.uid);
    if (owner && owner !== object) return owner;
  }
  return undefined;
}

/**
 * Deletes each object not yet handled, in order, printing it. Objects owned
 * by another object being deleted (a Job's pods, the run's resources owned
 * by its first one) are left to the garbage collector, so `kjo cleanup`
 * needs no delete permission on them. One error for all failures.
 */
async function deleteAll(
  scope: Scope,
  objects: KubeObject[],
  handled: Map<string, KubeObject>,
): Promise<void> {
  const failures: string[] = [];
  const keyOf = (o: KubeObject) =>
    o.metadata.uid ?? `${describeObject(o)}@${o.metadata.namespace ?? ""}`;
  const owners = new Map(handled);
  for (const object of objects) if (!handled.has(keyOf(object))) owners.set(keyOf(object), object);
  for (const object of objects) {
    const key = keyOf(object);
    if (handled.has(key)) continue;
    handled.set(key, object);
    const owner = ownerIn(object, owners);
    if (owner) {
      console.log(`deleted ${label(object)} with its owner ${describeObject(owner)}`);
      continue;
    }
    try {
      const [outcome] = await deleteResources({
        client: scope.client,
        objects: [object],
        namespace: scope.namespace,
        propagationPolicy: "Background",
      });
      console.log(`${outcome.result === "deleted" ? "deleted" : "already gone"} ${label(object)}`);
    } catch (error) {
      failures.push(errorText(error));
    }
  }
  if (failures.length > 0) throw new ClusterError(failures.join("; "));
}

/**
 * Lists again until nothing matches; objects that appeared meanwhile (a pod
 * a Job controller made before its Job was gone) are deleted too.
 */
async function waitUntilGone(
  scope: Scope,
  selector: string,
  handled: Map<string, KubeObject>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = await listAll(scope, selector);
    if (remaining.length === 0) return;
    const fresh = remaining.filter((o) => !o.metadata.deletionTimestamp);
    if (fresh.length > 0) await deleteAll(scope, fresh, handled);
    if (Date.now() >= deadline) {
      const names = remaining.slice(0, 5).map(describeObject).join(", ");
      throw new ClusterError(
        `timed out after ${
          Math.round(timeoutMs / 1000)
        }s waiting for ${remaining.length} object(s) to be gone: ${names}${
          remaining.length > 5 ? ", ..." : ""
        }`,
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now())))
    );
  }
}
