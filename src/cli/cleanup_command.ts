/**
 * `kjo cleanup`: deletes the resources of a run (or of every run older than
 * a given age) by their labels, e.g. what a killed kjo left behind. This file
 * parses the flags and prints; `src/runner/cleanup_runs.ts` does the work.
 *
 * @module
 */

import type { Command } from "commander";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { ExitCode, InputError } from "../errors.ts";
import { createKubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import {
  type CleanupKind,
  type CleanupNote,
  cleanupRuns,
  DEFAULT_CLEANUP_KINDS,
  type KindRef,
} from "../runner/cleanup_runs.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import { isLabelValue, LABEL_VALUE_RULE } from "../kube/name_rules.ts";
import {
  addClusterOptions,
  type ClusterFlags,
  clusterSettingFlags,
  collect,
  kubeConfigOptions,
  seconds,
  settingsFrom,
} from "./_options.ts";

/** The flags of `kjo cleanup`, as commander gives them. */
export interface CleanupFlags extends ClusterFlags {
  /** `--run-id`. */
  runId?: string;
  /** `-l/--selector`. */
  selector?: string;
  /** `--older-than`: a duration. */
  olderThan?: string;
  /** `--include-unfinished`. */
  includeUnfinished?: true;
  /** `--kind`, `apiVersion/Kind` each. */
  kind?: string[];
  /** `-n/--namespace`. */
  namespace?: string;
  /** `-A/--all-namespaces`. */
  allNamespaces?: true;
  /** `--dry-run`. */
  dryRun?: true;
  /** False with `--no-wait`. */
  wait: boolean;
  /** `--timeout`, unparsed. */
  timeout?: string;
}

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

/** Adds `kjo cleanup`, without its action ({@linkcode cleanupAction}), to `program`. */
export function addCleanupCommand(program: Command): Command {
  const command = program.command("cleanup")
    .summary("delete the resources of a run (or of old runs) by label")
    .description(
      "Delete the objects of kjo runs: those carrying the run's label (kjo/run-id=ID), or matching " +
        "a label selector, or belonging to a run all of whose objects are older than a duration " +
        "(what a killed kjo left behind). Only objects with a kjo/run-id label are ever touched: a " +
        "selector is ANDed with it. --older-than skips runs a kjo still follows (it renews a " +
        "heartbeat Lease every minute) and runs whose tracked resource has not finished (unless " +
        "--include-unfinished). Looks in Jobs, Pods, Services, ConfigMaps and Secrets, plus the " +
        "kinds given with --kind, in one namespace or all. Deletes with propagation Background " +
        "(uid preconditions, so a newer object of the same name is never touched; objects owned " +
        "by another deleted object, like a Job's pods, are left to the garbage collector), prints " +
        "each object, and waits until they are gone. Exit codes: 0 done (also when nothing " +
        "matched), 2 bad input, 3 cluster error, a failed delete or timeout.",
    );
  addClusterOptions(command);
  command
    .option("--run-id <id>", "the run whose resources to delete (label kjo/run-id)")
    .option(
      "-l, --selector <selector>",
      "a label selector, ANDed with kjo/run-id, e.g. kjo/dag-id=etl,kjo/task-id=load",
    )
    .option(
      "--older-than <duration>",
      "runs whose objects are all older than this, e.g. 30m, 2h, 1d (never runs a kjo follows)",
    )
    .option(
      "--include-unfinished",
      "with --older-than: also runs whose tracked resource has not finished and that no kjo follows",
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
  kjo cleanup --older-than 1d --include-unfinished -l kjo/dag-id=etl --no-wait`,
    );
  return command;
}

interface Plan {
  runId?: string;
  selector?: string;
  ageMs?: number;
  kinds: CleanupKind[];
  timeoutMs: number;
}

function planFrom(flags: CleanupFlags): Plan {
  const { runId, selector, olderThan } = flags;
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
  if (flags.includeUnfinished && olderThan === undefined) {
    throw new InputError("--include-unfinished only applies to --older-than");
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
  const explicit = (flags.kind ?? []).map(parseKindRef);
  const kinds: CleanupKind[] = [];
  for (const ref of [...explicit, ...DEFAULT_CLEANUP_KINDS]) {
    if (kinds.some((k) => k.apiVersion === ref.apiVersion && k.kind === ref.kind)) continue;
    const optional = !explicit.some((k) => k.apiVersion === ref.apiVersion && k.kind === ref.kind);
    kinds.push({ ...ref, optional });
  }
  return {
    runId,
    selector,
    ageMs: olderThan === undefined ? undefined : parseDuration("--older-than", olderThan),
    kinds,
    timeoutMs: (seconds("--timeout", flags.timeout) ?? 120) * 1000,
  };
}

/** Deletes (or lists) the objects the flags select; resolves to the exit code. */
export async function cleanupAction(flags: CleanupFlags): Promise<number> {
  const plan = planFrom(flags);
  const settings = await settingsFrom(clusterSettingFlags(flags));
  const { kubeConfig } = loadKubeConfig(kubeConfigOptions(settings));
  const namespace = flags.allNamespaces
    ? undefined
    : resolveNamespace({ flag: settings.namespace, kubeConfig });
  const where = namespace === undefined ? "in any namespace" : `in namespace "${namespace}"`;
  const client = createKubeClient(kubeConfig);
  try {
    const report = await cleanupRuns({
      client,
      namespace,
      runId: plan.runId,
      selector: plan.selector,
      olderThanMs: plan.ageMs,
      includeUnfinished: flags.includeUnfinished === true,
      kinds: plan.kinds,
      dryRun: flags.dryRun === true,
      wait: flags.wait !== false,
      timeoutMs: plan.timeoutMs,
      onNote: (note) => printNote(note),
    });
    const kindNames = plan.kinds.map((k) => k.kind).join(", ");
    if (report.objects.length === 0) {
      console.log(
        plan.ageMs !== undefined
          ? `nothing to delete: no run (label ${RUN_ID_LABEL}${
            plan.selector ? `, ${plan.selector}` : ""
          }) with all of its ${kindNames} older than ${flags.olderThan} ${where}`
          : `nothing to delete: no ${kindNames} matches ${report.selector} ${where}`,
      );
    } else if (flags.dryRun) {
      console.log(`dry run: nothing was deleted (${report.objects.length} object(s) matched)`);
    } else if (flags.wait === false) {
      console.log("not waiting until they are gone (--no-wait)");
    } else {
      console.log("all gone");
    }
    return ExitCode.Succeeded;
  } finally {
    client.close();
  }
}

function printNote(note: CleanupNote): void {
  switch (note.type) {
    case "kind-skipped":
      console.error(
        `kjo: note: skipping ${note.kind}: not allowed to list ${note.plural}${
          note.namespace ? ` in namespace "${note.namespace}"` : ""
        } (name it with --kind to make this an error)`,
      );
      return;
    case "run-skipped":
      console.log(
        note.why === "followed"
          ? `skipping run ${note.runId}: a kjo follows it (heartbeat Lease renewed recently)`
          : `skipping run ${note.runId}: ${
            describeObject(note.tracked!)
          } has not finished (state ${note.state}; --include-unfinished deletes it)`,
      );
      return;
    case "would-delete":
      console.log(
        `would delete ${label(note.object)}${
          note.owner ? ` with its owner ${describeObject(note.owner)}` : ""
        }`,
      );
      return;
    case "removed": {
      const { step } = note;
      if (step.result === "owner") {
        console.log(`deleted ${label(step.object)} with its owner ${describeObject(step.owner)}`);
      } else if (step.result !== "failed") {
        console.log(
          `${step.result === "deleted" ? "deleted" : "already gone"} ${label(step.object)}`,
        );
      }
      return;
    }
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
