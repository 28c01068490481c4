/**
 * Flags and plumbing shared by the subcommands that follow a run to its end
 * (`run`, `attach`): delete policy, timeouts, logs, rules, output format;
 * the event writer; signals.
 *
 * @module
 */

import { type Command, Option } from "commander";
import {
  DELETE_POLICIES,
  type DeletePolicy,
  EVENT_MODES,
  type EventMode,
  EVENTS_FROM,
  type EventsFrom,
  OUTPUT_FORMATS,
} from "../choices.ts";
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
import {
  type ClusterFlags,
  clusterSettingFlags,
  collect,
  kubeConfigOptions,
  type SettingFlags,
  settingsFrom,
} from "./_options.ts";

/** The flags of {@linkcode addFollowOptions}, as commander gives them. */
export interface FollowFlags {
  /** `--delete-policy`. */
  deletePolicy?: DeletePolicy;
  /** False with `--no-logs`. */
  logs: boolean;
  /** `--startup-timeout`, unparsed. */
  startupTimeout?: string;
  /** `--execution-timeout`, unparsed. */
  executionTimeout?: string;
  /** `--image-pull-failure-grace`, unparsed. */
  imagePullFailureGrace?: string;
  /** `--stall-timeout`, unparsed. */
  stallTimeout?: string;
  /** `--rules`, in order. */
  rules?: string[];
  /** `-o/--output`. */
  output?: typeof OUTPUT_FORMATS[number];
  /** `--events`. */
  events?: EventMode;
  /** `--show-timestamps`. */
  showTimestamps?: true;
  /** `--show-api-events`. */
  showApiEvents?: true;
  /** False with `--no-parse-xcom`. */
  parseXcom: boolean;
  /** `--xcom-max-bytes`, unparsed. */
  xcomMaxBytes?: string;
  /** `--xcom-max-depth`, unparsed. */
  xcomMaxDepth?: string;
  /** `--events-from`. */
  eventsFrom?: EventsFrom;
}

/**
 * The flags {@linkcode followSetup} reads: the cluster flags, a namespace,
 * and any of the follow flags (`kjo serve` has only some of them).
 */
export type FollowSetupFlags = ClusterFlags & { namespace?: string } & Partial<FollowFlags>;

/** Adds the flags of a followed run. */
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
  /** The resolved settings. */
  settings: Settings;
  /** The options of the followed run, without its body. */
  options: Omit<RunOptions, "source">;
}

/**
 * Resolves settings (flags > KJO_* env > config file > defaults) from the
 * follow and cluster flags, plus `more` settings of the subcommand's own
 * flags, and the options of a followed run.
 */
export async function followSetup(
  flags: FollowSetupFlags,
  more: SettingFlags = {},
): Promise<FollowSetup> {
  const settings = await settingsFrom({
    ...clusterSettingFlags(flags),
    deletePolicy: flags.deletePolicy,
    startupTimeoutSeconds: flags.startupTimeout,
    executionTimeoutSeconds: flags.executionTimeout,
    imagePullFailureGraceSeconds: flags.imagePullFailureGrace,
    stallTimeoutSeconds: flags.stallTimeout,
    showKubernetesTimestamps: flags.showTimestamps,
    output: flags.output,
    events: flags.events,
    xcomMaxBytes: flags.xcomMaxBytes,
    xcomMaxDepth: flags.xcomMaxDepth,
    eventsFrom: flags.eventsFrom,
    ...more,
  });
  const kinds = KindRegistry.withBuiltins();
  for (const file of flags.rules ?? []) {
    kinds.registerAll(await loadCustomKindRules(file));
  }
  return {
    settings,
    options: {
      ...kubeConfigOptions(settings),
      namespace: settings.namespace,
      deletePolicy: settings.deletePolicy,
      getLogs: flags.logs !== false,
      relayApiEventLines: flags.showApiEvents === true,
      parseXcom: flags.parseXcom !== false,
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
