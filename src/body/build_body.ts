/**
 * Builds the final manifests of a run from its body source and options:
 * load → render (eta) → parse → check → augment → validate. No cluster
 * access; every error is an `InputError` (exit 2).
 *
 * @module
 */

import { PULL_POLICIES, type PullPolicy } from "../choices.ts";
import { InputError } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import {
  DNS_LABEL_RULE,
  isDnsLabel,
  isDnsSubdomain,
  isLabelValue,
  LABEL_VALUE_RULE,
} from "../kube/name_rules.ts";
import { isObject, typeName } from "./_object.ts";
import { augmentDocuments } from "./augment.ts";
import type { SecretFiles } from "./augment_pod.ts";
import { type BodySource, loadBody } from "./load_body.ts";
import { flattenDocuments, parseDocuments } from "./parse_documents.ts";
import { renderTemplate } from "./render_template.ts";
import {
  cryptoRandom,
  DEFAULT_RANDOM_POSTFIX_LENGTH,
  makeResourceName,
  MAX_RANDOM_POSTFIX_LENGTH,
  randomPostfix,
  type RandomSource,
  seededRandom,
} from "./resource_name.ts";
import { validateDocuments, validateShape } from "./validate_document.ts";

export type { BodySource } from "./load_body.ts";
export type { SecretFiles } from "./augment_pod.ts";

/**
 * Options of {@linkcode buildBody}.
 */
export interface BuildBodyOptions {
  /** Where the body comes from: `{ image, command?, args?, kind? }`, `{ bodyFile }` (`"-"` = stdin) or `{ body }`. */
  source: BodySource;
  /**
   * Render text bodies (file, stdin, string) with eta. Object bodies are never rendered.
   *
   * @default {true}
   */
  templating?: boolean;
  /** Template values, available as `it.job` (see `parseSetValues`, `loadValuesFile`, `mergeValues`). */
  values?: Record<string, unknown>;
  /**
   * Directory a relative `bodyFile` is resolved against.
   *
   * @default {Deno.cwd()}
   */
  baseDir?: string;
  /**
   * Stream read for `bodyFile: "-"`.
   *
   * @default {Deno.stdin.readable}
   */
  stdin?: ReadableStream<Uint8Array>;
  /** Namespace of every namespaced resource, replacing the body's own (`--namespace`). */
  namespace?: string;
  /** Namespace of resources the body gives none (the context's, service account's or `default`). */
  defaultNamespace?: string;
  /** Prefix of every resource name (the original's `name_prefix`, e.g. the task id). */
  namePrefix?: string;
  /** Postfix of every resource name, before the random postfix. */
  namePostfix?: string;
  /**
   * Length of the random postfix of every name, 0 to {@linkcode MAX_RANDOM_POSTFIX_LENGTH}; 0 disables it.
   *
   * @default {8}
   */
  randomPostfixLength?: number;
  /** Environment variables for every container of the first resource; they win over the body's. */
  envs?: Record<string, string>;
  /** Labels for every resource and pod template; they win over the body's. */
  labels?: Record<string, string>;
  /** Image of the main container of the first resource. */
  image?: string;
  /** Command of the main container of the first resource. */
  command?: string[];
  /** Args of the main container of the first resource. */
  args?: string[];
  /** Image pull policy of the main container of the first resource. */
  imagePullPolicy?: PullPolicy;
  /** Image pull secret names added to the first resource's pod spec. */
  imagePullSecrets?: string[];
  /** Files from secrets mounted into the main container: `{ secretName: { key: "/abs/path" } }`. */
  secretFiles?: SecretFiles;
  /** The run id: the `kjo/run-id` label on every resource and pod, `it.run_id` in templates. Required. */
  runId: string;
  /** `spec.activeDeadlineSeconds` of the first resource (Job or Pod) when the body does not set it. */
  activeDeadlineSeconds?: number;
  /** `spec.ttlSecondsAfterFinished` of the first resource (Job) when the body does not set it. */
  ttlSecondsAfterFinished?: number;
  /**
   * Random source for the name postfix, like `Math.random` (tests inject a fixed one).
   * When absent: {@linkcode cryptoRandom}, or the run id's with `seedFromRunId`.
   */
  random?: RandomSource;
  /**
   * Draw the random name postfix from a source seeded by the run id
   * ({@linkcode seededRandom}), so the same options give the same names:
   * what `render()` and `kjo render` do when given a run id. Ignored when
   * `random` is given.
   *
   * @default {false}
   */
  seedFromRunId?: boolean;
}

function checkStringList(value: unknown, name: string): void {
  if (
    value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
  ) {
    throw new InputError(`${name}: must be a list of strings`);
  }
}

function checkStringMap(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!isObject(value)) throw new InputError(`${name}: must be an object, got ${typeName(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new InputError(`${name}.${key}: must be a string, got ${typeName(item)}`);
    }
  }
}

function checkInteger(
  value: unknown,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (
    value !== undefined &&
    (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
  ) {
    throw new InputError(
      `${name}: must be an integer from ${min}${
        max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`
      }, got ${JSON.stringify(value)}`,
    );
  }
}

/** Checks the options that do not depend on the body; errors name the option. */
function checkOptions(options: BuildBodyOptions): void {
  if (!isObject(options)) throw new InputError("build options: must be an object");
  if (typeof options.runId !== "string" || options.runId === "") {
    throw new InputError("runId: is required");
  }
  if (!isLabelValue(options.runId)) {
    throw new InputError(
      `runId: must be a valid label value (${LABEL_VALUE_RULE}), got ${
        JSON.stringify(options.runId)
      }`,
    );
  }
  checkInteger(options.randomPostfixLength, "randomPostfixLength", 0, MAX_RANDOM_POSTFIX_LENGTH);
  checkInteger(options.activeDeadlineSeconds, "activeDeadlineSeconds", 1);
  checkInteger(options.ttlSecondsAfterFinished, "ttlSecondsAfterFinished", 0);
  for (const key of ["namespace", "defaultNamespace"] as const) {
    const value = options[key];
    if (
      value !== undefined &&
      (typeof value !== "string" || !isDnsLabel(value))
    ) {
      throw new InputError(`${key}: must be ${DNS_LABEL_RULE}, got ${JSON.stringify(value)}`);
    }
  }
  for (const key of ["namePrefix", "namePostfix"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "string") {
      throw new InputError(`${key}: must be a string`);
    }
  }
  if (
    options.image !== undefined &&
    (typeof options.image !== "string" || options.image.trim() === "")
  ) {
    throw new InputError("image: must be a non-empty string");
  }
  checkStringList(options.command, "command");
  checkStringList(options.args, "args");
  checkStringList(options.imagePullSecrets, "imagePullSecrets");
  if (
    options.imagePullPolicy !== undefined && !PULL_POLICIES.includes(options.imagePullPolicy)
  ) {
    throw new InputError(
      `imagePullPolicy: must be one of ${PULL_POLICIES.join(", ")}, got ${
        JSON.stringify(options.imagePullPolicy)
      }`,
    );
  }
  checkStringMap(options.envs, "envs");
  for (const name of Object.keys(options.envs ?? {})) {
    if (name === "" || name.includes("=")) {
      throw new InputError(`envs: bad variable name ${JSON.stringify(name)}`);
    }
  }
  checkStringMap(options.labels, "labels");
  for (const [key, value] of Object.entries(options.labels ?? {})) {
    if (!isLabelValue(value)) {
      throw new InputError(
        `labels.${key}: invalid label value ${JSON.stringify(value)} (${LABEL_VALUE_RULE})`,
      );
    }
  }
  if (options.values !== undefined && !isObject(options.values)) {
    throw new InputError("values: must be an object");
  }
  if (options.secretFiles !== undefined) {
    if (!isObject(options.secretFiles)) throw new InputError("secretFiles: must be an object");
    for (const [secret, keys] of Object.entries(options.secretFiles)) {
      if (!isDnsSubdomain(secret)) {
        throw new InputError(`secretFiles.${secret}: not a valid secret name (DNS-1123 subdomain)`);
      }
      checkStringMap(keys, `secretFiles.${secret}`);
      for (const [key, path] of Object.entries(keys)) {
        if (!path.startsWith("/")) {
          throw new InputError(
            `secretFiles.${secret}.${key}: mount path must be absolute, got ${
              JSON.stringify(path)
            }`,
          );
        }
      }
    }
  }
}

/**
 * Builds the final manifests of a run: loads the body source, renders a text
 * body with eta (unless `templating: false`), parses it (YAML stream, JSON,
 * lists, `kind: List`), checks each document, augments them (names,
 * namespace, labels incl. `kjo/run-id`, Job/Pod defaults, the first
 * resource's pod spec, deadlines) and validates the result. Touches no
 * cluster.
 *
 * @throws {InputError} naming the option, or the document, field and reason.
 *
 * @example The resources of an image run
 * ```ts
 * import { buildBody } from "./build_body.ts";
 *
 * if (import.meta.main) {
 *   const resources = await buildBody({
 *     source: { image: "busybox", command: ["sh", "-c", "echo hello"] },
 *     runId: "r-123",
 *     namePrefix: "hello",
 *   });
 *   console.log(resources.map((r) => `${r.kind}/${r.metadata.name}`)); // ["Job/hello-job-k3x9a0qz"]
 * }
 * ```
 */
export async function buildBody(options: BuildBodyOptions): Promise<KubeObject[]> {
  checkOptions(options);
  const source = options.random ??
    (options.seedFromRunId ? seededRandom(options.runId) : cryptoRandom);
  const random = randomPostfix(
    options.randomPostfixLength ?? DEFAULT_RANDOM_POSTFIX_LENGTH,
    source,
  );
  const loaded = await loadBody(options.source, { baseDir: options.baseDir, stdin: options.stdin });
  let documents: unknown[];
  if ("text" in loaded) {
    const text = options.templating === false ? loaded.text : await renderTemplate(loaded.text, {
      values: options.values,
      runId: options.runId,
      namespace: options.namespace ?? options.defaultNamespace,
      origin: loaded.origin,
      resourceName: (name: string, kind = "") =>
        makeResourceName({
          prefix: options.namePrefix,
          base: name,
          postfix: options.namePostfix,
          random,
          kind,
        }),
    });
    documents = parseDocuments(text, { origin: loaded.origin });
  } else {
    documents = flattenDocuments(loaded.objects, { origin: loaded.origin });
  }
  documents.forEach((document, i) => validateShape(document, i + 1));
  const objects = augmentDocuments(documents as KubeObject[], {
    runId: options.runId,
    randomPostfix: random,
    namePrefix: options.namePrefix,
    namePostfix: options.namePostfix,
    namespace: options.namespace,
    defaultNamespace: options.defaultNamespace,
    labels: options.labels,
    envs: options.envs,
    image: options.image,
    command: options.command,
    args: options.args,
    imagePullPolicy: options.imagePullPolicy,
    imagePullSecrets: options.imagePullSecrets,
    secretFiles: options.secretFiles,
    activeDeadlineSeconds: options.activeDeadlineSeconds,
    ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
  });
  validateDocuments(objects);
  return objects;
}
