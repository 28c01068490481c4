/**
 * `kjo run`: runs a task as Kubernetes resources, relaying logs and events,
 * and exits with the run's exit code.
 *
 * @module
 */

import type { Command } from "commander";
import { run } from "../runner/run.ts";
import { newRunId } from "../runner/run_id.ts";
import {
  addBodyOptions,
  addClusterOptions,
  type BodyFlags,
  bodyOptions,
  bodySettingFlags,
  type ClusterFlags,
  collect,
  keyValues,
} from "./_options.ts";
import { addFollowOptions, type FollowFlags, followSetup, followWithOutput } from "./_follow.ts";

/** The flags of `kjo run`, as commander gives them. */
export interface RunFlags extends BodyFlags, ClusterFlags, FollowFlags {
  /** `--identity-label`, `KEY=VALUE` each. */
  identityLabel?: string[];
  /** `--reattach`. */
  reattach?: true;
  /** `--detach`. */
  detach?: true;
}

/** Adds `kjo run`, without its action ({@linkcode runAction}), to `program`. */
export function addRunCommand(program: Command): Command {
  const command = program.command("run")
    .summary("run a task as Kubernetes resources and wait for its result")
    .description(
      "Create the resources of a body (the first one is tracked), relay every pod's logs and the " +
        "Kubernetes events of the run, decide the result from the first resource, explain a failure, " +
        "and delete the resources per the delete policy. Exit codes: 0 succeeded, 1 failed, " +
        "2 bad input (nothing created), 3 cluster error, 130/143 interrupted (resources deleted).",
    );
  addBodyOptions(command);
  addClusterOptions(command);
  addFollowOptions(command);
  command
    .option(
      "--identity-label <KEY=VALUE>",
      "a label that identifies the task across retries (also set on every resource); repeat",
      collect,
    )
    .option(
      "--reattach",
      "follow a live run with the same identity labels instead of starting another",
    )
    .option(
      "--detach",
      "create the resources, print the run id and exit (follow later with kjo attach)",
    )
    .addHelpText(
      "after",
      `
Examples:
  kjo run --image busybox -- sh -c 'echo hello'
  kjo run -f fixtures/job_hello.yaml --delete-policy Always
  kjo run -f fixtures/job_template.yaml --set greeting=hi -o jsonl
  cat job.yaml | kjo run -f - -n jobs
  kjo run -f job.yaml --identity-label app/task=nightly --reattach`,
    );
  return command;
}

/**
 * Runs `kjo run` on the main container's command (after `--`) and the
 * flags; resolves to the run's exit code.
 */
export async function runAction(rest: string[], flags: RunFlags): Promise<number> {
  const { settings, options } = await followSetup(flags, bodySettingFlags(flags));
  const body = await bodyOptions(flags, settings, rest);
  const runId = flags.runId ?? newRunId();
  return await followWithOutput(settings, runId, (onEvent, signal) =>
    run({
      ...options,
      ...body,
      runId,
      identityLabels: keyValues("--identity-label", flags.identityLabel),
      reattach: flags.reattach === true,
      detach: flags.detach === true,
      onEvent,
      signal,
    }));
}
