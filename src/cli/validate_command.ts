/**
 * `kjo validate`: builds a body and has the API server check every resource
 * with a server-side dry run; nothing is created.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { loadKubeConfig } from "../config/kubeconfig.ts";
import { resolveNamespace } from "../config/resolve_namespace.ts";
import { ExitCode } from "../errors.ts";
import { applyResources } from "../kube/apply_resources.ts";
import { createKubeClient } from "../kube/kube_client.ts";
import { describeObject } from "../kube/kube_object.ts";
import {
  addBodyOptions,
  addClusterOptions,
  type BodyFlags,
  type ClusterFlags,
  kubeConfigOptions,
} from "./_options.ts";
import { buildFromFlags } from "./_build_from_flags.ts";

/** The flags of `kjo validate`, as commander gives them. */
export interface ValidateFlags extends BodyFlags, ClusterFlags {
  /** `-o/--output`. */
  output: "text" | "json";
}

/** Adds `kjo validate`, without its action ({@linkcode validateAction}), to `program`. */
export function addValidateCommand(program: Command): Command {
  const command = program.command("validate")
    .summary("check a body with a server-side dry run, creating nothing")
    .description(
      "Build the body as `kjo run` would, then send every resource to the API server as a " +
        "server-side dry run (dryRun=All, strict field validation): admission, schema, quota and " +
        "RBAC checks run, nothing is stored. Prints `ok Kind/name` per resource. Exit codes: " +
        "0 valid, 2 bad input (the first problem, naming document and field), 3 cluster error " +
        "(unreachable, unauthorized, forbidden).",
    );
  addBodyOptions(command);
  addClusterOptions(command);
  command
    .addOption(
      new Option("-o, --output <format>", "text (ok Kind/name lines) or json").choices([
        "text",
        "json",
      ])
        .default("text"),
    )
    .addHelpText(
      "after",
      `
Examples:
  kjo validate -f fixtures/multi_resource.yaml
  kjo validate -f job.yaml -n jobs --context staging
  kjo validate --image busybox -o json -- sh -c 'echo hello'`,
    );
  return command;
}

/**
 * Checks the body the flags describe with a server-side dry run and prints
 * the result; resolves to the exit code.
 */
export async function validateAction(rest: string[], flags: ValidateFlags): Promise<number> {
  const { settings, objects } = await buildFromFlags(rest, flags);
  const { kubeConfig } = loadKubeConfig(kubeConfigOptions(settings));
  const namespace = resolveNamespace({
    flag: settings.namespace,
    bodyNamespace: objects[0].metadata.namespace,
    kubeConfig,
  });
  const client = createKubeClient(kubeConfig);
  try {
    const answers = await applyResources({ client, objects, namespace, dryRun: true });
    const resources = objects.map((object, i) => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      namespace: answers[i]?.metadata?.namespace,
    }));
    if (flags.output === "json") {
      console.log(JSON.stringify({ ok: true, namespace, resources }, null, 2));
    } else {
      for (const object of objects) console.log(`ok ${describeObject(object)}`);
    }
    return ExitCode.Succeeded;
  } finally {
    client.close();
  }
}
