/**
 * Flags shared by the subcommands that build a body (`run`, `render`,
 * `validate`, `rbac`) or talk to a cluster, and their conversion into the
 * library's options.
 *
 * @module
 */

import { type Command, Option } from "commander";
import {
  EXECUTION_OBJECTS,
  type ExecutionObject,
  PULL_POLICIES,
  type PullPolicy,
} from "../choices.ts";
import { InputError } from "../errors.ts";
import type { BodySource } from "../body/load_body.ts";
import { readInputFile } from "../body/input_file.ts";
import { loadValuesFile } from "../body/load_values_file.ts";
import { mergeValues } from "../body/merge_values.ts";
import { parseSetValues } from "../body/parse_set_values.ts";
import { type LoadedKubeConfig, loadKubeConfig } from "../config/kubeconfig.ts";
import {
  resolveSettings,
  settingDefault,
  type Settings,
  type SettingValues,
} from "../config/settings.ts";
import type { KubeConnectionOptions } from "../runner/run_options.ts";
import type { BuildBodyOptions } from "../body/build_body.ts";

/** Appends a repeated flag's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses `KEY=VALUE` pairs of repeated flags into a record. */
export function keyValues(flag: string, pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InputError(`${flag} ${JSON.stringify(pair)}: must be KEY=VALUE`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * Parses an `--env-file`: a JSON object (`{"NAME": "value"}`), or one
 * `NAME=VALUE` a line (blank lines and lines starting with `#` skipped; the
 * value is everything after the first `=`, taken as is).
 *
 * @example
 * ```ts
 * parseEnvFile("A=1\n# note\nB=x=y\n", "env.txt"); // { A: "1", B: "x=y" }
 * parseEnvFile('{"A": 1}', "env.json"); // { A: "1" }
 * ```
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (/^\s*[{[]/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new InputError(`--env-file ${file}: not valid JSON`, { cause });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new InputError(`--env-file ${file}: must be a JSON object of names to values`);
    }
    for (const [name, value] of Object.entries(parsed)) {
      out[name] = value === null || value === undefined
        ? ""
        : typeof value === "string"
        ? value
        : JSON.stringify(value);
    }
    return out;
  }
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new InputError(`--env-file ${file}: line ${index + 1}: must be NAME=VALUE`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  });
  return out;
}

/** Reads every `--env-file` in order (later files win). */
async function envFiles(files: string[] | undefined): Promise<Record<string, string>> {
  let out: Record<string, string> = {};
  for (const file of files ?? []) {
    out = { ...out, ...parseEnvFile(await readInputFile(file, "--env-file"), file) };
  }
  return out;
}

/** The flags of {@linkcode addClusterOptions}, as commander gives them. */
export interface ClusterFlags {
  /** `--kubeconfig`. */
  kubeconfig?: string;
  /** `--context`. */
  context?: string;
  /** `--in-cluster`. */
  inCluster?: true;
  /** `--config`: the kjo config file. */
  config?: string;
}

/** The flags of {@linkcode addBodyOptions}, as commander gives them. */
export interface BodyFlags {
  /** `-f/--body-file`. */
  bodyFile?: string;
  /** `--body`. */
  body?: string;
  /** `--image`. */
  image?: string;
  /** `--command`, one entry a part. */
  command?: string[];
  /** `--arg`, one entry an argument. */
  arg?: string[];
  /** `--kind`: the template used with `--image`. */
  kind?: ExecutionObject;
  /** `-n/--namespace`. */
  namespace?: string;
  /** `--name-prefix`. */
  namePrefix?: string;
  /** `--name-postfix`. */
  namePostfix?: string;
  /** `--random-name-postfix-length`, unparsed. */
  randomNamePostfixLength?: string;
  /** `-e/--env`, `NAME=VALUE` each. */
  env?: string[];
  /** `--env-file`, in order. */
  envFile?: string[];
  /** `-l/--label`, `KEY=VALUE` each. */
  label?: string[];
  /** `--image-pull-policy`. */
  imagePullPolicy?: PullPolicy;
  /** `--image-pull-secret`. */
  imagePullSecret?: string[];
  /** `--secret-file`, `SECRET:KEY=PATH` each. */
  secretFile?: string[];
  /** False with `--no-templating`. */
  templating: boolean;
  /** `--set`, `KEY=VALUE` each. */
  set?: string[];
  /** `--values`, in order. */
  values?: string[];
  /** `--active-deadline`, unparsed. */
  activeDeadline?: string;
  /** `--ttl-after-finished`, unparsed. */
  ttlAfterFinished?: string;
  /** `--run-id`. */
  runId?: string;
}

/**
 * Settings as flags give them, unparsed (`undefined`: not given), for
 * {@linkcode settingsFrom}; `config` names the config file.
 */
export type SettingFlags =
  & { [K in keyof SettingValues]?: string | boolean }
  & { config?: string };

/** Adds the flags that choose and shape the body, and the main container's command after `--`. */
export function addBodyOptions(command: Command): Command {
  return command
    .argument("[command...]", "command of the main container (after --), e.g. -- sh -c 'echo hi'")
    .option(
      "-f, --body-file <file>",
      "YAML or JSON body file, multi-document allowed ('-' reads stdin)",
    )
    .option(
      "--body <yaml-or-json>",
      "the body as a YAML or JSON string (a JSON list is several resources)",
    )
    .option("--image <image>", "run this image on the default Job (or Pod, see --kind) template")
    .option(
      "--command <part>",
      "command of the main container; repeat for each part (or give it after --)",
      collect,
    )
    .option("--arg <arg>", "an argument of the main container; repeat for each", collect)
    .addOption(
      new Option("--kind <kind>", "template used with --image (default: default_execution_object)")
        .choices(EXECUTION_OBJECTS),
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace of the resources (default: body, context, service account, 'default')",
    )
    .option("--name-prefix <prefix>", "prefix of every resource name")
    .option("--name-postfix <postfix>", "postfix of every resource name")
    .option(
      "--random-name-postfix-length <n>",
      `length of the random name postfix, 0 for none (default ${
        settingDefault("randomNamePostfixLength")
      })`,
    )
    .option(
      "-e, --env <NAME=VALUE>",
      "environment variable of every container of the first resource; repeat",
      collect,
    )
    .option(
      "--env-file <file>",
      "environment variables from a file (NAME=VALUE lines or a JSON object), like --env; repeat",
      collect,
    )
    .option("-l, --label <KEY=VALUE>", "label of every resource; repeat", collect)
    .addOption(
      new Option("--image-pull-policy <policy>", "image pull policy of the main container").choices(
        PULL_POLICIES,
      ),
    )
    .option(
      "--image-pull-secret <name>",
      "image pull secret of the first resource's pods; repeat",
      collect,
    )
    .option(
      "--secret-file <SECRET:KEY=PATH>",
      "mount key KEY of secret SECRET as the file PATH in the main container; repeat",
      collect,
    )
    .option("--no-templating", "do not render the body with eta templates")
    .option("--set <KEY=VALUE>", "template value under it.job (dots nest: a.b=1); repeat", collect)
    .option("--values <file>", "YAML/JSON file of template values under it.job; repeat", collect)
    .option(
      "--active-deadline <seconds>",
      "set activeDeadlineSeconds on the first resource when absent",
    )
    .option("--ttl-after-finished <seconds>", "set ttlSecondsAfterFinished on a Job when absent")
    .option("--run-id <id>", "the run id (label kjo/run-id); random when absent");
}

/** Adds the flags that choose the cluster and the config file. */
export function addClusterOptions(command: Command): Command {
  return command
    .option(
      "--kubeconfig <file>",
      "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)",
    )
    .option("--context <name>", "kubeconfig context")
    .option("--in-cluster", "use the pod's service account")
    .option("--config <file>", "kjo config file (YAML, snake_case keys; also KJO_CONFIG)");
}

/** Parses a flag holding a whole number of seconds. */
export function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InputError(
      `${flag}: must be a whole number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** Parses `--secret-file SECRET:KEY=PATH` values. */
export function secretFiles(values: string[] | undefined): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const value of values ?? []) {
    const match = /^([^:=]+):([^=]+)=(\/.*)$/.exec(value);
    if (!match) {
      throw new InputError(
        `--secret-file ${JSON.stringify(value)}: must be SECRET:KEY=/absolute/path`,
      );
    }
    (out[match[1]] ??= {})[match[2]] = match[3];
  }
  return out;
}

/**
 * The body source chosen by the flags: `-f/--body-file` or `--body` (at most
 * one), else `--image` on the default template. With a body, `--image`
 * overrides the main container's image (see {@linkcode bodyOptions}).
 */
export function bodySource(flags: BodyFlags, settings: Settings): BodySource {
  if (flags.bodyFile !== undefined && flags.body !== undefined) {
    throw new InputError("give only one of -f/--body-file and --body");
  }
  if (flags.bodyFile !== undefined) return { bodyFile: flags.bodyFile };
  if (flags.body !== undefined) return { body: flags.body };
  if (flags.image === undefined) {
    throw new InputError("no body: give one of -f/--body-file, --body or --image");
  }
  return { image: flags.image, kind: flags.kind ?? settings.defaultExecutionObject };
}

/**
 * The settings that choose the kube config (`--kubeconfig`, `--context`,
 * `--in-cluster`, `kube_config_extra_locations`), as `loadKubeConfig` and the
 * runner take them.
 */
export function kubeConfigOptions(settings: Settings): Omit<KubeConnectionOptions, "kubeConfig"> {
  return {
    kubeconfig: settings.kubeconfig,
    context: settings.context,
    inCluster: settings.inCluster,
    extraLocations: settings.kubeConfigExtraLocations,
  };
}

/**
 * Loads the kube config the settings point to, without network access.
 * When the settings name one (`--kubeconfig`, `--context`, `--in-cluster` or
 * their env/config equivalents) a failure is an error; otherwise a missing
 * kube config gives `undefined`.
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

/** The settings among the cluster flags and a subcommand's `-n/--namespace`. */
export function clusterSettingFlags(flags: ClusterFlags & { namespace?: string }): SettingFlags {
  return {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    inCluster: flags.inCluster,
    config: flags.config,
    namespace: flags.namespace,
  };
}

/** The settings among the body flags. */
export function bodySettingFlags(flags: BodyFlags): SettingFlags {
  return {
    namespace: flags.namespace,
    randomNamePostfixLength: flags.randomNamePostfixLength,
    imagePullPolicy: flags.imagePullPolicy,
  };
}

/** Resolves settings (flags > KJO_* env > config file > defaults). */
export function settingsFrom(flags: SettingFlags): Promise<Settings> {
  return resolveSettings({ flags });
}

/** The body-building options the flags describe. */
export async function bodyOptions(
  flags: BodyFlags,
  settings: Settings,
  rest: string[],
): Promise<Omit<BuildBodyOptions, "runId">> {
  let values: Record<string, unknown> = {};
  for (const file of flags.values ?? []) {
    values = mergeValues(values, await loadValuesFile(file));
  }
  values = mergeValues(values, parseSetValues(flags.set ?? []));
  const command = flags.command ?? (rest.length > 0 ? rest : undefined);
  const envs = {
    ...await envFiles(flags.envFile),
    ...keyValues("--env", flags.env),
  };
  const files = secretFiles(flags.secretFile);
  return {
    source: bodySource(flags, settings),
    templating: flags.templating !== false,
    values,
    namespace: settings.namespace,
    namePrefix: flags.namePrefix,
    namePostfix: flags.namePostfix,
    randomPostfixLength: settings.randomNamePostfixLength,
    // Absent, not empty, when not given: buildBody reads a given value as
    // "asked for", an error when the first resource has no pod spec.
    ...(Object.keys(envs).length > 0 ? { envs } : {}),
    labels: keyValues("--label", flags.label),
    command,
    args: flags.arg,
    // With a body, --image overrides the main container's image.
    ...(flags.image !== undefined && (flags.bodyFile !== undefined || flags.body !== undefined)
      ? { image: flags.image }
      : {}),
    imagePullPolicy: settings.imagePullPolicy,
    imagePullSecrets: flags.imagePullSecret,
    ...(Object.keys(files).length > 0 ? { secretFiles: files } : {}),
    activeDeadlineSeconds: seconds("--active-deadline", flags.activeDeadline),
    ttlSecondsAfterFinished: seconds("--ttl-after-finished", flags.ttlAfterFinished),
  };
}
