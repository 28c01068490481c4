/**
 * Flags and plumbing shared by the subcommands that follow a run to its end
 * (`run`, `attach`): delete policy, timeouts, logs, rules, output format;
 * the event writer; signals.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { DELETE_POLICIES, EVENT_MODES, EVENTS_FROM, OUTPUT_FORMATS } from "../choices.ts";
import { settingDefault, type Settings } from "../config/settings.ts";
import { loadCustomKindRules } from "../kinds/custom_kind_rules.ts";
import { KindRegistry } from "../kinds/kind_registry.ts";
import { shouldUseColor } from "../output/ansi_colors.ts";
import type { EventWriter } from "../output/event_sink.ts";
import { JsonlWriter } from "../output/jsonl_writer.ts";
import type { ResultEvent } from "../output/run_event.ts";
import { denoStderr, denoStdout } from "../output/text_target.ts";
import { TextWriter } from "../output/text_writer.ts";
import type { RunOptions } from "../runner/run_options.ts";
import { trapStopSignals } from "../runner/signals.ts";
import { collect, kubeConfigOptions, settingsFrom } from "./_options.ts";

/**
 * Adds the flags of a followed run.
 *
 * @example
 * ```ts
 * addFollowOptions(program.command("attach"));
 * ```
 */
export function addFollowOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--delete-policy <policy>",
        `when to delete the resources (default ${settingDefault("deletePolicy")})`,
      )
        .choices(DELETE_POLICIES),
    )
    .option("--no-logs", "do not relay container logs (get_logs=False)")
    .option(
      "--startup-timeout <seconds>",
      `seconds until a container of the run, and of each of its pods, must run; 0 for no limit (default ${
        settingDefault("startupTimeoutSeconds")
      })`,
    )
    .option("--execution-timeout <seconds>", "seconds the whole run may take (default: no limit)")
    .option(
      "--image-pull-failure-grace <seconds>",
      `seconds a run may stay stuck (image pull, config or mount errors, unbound claim, lost node, refused pod creation) before it fails (default ${
        settingDefault("imagePullFailureGraceSeconds")
      })`,
    )
    .option(
      "--stall-timeout <seconds>",
      `seconds of silence after which a watch or log stream is reconnected (default ${
        settingDefault("stallTimeoutSeconds")
      })`,
    )
    .option("--rules <file>", "custom kind rules file (YAML); repeat", collect)
    .addOption(
      new Option("-o, --output <format>", "text or jsonl (one JSON event a line on stdout)")
        .choices(OUTPUT_FORMATS),
    )
    .addOption(
      new Option(
        "--events <which>",
        "Kubernetes events shown: all, warnings or none (default: warnings in text, all in jsonl)",
      ).choices(EVENT_MODES),
    )
    .option("--show-timestamps", "prefix log lines with the container runtime's timestamps")
    .option("--show-api-events", "also relay ::kube_api: lines as log lines")
    .option(
      "--no-parse-xcom",
      "leave ::kube_api:xcom= values unparsed (api events carry the raw value)",
    )
    .option(
      "--xcom-max-bytes <bytes>",
      `largest XCom of a run, as JSON bytes; more fails it (default ${
        settingDefault("xcomMaxBytes")
      })`,
    )
    .option(
      "--xcom-max-depth <levels>",
      `deepest nesting of an xcom value; deeper fails the run (default ${
        settingDefault("xcomMaxDepth")
      })`,
    )
    .addOption(
      new Option(
        "--events-from <containers>",
        `read ::kube_api: events from all containers or only each pod's main container (default ${
          settingDefault("eventsFrom")
        })`,
      ).choices(EVENTS_FROM),
    );
}

/** Settings and run options of the follow flags. */
export interface FollowSetup {
  settings: Settings;
  options: Omit<RunOptions, "source">;
}

/**
 * Resolves settings from the flags (flags > KJO_* env > config file >
 * defaults) and the options of a followed run.
 *
 * @example
 * ```ts
 * const { settings, options } = await followSetup(flags);
 * ```
 */
export async function followSetup(
  rawFlags: Record<string, unknown>,
): Promise<FollowSetup & { flags: Record<string, unknown> }> {
  const flags = {
    ...rawFlags,
    startupTimeoutSeconds: rawFlags.startupTimeout,
    executionTimeoutSeconds: rawFlags.executionTimeout,
    imagePullFailureGraceSeconds: rawFlags.imagePullFailureGrace,
    stallTimeoutSeconds: rawFlags.stallTimeout,
    showKubernetesTimestamps: rawFlags.showTimestamps,
  };
  const settings = await settingsFrom(flags);
  const kinds = KindRegistry.withBuiltins();
  for (const file of (rawFlags.rules as string[] | undefined) ?? []) {
    kinds.registerAll(await loadCustomKindRules(file));
  }
  return {
    flags,
    settings,
    options: {
      ...kubeConfigOptions(settings),
      namespace: settings.namespace,
      deletePolicy: settings.deletePolicy,
      getLogs: rawFlags.logs !== false,
      relayApiEventLines: rawFlags.showApiEvents === true,
      parseXcom: rawFlags.parseXcom !== false,
      xcomMaxBytes: settings.xcomMaxBytes,
      xcomMaxDepth: settings.xcomMaxDepth,
      eventsFrom: settings.eventsFrom,
      startupTimeoutSeconds: settings.startupTimeoutSeconds,
      executionTimeoutSeconds: settings.executionTimeoutSeconds,
      imagePullFailureGraceSeconds: settings.imagePullFailureGraceSeconds,
      stallTimeoutMs: settings.stallTimeoutSeconds * 1000,
      detectLogLevel: settings.detectKubernetesLogLevel,
      kinds,
    },
  };
}

/**
 * Runs `start` with an event writer for the output format and SIGINT/SIGTERM
 * trapped into its abort signal; resolves to the exit code.
 *
 * @example
 * ```ts
 * return await followWithOutput(settings, runId, (onEvent, signal) => run({ ...options, runId, onEvent, signal }));
 * ```
 */
export async function followWithOutput(
  settings: Settings,
  runId: string,
  start: (
    onEvent: (event: Parameters<EventWriter["write"]>[0]) => void,
    signal: AbortSignal,
  ) => Promise<ResultEvent>,
): Promise<number> {
  const writer = createWriter(settings, runId);
  const stop = new AbortController();
  const untrap = trapStopSignals(stop);
  try {
    const result = await start((event) => writer.write(event), stop.signal);
    return result.exitCode;
  } finally {
    untrap();
    writer.close();
  }
}

function createWriter(settings: Settings, runId: string): EventWriter {
  if (settings.output === "jsonl") {
    return new JsonlWriter({ stdout: denoStdout(), events: settings.events });
  }
  return new TextWriter({
    stdout: denoStdout(),
    stderr: denoStderr(),
    color: { stdout: shouldUseColor(Deno.stdout), stderr: shouldUseColor(Deno.stderr) },
    timestamps: settings.showKubernetesTimestamps,
    debug: settings.logLevel === "debug",
    events: settings.events,
    apiEvents: false,
    prefix: settings.showRunnerId ? `[kjo ${runId}]` : "[kjo]",
  });
}
