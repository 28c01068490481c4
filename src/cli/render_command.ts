/**
 * `kjo render`: prints the final manifests of a body (templating and
 * augmentation applied) without touching a cluster.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { applyNamespace } from "../body/augment_metadata.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import type { Settings } from "../config/settings.ts";
import { ExitCode } from "../errors.ts";
import {
  addBodyOptions,
  addClusterOptions,
  type BodyFlags,
  type ClusterFlags,
  tryLoadKubeConfig,
} from "./_options.ts";
import { buildFromFlags } from "./_build_from_flags.ts";

/** The flags of `kjo render`, as commander gives them. */
export interface RenderFlags extends BodyFlags, ClusterFlags {
  /** `-o/--output`. */
  output: "yaml" | "json";
}

/** Adds `kjo render`, without its action ({@linkcode renderAction}), to `program`. */
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
    );
  return command;
}

/** Prints the manifests the flags describe; resolves to the exit code. */
export async function renderAction(rest: string[], flags: RenderFlags): Promise<number> {
  const { settings, objects } = await buildFromFlags(rest, flags);
  const namespace = settings.namespace ?? objects[0]?.metadata.namespace ??
    localKubeConfigNamespace(settings);
  if (namespace) applyNamespace(objects, { defaultNamespace: namespace });
  console.log(formatManifests(objects, flags.output));
  return ExitCode.Succeeded;
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
 * formatManifests([{ kind: "Job" }, { kind: "ConfigMap" }], "yaml"); // "kind: Job\n---\nkind: ConfigMap"
 * ```
 */
export function formatManifests(objects: unknown[], format: "yaml" | "json"): string {
  if (format === "json") return JSON.stringify(objects, null, 2);
  return objects.map((object) => stringify(object, { lineWidth: 0 }).trimEnd()).join("\n---\n");
}
