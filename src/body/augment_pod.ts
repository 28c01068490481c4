/**
 * Augmentation of the pod spec of the run's first resource: environment
 * variables, the main container's image, command, args and pull policy,
 * image pull secrets and files mounted from secrets.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { getPath, isObject, type JsonObject } from "./_object.ts";
import { podSpecPath } from "./pod_spec_path.ts";
import { sanitizeName } from "./resource_name.ts";
import { documentLabel } from "./validate_document.ts";

/**
 * The annotation naming the main container of a Pod (or a Job's pod template).
 */
export const MAIN_CONTAINER_ANNOTATION = "kubernetes_job_operator.main_container";

/**
 * The environment variable listing the run's resource names, separated by
 * spaces (as the original operator).
 */
export const RESOURCES_ENV = "KUBERNETES_JOB_OPERATOR_RESOURCES";

/**
 * Files mounted from secrets: `{ secretName: { key: "/path/in/container" } }`
 * (the original's `mount_files_from_secret`).
 */
export type SecretFiles = Record<string, Record<string, string>>;

/**
 * What {@linkcode augmentMainPod} sets.
 */
export interface MainPodOptions {
  /** Final names of every resource of the run, in order (for {@linkcode RESOURCES_ENV}). */
  resourceNames: string[];
  /** Environment variables for every container; they replace the body's entries of the same name. */
  envs?: Record<string, string>;
  /** Image of the main container. */
  image?: string;
  /** Command of the main container. */
  command?: string[];
  /** Args of the main container. */
  args?: string[];
  /** Image pull policy of the main container. */
  imagePullPolicy?: string;
  /** Names of image pull secrets added to the pod spec. */
  imagePullSecrets?: string[];
  /** Files mounted from secrets into the main container. */
  secretFiles?: SecretFiles;
}

/**
 * The main container of a pod spec: the one named by the
 * `kubernetes_job_operator.main_container` annotation of the resource (or of
 * its pod template), else the first.
 *
 * @throws {InputError} when the annotation names no container of the pod.
 */
export function mainContainer(
  object: KubeObject,
  podSpec: JsonObject,
  index = 1,
): JsonObject | undefined {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers.filter(isObject) : [];
  const path = podSpecPath(object) ?? [];
  const templateAnnotations = path.length > 1
    ? getPath(object, [...path.slice(0, -1), "metadata", "annotations"])
    : undefined;
  const fromObject = object.metadata.annotations?.[MAIN_CONTAINER_ANNOTATION];
  const fromTemplate = isObject(templateAnnotations)
    ? templateAnnotations[MAIN_CONTAINER_ANNOTATION]
    : undefined;
  const wanted = fromObject ?? fromTemplate;
  if (wanted === undefined) return containers[0];
  const found = containers.find((container) => container.name === wanted);
  if (found === undefined) {
    const names = containers.map((container) => String(container.name)).join(", ");
    const where = fromObject !== undefined
      ? "metadata.annotations"
      : `${[...path.slice(0, -1)].join(".")}.metadata.annotations`;
    throw new InputError(
      `${
        documentLabel(object, index)
      }: ${where}["${MAIN_CONTAINER_ANNOTATION}"]: no container named ${
        JSON.stringify(wanted)
      } (containers: ${names || "none"})`,
    );
  }
  return found;
}

/**
 * Augments the pod spec of `object` (the run's first resource):
 * - every container and init container gets `KUBERNETES_JOB_OPERATOR_RESOURCES`
 *   (the resource names separated by spaces, as the original operator) as
 *   its first variable, and `envs`; a variable of `envs` replaces the body's
 *   variable with the same name in place (the option wins, as in the original
 *   operator where it came last), new ones are appended;
 * - the main container ({@linkcode mainContainer}) gets `image`, `command`,
 *   `args`, `imagePullPolicy` when given, and a read-only `volumeMount`
 *   (`subPath` = key) per secret file;
 * - the pod spec gets the `imagePullSecrets` (merged, no duplicates) and one
 *   secret volume per secret (`kjo-secret-<secret name>`).
 *
 * A resource without a pod spec only gets nothing; asking for anything but
 * the resources variable on it is an error.
 *
 * @throws {InputError} when an option needs a pod spec the resource lacks, a
 * secret file path is not absolute, or a mount path is already used.
 */
export function augmentMainPod(object: KubeObject, options: MainPodOptions): void {
  const label = documentLabel(object, 1);
  const path = podSpecPath(object);
  const podSpec = path === undefined ? undefined : getPath(object, path);
  if (!isObject(podSpec) || !Array.isArray(podSpec.containers)) {
    const asked = ([
      "envs",
      "image",
      "command",
      "args",
      "imagePullPolicy",
      "imagePullSecrets",
      "secretFiles",
    ] as const)
      .filter((key) => options[key] !== undefined);
    if (asked.length > 0) {
      throw new InputError(
        `${label}: ${asked.join(", ")}: the first resource has no pod spec to apply them to`,
      );
    }
    return;
  }
  const resources = { name: RESOURCES_ENV, value: options.resourceNames.join(" ") };
  for (const field of ["initContainers", "containers"]) {
    const containers = podSpec[field];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (isObject(container)) setEnvs(container, resources, options.envs ?? {});
    }
  }
  const main = mainContainer(object, podSpec);
  if (main === undefined) return; // an empty containers list: validation reports it
  if (options.image !== undefined) main.image = options.image;
  if (options.command !== undefined) main.command = [...options.command];
  if (options.args !== undefined) main.args = [...options.args];
  if (options.imagePullPolicy !== undefined) main.imagePullPolicy = options.imagePullPolicy;
  if (options.imagePullSecrets !== undefined) addPullSecrets(podSpec, options.imagePullSecrets);
  if (options.secretFiles !== undefined) addSecretFiles(label, podSpec, main, options.secretFiles);
}

function setEnvs(
  container: JsonObject,
  resources: { name: string; value: string },
  envs: Record<string, string>,
) {
  const current = Array.isArray(container.env)
    ? [...container.env]
    : container.env === undefined
    ? []
    : undefined;
  if (current === undefined) return; // malformed env: validation reports it
  const named = (entry: unknown, name: string) => isObject(entry) && entry.name === name;
  const env = [{ ...resources }, ...current.filter((entry) => !named(entry, RESOURCES_ENV))];
  for (const [name, value] of Object.entries(envs)) {
    const at = env.findIndex((entry) => named(entry, name));
    if (at === -1) env.push({ name, value });
    else env[at] = { name, value };
  }
  container.env = env;
}

function addPullSecrets(podSpec: JsonObject, names: string[]): void {
  const existing = Array.isArray(podSpec.imagePullSecrets) ? podSpec.imagePullSecrets : [];
  const merged: unknown[] = [...existing];
  for (const name of names) {
    if (!merged.some((entry) => isObject(entry) && entry.name === name)) merged.push({ name });
  }
  podSpec.imagePullSecrets = merged;
}

function addSecretFiles(
  label: string,
  podSpec: JsonObject,
  main: JsonObject,
  files: SecretFiles,
): void {
  const volumes: unknown[] = Array.isArray(podSpec.volumes) ? [...podSpec.volumes] : [];
  const mounts: unknown[] = Array.isArray(main.volumeMounts) ? [...main.volumeMounts] : [];
  const volumeNames = new Set(volumes.filter(isObject).map((volume) => volume.name));
  const mountPaths = new Set(mounts.filter(isObject).map((mount) => mount.mountPath));
  for (const [secretName, keys] of Object.entries(files)) {
    const base = `kjo-secret-${sanitizeName(secretName)}`.slice(0, 63).replace(/-+$/, "");
    let volumeName = base;
    for (let n = 2; volumeNames.has(volumeName); n++) {
      volumeName = `${base.slice(0, 58).replace(/-+$/, "")}-${n}`;
    }
    volumeNames.add(volumeName);
    volumes.push({ name: volumeName, secret: { secretName } });
    for (const [key, mountPath] of Object.entries(keys)) {
      if (mountPaths.has(mountPath)) {
        throw new InputError(
          `${label}: secretFiles.${secretName}.${key}: mount path ${mountPath} is already used in the main container`,
        );
      }
      mountPaths.add(mountPath);
      mounts.push({ name: volumeName, mountPath, subPath: key, readOnly: true });
    }
  }
  podSpec.volumes = volumes;
  main.volumeMounts = mounts;
}
