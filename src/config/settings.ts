/**
 * kjo's settings: the original operator's `[kubernetes_job_operator]` config
 * section plus kjo's own, resolved from flags, `KJO_*` environment variables,
 * a YAML config file and defaults, in that order of precedence.
 *
 * @module
 */

import { readYamlFile } from "../body/read_yaml_file.ts";
import { DEFAULT_RANDOM_POSTFIX_LENGTH, MAX_RANDOM_POSTFIX_LENGTH } from "../body/resource_name.ts";
import { dirname, resolve } from "node:path";
import {
  DELETE_POLICIES,
  type DeletePolicy,
  EVENT_MODES,
  type EventMode,
  EVENTS_FROM,
  type EventsFrom,
  EXECUTION_OBJECTS,
  LOG_LEVELS,
  OUTPUT_FORMATS,
  PULL_POLICIES,
} from "../choices.ts";
import { InputError } from "../errors.ts";
import { DNS_LABEL_RULE, isDnsLabel } from "../kube/name_rules.ts";
import { DEFAULT_XCOM_MAX_BYTES, DEFAULT_XCOM_MAX_DEPTH } from "../logs/kube_api_event.ts";

/**
 * Every setting, resolved. Each field names its config file key.
 */
export interface SettingValues {
  /** `delete_policy`: when to delete the run's resources. Default `IfSucceeded`. */
  deletePolicy: DeletePolicy;
  /** `default_execution_object`: what an image-only run creates. Default `Job`. */
  defaultExecutionObject: typeof EXECUTION_OBJECTS[number];
  /** `detect_kubernetes_log_level`: read a log level from pod log lines. Default true. */
  detectKubernetesLogLevel: boolean;
  /** `show_kubernetes_timestamps`: show the log timestamps Kubernetes records. Default false. */
  showKubernetesTimestamps: boolean;
  /** `show_runner_id`: show the run id on kjo's own log lines. Default false. */
  showRunnerId: boolean;
  /** `startup_timeout_seconds`: how long the run and each of its pods may take to start a container; 0 for no limit. Default 120. */
  startupTimeoutSeconds: number;
  /** `kube_config_extra_locations`: kube config files searched first (comma list in env and file). Default none. */
  kubeConfigExtraLocations: string[];
  /** `namespace`: namespace of the run (replaces the body's). */
  namespace?: string;
  /** `context`: kube config context. */
  context?: string;
  /** `kubeconfig`: explicit kube config file. */
  kubeconfig?: string;
  /** `in_cluster`: use the pod's service account. Default false. */
  inCluster: boolean;
  /** `output`: `text` or `jsonl`. Default `text`. */
  output: typeof OUTPUT_FORMATS[number];
  /** `events`: Kubernetes events shown, `all`, `warnings` or `none`. Default `warnings` in text, `all` in jsonl. */
  events?: EventMode;
  /** `random_name_postfix_length`: random characters at the end of resource names, 0–32. Default 8. */
  randomNamePostfixLength: number;
  /** `image_pull_policy`: pull policy of the main container. */
  imagePullPolicy?: typeof PULL_POLICIES[number];
  /** `execution_timeout_seconds`: fail the run after this long. None by default. */
  executionTimeoutSeconds?: number;
  /** `image_pull_failure_grace_seconds`: how long image pull errors are tolerated. Default 30. */
  imagePullFailureGraceSeconds: number;
  /** Seconds of silence after which a watch or log stream is reconnected (at least 5). */
  stallTimeoutSeconds: number;
  /** `log_level`: `debug` also shows kjo's debug messages in text output. Default `info`. */
  logLevel: typeof LOG_LEVELS[number];
  /** `xcom_max_bytes`: largest XCom of a run (its JSON, UTF-8 bytes). Default 1048576. */
  xcomMaxBytes: number;
  /** `xcom_max_depth`: deepest nesting of an xcom value. Default 32. */
  xcomMaxDepth: number;
  /** `events_from`: `all` containers, or only each pod's `main` container, emit `::kube_api:` events. Default `all`. */
  eventsFrom: EventsFrom;
}

/**
 * Where a setting's value came from.
 */
export type SettingSource = "flag" | "env" | "file" | "default";

/**
 * Resolved settings, with the config file used and where each value came from.
 */
export interface Settings extends SettingValues {
  /** The config file that was read, if any (absolute path). */
  configFile?: string;
  /** Where each setting came from. */
  sources: Record<keyof SettingValues, SettingSource>;
}

/** Turns a raw value into a setting value, or returns an error reason. */
type Parser<T> = (raw: unknown) => { value: T } | { error: string };

interface Spec<T> {
  parse: Parser<T>;
  default?: T;
  /** The value is a path; relative paths in a config file are relative to its directory. */
  path?: boolean;
}

const show = (raw: unknown) => JSON.stringify(raw);

function oneOf<const T extends readonly string[]>(values: T): Parser<T[number]> {
  return (raw) =>
    typeof raw === "string" && (values as readonly string[]).includes(raw)
      ? { value: raw as T[number] }
      : { error: `must be one of ${values.join(", ")}, got ${show(raw)}` };
}

const bool: Parser<boolean> = (raw) => {
  if (typeof raw === "boolean") return { value: raw };
  const text = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  if (text !== undefined && ["true", "1", "yes", "on"].includes(text)) return { value: true };
  if (text !== undefined && ["false", "0", "no", "off"].includes(text)) return { value: false };
  return { error: `must be a boolean (true/false, yes/no, on/off, 1/0), got ${show(raw)}` };
};

function number(options: { min: number; max?: number; integer?: boolean }): Parser<number> {
  const what = `${options.integer ? "an integer" : "a number"} from ${options.min}${
    options.max === undefined ? " up" : ` to ${options.max}`
  }`;
  return (raw) => {
    const value = typeof raw === "number"
      ? raw
      : typeof raw === "string" && raw.trim() !== ""
      ? Number(raw)
      : NaN;
    if (
      !Number.isFinite(value) || value < options.min ||
      (options.max !== undefined && value > options.max) ||
      (options.integer && !Number.isInteger(value))
    ) {
      return { error: `must be ${what}, got ${show(raw)}` };
    }
    return { value };
  };
}

const text: Parser<string> = (raw) =>
  typeof raw === "string" && raw.trim() !== ""
    ? { value: raw.trim() }
    : { error: `must be a non-empty string, got ${show(raw)}` };

const namespace: Parser<string> = (raw) =>
  typeof raw === "string" && isDnsLabel(raw)
    ? { value: raw }
    : { error: `must be ${DNS_LABEL_RULE}, got ${show(raw)}` };

const list: Parser<string[]> = (raw) => {
  if (typeof raw === "string") {
    return { value: raw.split(",").map((s) => s.trim()).filter((s) => s !== "") };
  }
  if (Array.isArray(raw) && raw.every((item) => typeof item === "string")) {
    return { value: raw.map((s) => s.trim()).filter((s) => s !== "") };
  }
  return { error: `must be a comma-separated list or a list of strings, got ${show(raw)}` };
};

/** Every setting: parser, default, and whether it holds paths. */
const SPECS: { [K in keyof SettingValues]-?: Spec<SettingValues[K]> } = {
  deletePolicy: { parse: oneOf(DELETE_POLICIES), default: "IfSucceeded" },
  defaultExecutionObject: { parse: oneOf(EXECUTION_OBJECTS), default: "Job" },
  detectKubernetesLogLevel: { parse: bool, default: true },
  showKubernetesTimestamps: { parse: bool, default: false },
  showRunnerId: { parse: bool, default: false },
  startupTimeoutSeconds: { parse: number({ min: 0 }), default: 120 },
  kubeConfigExtraLocations: { parse: list, default: [], path: true },
  namespace: { parse: namespace },
  context: { parse: text },
  kubeconfig: { parse: text, path: true },
  inCluster: { parse: bool, default: false },
  output: { parse: oneOf(OUTPUT_FORMATS), default: "text" },
  events: { parse: oneOf(EVENT_MODES) },
  randomNamePostfixLength: {
    parse: number({ min: 0, max: MAX_RANDOM_POSTFIX_LENGTH, integer: true }),
    default: DEFAULT_RANDOM_POSTFIX_LENGTH,
  },
  imagePullPolicy: { parse: oneOf(PULL_POLICIES) },
  executionTimeoutSeconds: { parse: number({ min: 0 }) },
  imagePullFailureGraceSeconds: { parse: number({ min: 0 }), default: 30 },
  stallTimeoutSeconds: { parse: number({ min: 5 }), default: 30 },
  logLevel: { parse: oneOf(LOG_LEVELS), default: "info" },
  xcomMaxBytes: { parse: number({ min: 2, integer: true }), default: DEFAULT_XCOM_MAX_BYTES },
  xcomMaxDepth: { parse: number({ min: 1, integer: true }), default: DEFAULT_XCOM_MAX_DEPTH },
  eventsFrom: { parse: oneOf(EVENTS_FROM), default: "all" },
};

/**
 * The camelCase names of every setting.
 */
export const SETTING_KEYS = Object.keys(SPECS) as (keyof SettingValues)[];

/**
 * A setting's default (what help texts show); `undefined` when it has none.
 */
export function settingDefault<K extends keyof SettingValues>(
  key: K,
): SettingValues[K] | undefined {
  return (SPECS[key] as Spec<SettingValues[K]>).default;
}

/**
 * A setting's config file key.
 */
export function fileKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A setting's environment variable.
 */
export function envKey(key: string): string {
  return `KJO_${fileKey(key).toUpperCase()}`;
}

/**
 * A setting's CLI flag, as named in messages: the flags of the `...Seconds`
 * settings leave the unit out (`--startup-timeout`).
 */
export function flagName(key: string): string {
  return `--${key.replace(/Seconds$/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Options of {@linkcode resolveSettings}.
 */
export interface ResolveSettingsOptions {
  /**
   * Parsed CLI flags, camelCase (commander's output); unknown keys are ignored; `undefined` means not given.
   *
   * @default {{}}
   */
  flags?: Record<string, unknown>;
  /**
   * Environment variables. Empty values count as unset.
   *
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
  /**
   * Config file path; when absent `flags.config`, else `KJO_CONFIG`, else none.
   */
  configFile?: string;
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const value = await readYamlFile(path, "config file");
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(`config file ${path}: must hold a mapping of settings`);
  }
  const known = new Map(SETTING_KEYS.map((key) => [fileKey(key), key]));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new InputError(
        `config file ${path}: unknown key ${JSON.stringify(key)} (known: ${
          [...known.keys()].join(", ")
        })`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/**
 * Resolves kjo's settings. For each setting the first of these that is set
 * wins: the flag (`flags.deletePolicy`), the environment variable
 * (`KJO_DELETE_POLICY`; empty values are ignored), the config file key
 * (`delete_policy`), the default. The config file is `configFile`, else
 * `flags.config`, else `KJO_CONFIG`; it is YAML with snake_case keys, and
 * relative paths in it (`kubeconfig`, `kube_config_extra_locations`) are
 * relative to its directory. Booleans accept true/false, yes/no, on/off, 1/0.
 *
 * @throws {InputError} naming the source: `KJO_DELETE_POLICY: must be one of
 * ...`, `config file kjo.yaml: delete_policy: ...`, `--output: ...`; an
 * unknown key in the config file; a missing or unparsable config file.
 *
 * @example Flags over environment over config file over defaults
 * ```ts
 * import { resolveSettings } from "./settings.ts";
 *
 * if (import.meta.main) {
 *   const settings = await resolveSettings({ flags: { output: "jsonl" }, env: Deno.env.toObject() });
 *   console.log(settings.deletePolicy, settings.sources.deletePolicy); // "IfSucceeded" "default"
 * }
 * ```
 */
export async function resolveSettings(options: ResolveSettingsOptions = {}): Promise<Settings> {
  const flags = options.flags ?? {};
  const env = options.env ?? Deno.env.toObject();
  const envValue = (
    name: string,
  ) => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  const configPath = options.configFile ??
    (typeof flags.config === "string" && flags.config !== "" ? flags.config : undefined) ??
    envValue("KJO_CONFIG");
  const configFile = configPath === undefined ? undefined : resolve(configPath);
  const file = configFile === undefined ? {} : await readConfigFile(configPath as string);

  const values: Record<string, unknown> = {};
  const sources: Record<string, SettingSource> = {};
  for (const key of SETTING_KEYS) {
    const spec = SPECS[key] as Spec<unknown>;
    const candidates: [SettingSource, string, unknown][] = [
      ["flag", flagName(key), flags[key]],
      ["env", envKey(key), envValue(envKey(key))],
      ["file", `config file ${configPath}: ${fileKey(key)}`, file[fileKey(key)] ?? undefined],
    ];
    const found = candidates.find(([, , raw]) => raw !== undefined);
    if (found === undefined) {
      sources[key] = "default";
      if (spec.default !== undefined) values[key] = structuredClone(spec.default);
      continue;
    }
    const [source, where, raw] = found;
    const parsed = spec.parse(raw);
    if ("error" in parsed) throw new InputError(`${where}: ${parsed.error}`);
    let value = parsed.value;
    if (source === "file" && spec.path && configFile !== undefined) {
      const base = dirname(configFile);
      value = Array.isArray(value)
        ? value.map((p: string) => resolve(base, p))
        : resolve(base, value as string);
    }
    values[key] = value;
    sources[key] = source;
  }
  return {
    ...(values as unknown as SettingValues),
    configFile,
    sources: sources as Settings["sources"],
  };
}
