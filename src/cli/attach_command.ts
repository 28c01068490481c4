/**
 * `kjo attach`: follows an existing run to its end, as `kjo run` would have.
 *
 * @module
 */

import type { Command } from "commander";
import { InputError } from "../errors.ts";
import { attach } from "../runner/attach.ts";
import { addClusterOptions, setExitCode } from "./_options.ts";
import { addFollowOptions, followSetup, followWithOutput } from "./_follow.ts";

/**
 * Adds `kjo attach` to `program`.
 *
 * @example
 * ```ts
 * addAttachCommand(createProgram());
 * ```
 */
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
    )
    .action(async (rawFlags: Record<string, unknown>, self: Command) => {
      const { settings, options } = await followSetup(rawFlags);
      const since = rawFlags.since as string | undefined;
      if (since !== undefined && Number.isNaN(Date.parse(since))) {
        throw new InputError(`--since: not an RFC 3339 time: ${JSON.stringify(since)}`);
      }
      const code = await followWithOutput(
        settings,
        String(rawFlags.runId),
        (onEvent, signal) =>
          attach({
            ...options,
            runId: String(rawFlags.runId),
            ...(since ? { logsSince: new Date(since).toISOString().replace(/\.\d+Z$/, "Z") } : {}),
            onEvent,
            signal,
          }),
      );
      setExitCode(self, code);
    });
  return command;
}
