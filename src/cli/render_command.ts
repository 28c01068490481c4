/**
 * `kjo render`: prints the final manifests of a body (templating and
 * augmentation applied) without touching a cluster.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { applyNamespace } from "../body/augment_metadata.ts";
import { type LoadedKubeConfig, loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import type { Settings } from "../config/settings.ts";
import { ExitCode } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { render } from "../runner/render.ts";
import {
  addBodyOptions,
  addClusterOptions,
  bodyOptions,
  kubeConfigOptions,
  setExitCode,
  settingsFrom,
} from "./_options.ts";

/**
 * Adds `kjo render` to `program`.
 *
 * @example
 * ```ts
 * addRenderCommand(createProgram());
 * ```
 */
export function addRenderCommand(program: Command): Command {
  const command = program.command("render")
    .summary("print the final manifests of a body, without a cluster")
    .description(
      "Build the body exactly as `kjo run` would (eta templating, names with prefix/postfix/random " +
        "postfix, namespace, labels incl. kjo/run-id, envs, image, pod settings) and print the " +
        "result; nothing is sent to a cluster. Namespaces come from --namespace, else the first " +
        "resource's, else the kube config's context when one can be loaded locally; without a kube " +
        "config they are left unset. With --run-id the output is deterministic: the random name " +
        "postfix is derived from the run id. Exit codes: 0 printed, 2 bad input.",
    );
  addBodyOptions(command);
  addClusterOptions(command);
  command
    .addOption(
      new Option("-o, --output <format>", "yaml (multi-document) or json (a JSON list)")
        .choices(["yaml", "json"]).default("yaml"),
    )
    .addHelpText(
      "after",
      `
Examples:
  kjo render -f fixtures/job_hello.yaml
  kjo render -f fixtures/job_template.yaml --set greeting=hi --run-id r1   # same output every time
  kjo render --image busybox -n jobs -o json -- sh -c 'echo hello'
  kjo render -f job.yaml --run-id r1 | kubectl diff -f -`,
    )
    .action(async (rest: string[], flags: Record<string, unknown>, self: Command) => {
      setExitCode(self, await renderAction(rest, flags));
    });
  return command;
}

async function renderAction(rest: string[], flags: Record<string, unknown>): Promise<number> {
  const { settings, objects } = await buildFromFlags(rest, flags);
  const namespace = settings.namespace ?? objects[0]?.metadata.namespace ??
    localKubeConfigNamespace(settings);
  if (namespace) applyNamespace(objects, { defaultNamespace: namespace });
  console.log(formatManifests(objects, flags.output === "json" ? "json" : "yaml"));
  return ExitCode.Succeeded;
}

/**
 * The body the flags describe, built as `kjo run` builds it, with the
 * settings used, by the library's `render()`: a given `--run-id` also seeds
 * the random name postfix, so the result is the same on every call; without
 * it the run id is new and the postfix random. The `output` flag is left out
 * of the settings (its choices differ per subcommand).
 *
 * @example
 * ```ts
 * const { objects } = await buildFromFlags([], { bodyFile: "job.yaml", runId: "r1" });
 * ```
 */
export async function buildFromFlags(
  rest: string[],
  flags: Record<string, unknown>,
): Promise<{ settings: Settings; objects: KubeObject[] }> {
  const { output: _output, ...settingFlags } = flags;
  const settings = await settingsFrom(settingFlags);
  const options = await bodyOptions(settingFlags, settings, rest);
  const runId = typeof flags.runId === "string" ? flags.runId : undefined;
  return { settings, objects: await render({ ...options, runId }) };
}

/**
 * Loads the kube config the settings point to, without network access.
 * When the settings name one (`--kubeconfig`, `--context`, `--in-cluster` or
 * their env/config equivalents) a failure is an error; otherwise a missing
 * kube config gives `undefined`.
 *
 * @example
 * ```ts
 * const loaded = tryLoadKubeConfig(settings);
 * ```
 */
export function tryLoadKubeConfig(settings: Settings): LoadedKubeConfig | undefined {
  const options = kubeConfigOptions(settings);
  const explicit = settings.kubeconfig !== undefined || settings.context !== undefined ||
    settings.inCluster;
  if (explicit) return loadKubeConfig(options);
  try {
    return loadKubeConfig(options);
  } catch {
    return undefined;
  }
}

function localKubeConfigNamespace(settings: Settings): string | undefined {
  const loaded = tryLoadKubeConfig(settings);
  return loaded ? resolveNamespace({ kubeConfig: loaded.kubeConfig }) : undefined;
}

/**
 * Formats objects as a YAML multi-document stream or a JSON list (both end
 * without a newline).
 *
 * @example
 * ```ts
 * formatManifests([job, configMap], "yaml"); // "apiVersion: batch/v1\n...\n---\napiVersion: v1\n..."
 * ```
 */
export function formatManifests(objects: unknown[], format: "yaml" | "json"): string {
  if (format === "json") return JSON.stringify(objects, null, 2);
  return objects.map((object) => stringify(object, { lineWidth: 0 }).trimEnd()).join("\n---\n");
}
