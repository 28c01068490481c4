/**
 * Runs the `kjo` CLI in-process for tests: captures what it prints, isolates
 * it from the machine's kube config and `KJO_*` environment, and writes
 * kube config files for a stub API server.
 *
 * @module
 */

import { runCli } from "../../../src/cli/run_cli.ts";
import { stubKubeConfig } from "../kube/_stub_api.ts";

/** What one CLI call printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kjo ARGS` with console output captured, `HOME` pointing to an empty
 * directory, and `KUBECONFIG` and every `KJO_*` variable unset.
 */
export async function kjo(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const saved = Deno.env.toObject();
  const home = await Deno.makeTempDir({ prefix: "kjo-cli-home-" });
  for (const name of Object.keys(saved)) {
    if (name === "KUBECONFIG" || name.startsWith("KJO_")) Deno.env.delete(name);
  }
  Deno.env.set("HOME", home);
  console.log = (...parts: unknown[]) => void out.push(parts.join(" ") + "\n");
  console.error = (...parts: unknown[]) => void err.push(parts.join(" ") + "\n");
  try {
    const code = await runCli(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    console.log = log;
    console.error = error;
    for (const [name, value] of Object.entries(saved)) Deno.env.set(name, value);
    await Deno.remove(home, { recursive: true });
  }
}

/** Writes a kube config file for a stub API server on `port`; returns its path. */
export async function stubKubeConfigFile(port: number): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "kjo-cli-kubeconfig-" });
  await Deno.writeTextFile(path, stubKubeConfig(port).exportConfig());
  return path;
}

/** Path of a file under `fixtures/`. */
export function fixture(name: string): string {
  return new URL(`../../../fixtures/${name}`, import.meta.url).pathname;
}
