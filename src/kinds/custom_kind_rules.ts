/**
 * Declarative state rules for custom kinds, read from a YAML rules file:
 *
 * ```yaml
 * kinds:
 *   - apiVersion: example.com/v1
 *     kind: Widget
 *     succeeded: [{ path: status.phase, equals: Done }]
 *     failed: [{ path: status.phase, in: [Error, Failed] }]
 *     running: [{ path: status.phase, equals: Running }]
 *     reasonPath: status.reason      # optional: verdict reason
 *     messagePath: status.message    # optional: verdict message
 * ```
 *
 * Each of `succeeded`, `failed`, `running` is a list of conditions; the state
 * applies when **any** condition of its list matches. At least one of
 * `succeeded` and `failed` is required. Precedence: failed > succeeded >
 * running > Pending (nothing matched).
 *
 * A condition is `{ path, OP }` with exactly one OP:
 * - `equals: X` — the field exists and equals X;
 * - `notEquals: X` — the field exists and does not equal X (a missing field
 *   never matches);
 * - `in: [X, Y]` — the field equals one of the values;
 * - `exists: true | false` — the field is present and not null / is absent;
 * - or `{ all: [cond, ...] }` — every condition of the list matches.
 *
 * Values are scalars. They compare as text when types differ, so `equals: 1`
 * matches `"1"`; a boolean matches its text case-insensitively, so YAML's
 * `equals: True` (a boolean) matches a condition status `"True"`.
 *
 * A path is dotted field names with selectors: `status.phase`,
 * `status.conditions[0].type`, `status.conditions[type=Ready].status` (the
 * first element whose `type` is `Ready`), `metadata.annotations["a.io/b"]`.
 *
 * Every error is an {@linkcode InputError} naming the file, the entry and the
 * field, e.g. `rules file rules.yaml: kinds[1] (example.com/v1 Widget):
 * failed[0].in: must be a non-empty list of scalars`.
 *
 * @module
 */

import { readInputFile } from "../body/input_file.ts";
import { parseYamlValue } from "../body/safe_parse.ts";
import { errorText, InputError } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import type { ResourceState, StateRule, StateVerdict } from "./resource_state.ts";
import { parseFieldPath, type PathStep, resolveFieldPath } from "./_field_path.ts";

/**
 * A value a condition compares with.
 */
export type Scalar = string | number | boolean | null;

/**
 * One condition of a custom kind rule, as written in the rules file.
 */
export type FieldCondition =
  | { path: string; equals: Scalar }
  | { path: string; notEquals: Scalar }
  | { path: string; in: Scalar[] }
  | { path: string; exists: boolean }
  | { all: FieldCondition[] };

/**
 * One entry of `kinds` in a rules file.
 */
export interface CustomKindSpec {
  apiVersion: string;
  kind: string;
  succeeded?: FieldCondition[];
  failed?: FieldCondition[];
  running?: FieldCondition[];
  /** Path of a string field used as the verdict reason. */
  reasonPath?: string;
  /** Path of a string field used as the verdict message. */
  messagePath?: string;
}

/**
 * A validated custom kind: its key and its compiled state rule.
 */
export interface CustomKindRule {
  apiVersion: string;
  kind: string;
  rule: StateRule;
  spec: CustomKindSpec;
}

type Compiled =
  | { steps: PathStep[]; path: string; test: (v: unknown) => boolean; op: "value" }
  | { all: Compiled[] };

const KIND_KEYS = new Set([
  "apiVersion",
  "kind",
  "succeeded",
  "failed",
  "running",
  "reasonPath",
  "messagePath",
]);
const OPS = ["equals", "notEquals", "in", "exists"] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

/** Scalar equality, lenient across types (see the module documentation). */
function same(actual: unknown, expected: Scalar): boolean {
  if (actual === expected) return true;
  if (actual === null || expected === null || !isScalar(actual)) return false;
  if (typeof expected === "boolean" && typeof actual === "string") {
    return actual.toLowerCase() === String(expected);
  }
  return String(actual) === String(expected);
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

class RuleError extends Error {}

function compilePath(path: unknown, field: string): PathStep[] {
  if (typeof path !== "string" || path.trim() === "") {
    throw new RuleError(`${field}: must be a field path such as status.phase`);
  }
  try {
    return parseFieldPath(path.trim());
  } catch (e) {
    throw new RuleError(`${field}: ${errorText(e)}`);
  }
}

function compileCondition(raw: unknown, field: string): Compiled {
  if (!isRecord(raw)) {
    throw new RuleError(`${field}: must be a mapping such as { path: status.phase, equals: Done }`);
  }
  const unknown = Object.keys(raw).filter((k) => !["path", "all", ...OPS].includes(k));
  if (unknown.length > 0) {
    throw new RuleError(
      `${field}.${unknown[0]}: unknown key (expected path with one of ${OPS.join(", ")}, or all)`,
    );
  }
  if ("all" in raw) {
    if (Object.keys(raw).length > 1) {
      throw new RuleError(`${field}: all cannot be combined with other keys`);
    }
    return { all: compileList(raw.all, `${field}.all`) };
  }
  const ops = OPS.filter((op) => op in raw);
  if (ops.length !== 1) {
    throw new RuleError(
      `${field}: needs exactly one of ${OPS.join(", ")}${
        ops.length ? ` (got ${ops.join(", ")})` : ""
      }`,
    );
  }
  const steps = compilePath(raw.path, `${field}.path`);
  const path = String(raw.path).trim();
  const op = ops[0];
  const value = raw[op];
  switch (op) {
    case "equals":
    case "notEquals": {
      if (!isScalar(value)) {
        throw new RuleError(`${field}.${op}: must be a string, number, boolean or null`);
      }
      const test = op === "equals"
        ? (v: unknown) => present(v) && same(v, value)
        : (v: unknown) => present(v) && !same(v, value);
      return { steps, path, test, op: "value" };
    }
    case "in": {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) {
        throw new RuleError(`${field}.in: must be a non-empty list of scalars`);
      }
      return { steps, path, test: (v) => present(v) && value.some((x) => same(v, x)), op: "value" };
    }
    case "exists": {
      if (typeof value !== "boolean") throw new RuleError(`${field}.exists: must be true or false`);
      return { steps, path, test: (v) => present(v) === value, op: "value" };
    }
  }
}

function compileList(raw: unknown, field: string): Compiled[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new RuleError(`${field}: must be a non-empty list of conditions`);
  }
  return raw.map((c, i) => compileCondition(c, `${field}[${i}]`));
}

/** The first matching condition of the list, described by the values it saw; undefined if none. */
function match(conditions: Compiled[], object: unknown): string | undefined {
  for (const c of conditions) {
    const seen = matchOne(c, object);
    if (seen !== undefined) return seen;
  }
  return undefined;
}

function matchOne(c: Compiled, object: unknown): string | undefined {
  if ("all" in c) {
    const parts: string[] = [];
    for (const sub of c.all) {
      const seen = matchOne(sub, object);
      if (seen === undefined) return undefined;
      parts.push(seen);
    }
    return parts.join(" and ");
  }
  const value = resolveFieldPath(object, c.steps);
  if (!c.test(value)) return undefined;
  return present(value) ? `${c.path} is ${JSON.stringify(value)}` : `${c.path} is missing`;
}

function stringAt(object: unknown, steps: PathStep[] | undefined): string | undefined {
  if (!steps) return undefined;
  const v = resolveFieldPath(object, steps);
  return typeof v === "string" && v !== "" ? v : undefined;
}

function compileSpec(raw: unknown): { spec: CustomKindSpec; rule: StateRule } {
  if (!isRecord(raw)) {
    throw new RuleError("must be a mapping with apiVersion, kind, succeeded, failed, running");
  }
  const unknown = Object.keys(raw).filter((k) => !KIND_KEYS.has(k));
  if (unknown.length > 0) {
    throw new RuleError(
      `${unknown[0]}: unknown key (expected one of ${[...KIND_KEYS].join(", ")})`,
    );
  }
  for (const key of ["apiVersion", "kind"] as const) {
    if (typeof raw[key] !== "string" || (raw[key] as string).trim() === "") {
      throw new RuleError(`${key}: must be a non-empty string`);
    }
  }
  if (raw.succeeded === undefined && raw.failed === undefined) {
    throw new RuleError("succeeded, failed: at least one is required, else a run could never end");
  }
  const lists: Array<[ResourceState, Compiled[]]> = [];
  for (
    const [state, key] of [["Failed", "failed"], ["Succeeded", "succeeded"], [
      "Running",
      "running",
    ]] as const
  ) {
    if (raw[key] !== undefined) lists.push([state, compileList(raw[key], key)]);
  }
  const reasonSteps = raw.reasonPath === undefined
    ? undefined
    : compilePath(raw.reasonPath, "reasonPath");
  const messageSteps = raw.messagePath === undefined
    ? undefined
    : compilePath(raw.messagePath, "messagePath");
  const spec = raw as unknown as CustomKindSpec;
  const rule: StateRule = (object: KubeObject): StateVerdict => {
    for (const [state, conditions] of lists) {
      const seen = match(conditions, object);
      if (seen === undefined) continue;
      const reason = stringAt(object, reasonSteps);
      const message = stringAt(object, messageSteps) ?? (state === "Running" ? undefined : seen);
      return { state, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
    }
    return { state: "Pending" };
  };
  return { spec, rule };
}

/**
 * Validates already-parsed rules data (the `{ kinds: [...] }` mapping) and
 * compiles a state rule per kind. `source` names the data in error messages.
 */
export function customKindRules(data: unknown, source: string): CustomKindRule[] {
  const fail = (where: string, e: unknown): never => {
    if (!(e instanceof RuleError)) throw e;
    throw new InputError(`${source}: ${where}${e.message}`, { cause: e });
  };
  if (!isRecord(data)) fail("", new RuleError("must be a mapping with a kinds list"));
  const root = data as Record<string, unknown>;
  const extra = Object.keys(root).filter((k) => k !== "kinds");
  if (extra.length > 0) fail("", new RuleError(`${extra[0]}: unknown key (expected kinds)`));
  if (!Array.isArray(root.kinds) || root.kinds.length === 0) {
    fail("", new RuleError("kinds: must be a non-empty list"));
  }
  const out: CustomKindRule[] = [];
  const seen = new Map<string, number>();
  (root.kinds as unknown[]).forEach((entry, i) => {
    const e = isRecord(entry) ? entry : {};
    const label = typeof e.apiVersion === "string" && typeof e.kind === "string"
      ? ` (${e.apiVersion} ${e.kind})`
      : "";
    const where = `kinds[${i}]${label}: `;
    try {
      const { spec, rule } = compileSpec(entry);
      const key = `${spec.apiVersion.trim()}/${spec.kind.trim()}`;
      const previous = seen.get(key);
      if (previous !== undefined) throw new RuleError(`kind: duplicates kinds[${previous}]`);
      seen.set(key, i);
      out.push({ apiVersion: spec.apiVersion.trim(), kind: spec.kind.trim(), rule, spec });
    } catch (err) {
      fail(where, err);
    }
  });
  return out;
}

/**
 * Parses the YAML text of a rules file. `file` names it in error messages.
 *
 * @example Rules for a custom kind, as in a rules file
 * ```ts
 * import { parseCustomKindRules } from "./custom_kind_rules.ts";
 * import { KindRegistry } from "./kind_registry.ts";
 *
 * const rules = parseCustomKindRules(
 *   `
 * kinds:
 *   - apiVersion: example.com/v1
 *     kind: Widget
 *     succeeded: [{ path: status.phase, equals: Done }]
 *     failed: [{ path: status.phase, in: [Error, Failed] }]
 * `,
 *   "rules.yaml",
 * );
 * const kinds = KindRegistry.withBuiltins().registerAll(rules);
 * console.log(kinds.keys()); // ["batch/v1/Job", "example.com/v1/Widget", "v1/Pod"]
 * ```
 */
export function parseCustomKindRules(text: string, file: string): CustomKindRule[] {
  const source = `rules file ${file}`;
  return customKindRules(parseYamlValue(text, source), source);
}

/**
 * Reads and parses a rules file.
 */
export async function loadCustomKindRules(path: string): Promise<CustomKindRule[]> {
  return parseCustomKindRules(await readInputFile(path, "rules file"), path);
}
