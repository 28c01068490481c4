/**
 * The `kjo` command. Run `kjo --help` for its subcommands.
 *
 * @module
 */

import { runCli } from "./src/cli/run_cli.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
