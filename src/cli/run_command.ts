/**
 * `kjo run`: runs a task as Kubernetes resources, relaying logs and events,
 * and exits with the run's exit code.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { loadCustomKindRules } from "../kinds/custom_kind_rules.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import { JsonlWriter } from "../output/jsonl_writer.ts";
import { TextWriter } from "../output/text_writer.ts";
import { denoStderr, denoStdout } from "../output/text_target.ts";
import { shouldUseColor } from "../output/ansi_colors.ts";
import type { EventWriter } from "../output/event_sink.ts";
import { run } from "../runner/run.ts";
import { trapStopSignals } from "../runner/signals.ts";

import type { Settings } from "../config/settings.ts";
import { addBodyOptions, addClusterOptions, bodyOptions, collect, settingsFrom } from "./_options.ts";

/**
 * Adds `kjo run` to `program`.
 *
 * @example
 * ```ts
 * addRunCommand(createProgram());
 * ```
 */
export function addRunCommand(program: Command): Command {
  const command = program.command("run")
    .summary("run a task as Kubernetes resources and wait for its result")
    .description(
      "Create the resources of a body (the first one is tracked), relay every pod's logs and the " +
        "Kubernetes events of the run, decide the result from the first resource, explain a failure, " +
        "and delete the resources per the delete policy. Exit codes: 0 succeeded, 1 failed, " +
        "2 bad input (nothing created), 3 cluster error, 130/143 interrupted (resources deleted).",
    )
    .argument("[command...]", "command of the main container (after --), e.g. -- sh -c 'echo hi'");
  addBodyOptions(command);
  addClusterOptions(command);
  command
    .addOption(new Option("--delete-policy <policy>", "when to delete the resources (default IfSucceeded)").choices(["Always", "Never", "IfFailed", "IfSucceeded"]))
    .option("--no-logs", "do not relay container logs (get_logs=False)")
    .option("--startup-timeout <seconds>", "seconds until something of the run must run (default 120)")
    .option("--execution-timeout <seconds>", "seconds the whole run may take (default: no limit)")
    .option("--image-pull-failure-grace <seconds>", "seconds a container may fail to pull its image (default 30)")
    .option("--rules <file>", "custom kind rules file (YAML); repeat", collect)
    .addOption(new Option("-o, --output <format>", "text or jsonl (one JSON event a line on stdout)").choices(["text", "jsonl"]))
    .option("--show-timestamps", "prefix log lines with the container runtime's timestamps")
    .option("--show-api-events", "also relay ::kube_api: lines as log lines")
    .addHelpText(
      "after",
      `
Examples:
  kjo run --image busybox -- sh -c 'echo hello'
  kjo run -f fixtures/job_hello.yaml --delete-policy Always
  kjo run -f fixtures/job_template.yaml --set greeting=hi -o jsonl
  cat job.yaml | kjo run -f - -n jobs`,
    )
    .action(async (rest: string[], flags: Record<string, unknown>, self: Command) => {
      self.setOptionValue("__exitCode", await runAction(rest, flags));
    });
  return command;
}

async function runAction(rest: string[], rawFlags: Record<string, unknown>): Promise<number> {
  const flags = {
    ...rawFlags,
    startupTimeoutSeconds: rawFlags.startupTimeout,
    executionTimeoutSeconds: rawFlags.executionTimeout,
    imagePullFailureGraceSeconds: rawFlags.imagePullFailureGrace,
    showKubernetesTimestamps: rawFlags.showTimestamps,
  };
  const settings = await settingsFrom(flags);
  const writer = createWriter(settings);
  const kinds = KindRegistry.withBuiltins();
  for (const file of (rawFlags.rules as string[] | undefined) ?? []) kinds.registerAll(await loadCustomKindRules(file));

  const stop = new AbortController();
  const untrap = trapStopSignals(stop);
  try {
    const result = await run({
      ...(await bodyOptions(flags, settings, rest)),
      runId: rawFlags.runId as string | undefined,
      kubeconfig: settings.kubeconfig,
      context: settings.context,
      inCluster: settings.inCluster,
      extraLocations: settings.kubeConfigExtraLocations,
      deletePolicy: settings.deletePolicy,
      getLogs: rawFlags.logs !== false,
      relayApiEventLines: rawFlags.showApiEvents === true,
      startupTimeoutSeconds: settings.startupTimeoutSeconds,
      executionTimeoutSeconds: settings.executionTimeoutSeconds,
      imagePullFailureGraceSeconds: settings.imagePullFailureGraceSeconds,
      kinds,
      onEvent: (event) => writer.write(event),
      signal: stop.signal,
    });
    return result.exitCode;
  } finally {
    untrap();
    writer.close();
  }
}

function createWriter(settings: Settings): EventWriter {
  if (settings.output === "jsonl") return new JsonlWriter({ stdout: denoStdout() });
  return new TextWriter({
    stdout: denoStdout(),
    stderr: denoStderr(),
    color: { stdout: shouldUseColor(Deno.stdout), stderr: shouldUseColor(Deno.stderr) },
    timestamps: settings.showKubernetesTimestamps,
    debug: settings.logLevel === "debug",
    apiEvents: false,
  });
}

