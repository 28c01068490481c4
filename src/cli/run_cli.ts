/**
 * Runs the command-line program on an argument list and turns errors into
 * exit codes: usage and input errors print one line and give 2.
 *
 * @module
 */

import { CommanderError } from "commander";
import { createProgram } from "./program.ts";
import { ExitCode, KjoError } from "../errors.ts";

/**
 * Parses `args` (without the program name), runs the chosen subcommand and
 * resolves to the process exit code.
 *
 * @example
 * ```ts
 * const code = await runCli(["--version"]);
 * ```
 */
export async function runCli(args: string[]): Promise<number> {
  let exitCode: number = ExitCode.Succeeded;
  const program = createProgram((code) => exitCode = code).exitOverride();
  // Usage errors of subcommands must also end in exit code 2, not exit().
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(args, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; usage errors already printed.
      return error.exitCode === 0 ? ExitCode.Succeeded : ExitCode.BadInput;
    }
    if (error instanceof KjoError) {
      console.error(`kjo: ${error.message}`);
      return error.exitCode;
    }
    console.error(`kjo: unexpected error: ${error instanceof Error ? error.stack : String(error)}`);
    return ExitCode.Infrastructure;
  }
}
