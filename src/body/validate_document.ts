/**
 * Structural checks of the documents of a body, with one-line errors naming
 * the document, the field and the reason:
 * `document 2 (Job/build-x1): spec.template.spec.containers[0].image: must be a non-empty string`.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import {
  DNS_LABEL_RULE,
  isDns1035Label,
  isDnsLabel,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
  LABEL_KEY_RULE,
  LABEL_VALUE_RULE,
} from "../kube/name_rules.ts";
import { formatPath, getPath, isObject, type JsonObject, typeName } from "./_object.ts";
import { podSpecPath } from "./pod_spec_path.ts";
import { nameLengthLimit } from "./resource_name.ts";

type Path = (string | number)[];

/** Kinds whose names must be DNS-1035 labels (start with a letter). */
const DNS_1035_KINDS = new Set(["Service"]);

/** Kinds whose pod template must have `restartPolicy` Never or OnFailure. */
const JOB_KINDS = new Set(["Job", "CronJob"]);

/**
 * How errors name a document: `document 2 (Job/name)`, `document 2 (Job)`
 * or `document 2`.
 */
export function documentLabel(value: unknown, index: number): string {
  if (!isObject(value) || typeof value.kind !== "string" || value.kind === "") {
    return `document ${index}`;
  }
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const name = typeof metadata.name === "string" && metadata.name !== ""
    ? metadata.name
    : typeof metadata.generateName === "string" && metadata.generateName !== ""
    ? metadata.generateName
    : undefined;
  return `document ${index} (${value.kind}${name === undefined ? "" : `/${name}`})`;
}

class Checker {
  constructor(readonly label: string) {}

  fail(path: Path, reason: string): never {
    const field = formatPath(path);
    throw new InputError(
      field === "" ? `${this.label}: ${reason}` : `${this.label}: ${field}: ${reason}`,
    );
  }

  string(
    value: unknown,
    path: Path,
    options: { required?: boolean; nonEmpty?: boolean } = {},
  ): void {
    if (value === undefined && !options.required) return;
    if (value === undefined) {
      this.fail(path, `is required (a ${options.nonEmpty ? "non-empty " : ""}string)`);
    }
    if (typeof value !== "string") {
      this.fail(
        path,
        `must be a ${options.nonEmpty ? "non-empty " : ""}string, got ${typeName(value)}`,
      );
    }
    if (options.nonEmpty && value === "") this.fail(path, "must be a non-empty string");
  }

  object(value: unknown, path: Path, required = false): value is JsonObject {
    if (value === undefined && !required) return false;
    if (value === undefined) this.fail(path, "is required");
    if (!isObject(value)) this.fail(path, `must be an object, got ${typeName(value)}`);
    return true;
  }

  list(value: unknown, path: Path, required = false): value is unknown[] {
    if (value === undefined && !required) return false;
    if (value === undefined) this.fail(path, "is required");
    if (!Array.isArray(value)) this.fail(path, `must be a list, got ${typeName(value)}`);
    return true;
  }

  stringList(value: unknown, path: Path): void {
    if (!this.list(value, path)) return;
    value.forEach((item, i) => this.string(item, [...path, i], { required: true }));
  }

  /**
   * A list of objects, each with a non-empty string `name` (volumes, pull
   * secrets, env, volume mounts); `each` checks an item's other fields.
   */
  namedList(value: unknown, path: Path, each?: (item: JsonObject, at: Path) => void): void {
    if (!this.list(value, path)) return;
    value.forEach((item, i) => {
      const at = [...path, i];
      this.object(item, at, true);
      this.string((item as JsonObject).name, [...at, "name"], { required: true, nonEmpty: true });
      each?.(item as JsonObject, at);
    });
  }

  stringMap(value: unknown, path: Path): value is Record<string, string> {
    if (!this.object(value, path)) return false;
    for (const [key, item] of Object.entries(value)) {
      this.string(item, [...path, key], { required: true });
    }
    return true;
  }
}

/**
 * Checks what augmentation relies on, before it runs: the document is an
 * object with a non-empty string `apiVersion` and `kind`; `metadata`, when
 * present, is an object whose `name`, `generateName` and `namespace` are
 * strings and whose `labels` and `annotations` map to strings.
 *
 * @param index 1-based position of the document in the body.
 * @throws {InputError} naming the document, field and reason.
 */
export function validateShape(value: unknown, index: number): asserts value is KubeObject {
  const check: Checker = new Checker(documentLabel(value, index));
  if (!isObject(value)) check.fail([], `must be an object, got ${typeName(value)}`);
  check.string(value.apiVersion, ["apiVersion"], { required: true, nonEmpty: true });
  check.string(value.kind, ["kind"], { required: true, nonEmpty: true });
  if (!check.object(value.metadata, ["metadata"])) return;
  const metadata = value.metadata as JsonObject;
  for (const field of ["name", "generateName", "namespace"]) {
    check.string(metadata[field], ["metadata", field]);
  }
  check.stringMap(metadata.labels, ["metadata", "labels"]);
  check.stringMap(metadata.annotations, ["metadata", "annotations"]);
}

/**
 * Full check of an augmented document: everything {@linkcode validateShape}
 * checks, plus
 * - `metadata.name` is present and a DNS-1123 name within the kind's limit
 *   (63 characters for Pod, Job and other pod-owning kinds, 52 for CronJob,
 *   253 otherwise; Services must start with a letter), `namespace` a DNS label;
 * - label names and values are valid (values at most 63 characters);
 * - Pods have `spec`, Jobs `spec.template.spec`, CronJobs
 *   `spec.jobTemplate.spec.template.spec`; in every pod spec `containers` is
 *   a non-empty list, each container (and init container) has a DNS-label
 *   `name` (unique in the pod) and a non-empty string `image`, `command` and
 *   `args` are lists of strings, `env` entries have a string `name` (and a
 *   string `value` when given), `volumeMounts` have `name` and `mountPath`;
 *   the pod template of a Job or CronJob has `restartPolicy` Never or OnFailure.
 *
 * @param index 1-based position of the document in the body.
 * @throws {InputError} naming the document, field and reason.
 */
export function validateDocument(object: KubeObject, index: number): void {
  validateShape(object, index);
  const check: Checker = new Checker(documentLabel(object, index));
  check.object(object.metadata, ["metadata"], true);
  const metadata = object.metadata;
  check.string(metadata.name, ["metadata", "name"], { required: true, nonEmpty: true });
  checkName(check, object.kind, metadata.name as string);
  if (metadata.namespace !== undefined && !isDnsLabel(metadata.namespace)) {
    check.fail(["metadata", "namespace"], `must be ${DNS_LABEL_RULE}`);
  }
  checkLabels(check, metadata.labels, ["metadata", "labels"]);

  const specPath = podSpecPath(object);
  if (specPath === undefined) return;
  let current: unknown = object;
  for (let i = 0; i < specPath.length; i++) {
    current = (current as JsonObject)[specPath[i]];
    check.object(current, specPath.slice(0, i + 1), true);
  }
  for (let i = 1; i < specPath.length; i++) {
    if (specPath[i] === "template" || specPath[i] === "jobTemplate") {
      const templateMetadata = getPath(object, [...specPath.slice(0, i + 1), "metadata"]);
      const path = [...specPath.slice(0, i + 1), "metadata"];
      if (check.object(templateMetadata, path)) {
        checkLabels(check, (templateMetadata as JsonObject).labels, [...path, "labels"]);
        check.stringMap((templateMetadata as JsonObject).annotations, [...path, "annotations"]);
      }
    }
  }
  checkPodSpec(check, current as JsonObject, specPath, JOB_KINDS.has(object.kind));
}

function checkName(check: Checker, kind: string, name: string): void {
  const path = ["metadata", "name"];
  const limit = nameLengthLimit(kind);
  if (name.length > limit) {
    check.fail(path, `must be at most ${limit} characters for a ${kind}, got ${name.length}`);
  }
  if (DNS_1035_KINDS.has(kind)) {
    if (!isDns1035Label(name)) {
      check.fail(
        path,
        `must be a DNS-1035 label (start with a letter; lowercase letters, digits and '-'), got ${
          JSON.stringify(name)
        }`,
      );
    }
  } else if (!(limit === 63 ? isDnsLabel : isDnsSubdomain)(name)) {
    check.fail(
      path,
      `must be a DNS-1123 name (lowercase letters, digits and '-'), got ${JSON.stringify(name)}`,
    );
  }
}

function checkLabels(check: Checker, labels: unknown, path: Path): void {
  if (!check.stringMap(labels, path)) return;
  for (const [key, value] of Object.entries(labels)) {
    if (!isLabelKey(key)) check.fail([...path, key], `invalid label key (${LABEL_KEY_RULE})`);
    if (!isLabelValue(value)) {
      check.fail(
        [...path, key],
        `invalid label value ${JSON.stringify(value)} (${LABEL_VALUE_RULE})`,
      );
    }
  }
}

function checkPodSpec(check: Checker, spec: JsonObject, path: Path, isJob: boolean): void {
  check.list(spec.containers, [...path, "containers"], true);
  if ((spec.containers as unknown[]).length === 0) {
    check.fail([...path, "containers"], "must not be empty");
  }
  const names = new Map<string, string>();
  for (const field of ["initContainers", "containers"]) {
    const containers = spec[field];
    if (!check.list(containers, [...path, field])) continue;
    containers.forEach((container, i) => {
      const at = [...path, field, i];
      checkContainer(check, container, at);
      const name = (container as JsonObject).name as string;
      const previous = names.get(name);
      if (previous !== undefined) {
        check.fail(
          [...at, "name"],
          `duplicate container name ${JSON.stringify(name)} (also ${previous})`,
        );
      }
      names.set(name, formatPath(at));
    });
  }
  if (
    isJob && spec.restartPolicy !== undefined && spec.restartPolicy !== "Never" &&
    spec.restartPolicy !== "OnFailure"
  ) {
    check.fail(
      [...path, "restartPolicy"],
      `must be Never or OnFailure in a Job, got ${JSON.stringify(spec.restartPolicy)}`,
    );
  }
  check.namedList(spec.volumes, [...path, "volumes"]);
  check.namedList(spec.imagePullSecrets, [...path, "imagePullSecrets"]);
}

function checkContainer(check: Checker, container: unknown, path: Path): void {
  check.object(container, path, true);
  const c = container as JsonObject;
  check.string(c.name, [...path, "name"], { required: true, nonEmpty: true });
  if (!isDnsLabel(c.name as string)) {
    check.fail([...path, "name"], `must be ${DNS_LABEL_RULE}, got ${JSON.stringify(c.name)}`);
  }
  check.string(c.image, [...path, "image"], { required: true, nonEmpty: true });
  check.stringList(c.command, [...path, "command"]);
  check.stringList(c.args, [...path, "args"]);
  check.namedList(c.env, [...path, "env"], (e, at) => check.string(e.value, [...at, "value"]));
  check.namedList(
    c.volumeMounts,
    [...path, "volumeMounts"],
    (m, at) => check.string(m.mountPath, [...at, "mountPath"], { required: true, nonEmpty: true }),
  );
}

/**
 * Runs {@linkcode validateDocument} on each document (1-based indexes) and
 * checks that no two documents have the same kind, namespace and name.
 *
 * @throws {InputError} naming the first bad document, field and reason.
 */
export function validateDocuments(objects: KubeObject[]): void {
  const seen = new Map<string, number>();
  objects.forEach((object, i) => {
    validateDocument(object, i + 1);
    const key = `${
      object.apiVersion.split("/").length > 1 ? object.apiVersion.split("/")[0] : ""
    }/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new InputError(
        `${
          documentLabel(object, i + 1)
        }: metadata.name: same kind and name as document ${previous}`,
      );
    }
    seen.set(key, i + 1);
  });
}
