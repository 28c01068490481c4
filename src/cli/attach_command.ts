/**
 * `kjo attach`: follows an existing run to its end, as `kjo run` would have.
 *
 * @module
 */

import type { Command } from "commander";
import { InputError } from "../errors.ts";
import { attach } from "../runner/attach.ts";
import { addClusterOptions, type ClusterFlags } from "./_options.ts";
import { addFollowOptions, type FollowFlags, followSetup, followWithOutput } from "./_follow.ts";

/** The flags of `kjo attach`, as commander gives them. */
export interface AttachFlags extends ClusterFlags, FollowFlags {
  /** `--run-id` (required). */
  runId: string;
  /** `-n/--namespace`. */
  namespace?: string;
  /** `--since`: an RFC 3339 time. */
  since?: string;
}

/** Adds `kjo attach`, without its action ({@linkcode attachAction}), to `program`. */
export function addAttachCommand(program: Command): Command {
  const command = program.command("attach")
    .summary("follow an existing run (e.g. after kjo was killed) to its end")
    .description(
      "Find the run by its id (label kjo/run-id), relay every container's log from its start (or " +
        "from --since), each line once, and its events; decide, clean up per the delete policy and " +
        "exit like kjo run.",
    )
    .requiredOption("--run-id <id>", "the run to follow")
    .option(
      "-n, --namespace <namespace>",
      "namespace of the run (default: context, service account, 'default')",
    )
    .option("--since <time>", "relay log lines from this RFC 3339 time on");
  addClusterOptions(command);
  addFollowOptions(command);
  command
    .addHelpText(
      "after",
      `
Examples:
  kjo attach --run-id k3f9x0q2m7ab -n jobs
  kjo attach --run-id k3f9x0q2m7ab --since 2026-11-29T10:00:00Z -o jsonl`,
    );
  return command;
}

/** Follows the run `--run-id` names to its end; resolves to its exit code. */
export async function attachAction(flags: AttachFlags): Promise<number> {
  const { settings, options } = await followSetup(flags);
  const since = flags.since;
  if (since !== undefined && Number.isNaN(Date.parse(since))) {
    throw new InputError(`--since: not an RFC 3339 time: ${JSON.stringify(since)}`);
  }
  return await followWithOutput(
    settings,
    flags.runId,
    (onEvent, signal) =>
      attach({
        ...options,
        runId: flags.runId,
        ...(since ? { logsSince: new Date(since).toISOString().replace(/\.\d+Z$/, "Z") } : {}),
        onEvent,
        signal,
      }),
  );
}
