/**
 * Builds the `kjo` command-line program: the root command with its global
 * help and version, and one subcommand per file in this folder.
 *
 * @module
 */

import { Command } from "commander";
import { VERSION } from "../version.ts";
import { addRunCommand } from "./run_command.ts";
import { addAttachCommand } from "./attach_command.ts";
import { addRenderCommand } from "./render_command.ts";
import { addValidateCommand } from "./validate_command.ts";
import { addCleanupCommand } from "./cleanup_command.ts";
import { addRbacCommand } from "./rbac_command.ts";
import { addServeCommand } from "./serve_command.ts";

/**
 * Creates the commander program with every subcommand registered.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(["node", "kjo", "--help"]);
 * ```
 */
export function createProgram(): Command {
  const program = new Command("kjo")
    .description(
      "Run a task as Kubernetes resources (a Job, a Pod with sidecars, several resources, custom kinds), " +
        "relay every pod's logs and events, decide the result, explain failures and clean up.",
    )
    .version(`kjo ${VERSION}`, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  addRunCommand(program);
  addAttachCommand(program);
  addRenderCommand(program);
  addValidateCommand(program);
  addCleanupCommand(program);
  addRbacCommand(program);
  addServeCommand(program);
  return program;
}
