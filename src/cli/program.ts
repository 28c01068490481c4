/**
 * Builds the `kjo` command-line program: the root command with its global
 * help and version, and one subcommand per file in this folder, each bound
 * to its action.
 *
 * @module
 */

import { Command } from "commander";
import { VERSION } from "../version.ts";
import { addRunCommand, runAction } from "./run_command.ts";
import { addAttachCommand, attachAction } from "./attach_command.ts";
import { addRenderCommand, renderAction } from "./render_command.ts";
import { addValidateCommand, validateAction } from "./validate_command.ts";
import { addCleanupCommand, cleanupAction } from "./cleanup_command.ts";
import { addRbacCommand, rbacAction } from "./rbac_command.ts";
import { addServeCommand, serveAction } from "./serve_command.ts";

/**
 * Creates the commander program with every subcommand registered. Each
 * subcommand's action resolves to an exit code, which is handed to
 * `onExitCode` (commander itself ignores what an action returns).
 *
 * @example Run `kjo` on an argument list and get the exit code
 * ```ts
 * let exitCode = 0;
 * const program = createProgram((code) => exitCode = code);
 * await program.parseAsync(["render", "--image", "busybox", "--run-id", "r1"], { from: "user" });
 * console.log(exitCode); // 0
 * ```
 */
export function createProgram(onExitCode: (code: number) => void): Command {
  const program = new Command("kjo")
    .description(
      "Run a task as Kubernetes resources (a Job, a Pod with sidecars, several resources, custom kinds), " +
        "relay every pod's logs and events, decide the result, explain failures and clean up.",
    )
    .version(`kjo ${VERSION}`, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  // Commander calls an action with the positional arguments, the flags and
  // the command; each action takes the first two (or the flags) typed.
  const bind = <A extends unknown[]>(
    command: Command,
    action: (...args: A) => Promise<number>,
  ) => command.action(async (...args: A) => onExitCode(await action(...args)));
  bind(addRunCommand(program), runAction);
  bind(addAttachCommand(program), attachAction);
  bind(addRenderCommand(program), renderAction);
  bind(addValidateCommand(program), validateAction);
  bind(addCleanupCommand(program), cleanupAction);
  bind(addRbacCommand(program), rbacAction);
  bind(addServeCommand(program), serveAction);
  return program;
}
