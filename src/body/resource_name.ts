/**
 * Resource names of a run: `[prefix]-[name]-[postfix]-[random]`, sanitized to
 * DNS-1123 and shortened to fit the kind's length limit.
 *
 * @module
 */

/**
 * Characters of the random name postfix.
 */
export const RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Largest accepted `randomPostfixLength`.
 */
export const MAX_RANDOM_POSTFIX_LENGTH = 32;

/** Length of the random name postfix when none is given. */
export const DEFAULT_RANDOM_POSTFIX_LENGTH = 8;

/**
 * A source of random numbers in [0, 1), like `Math.random`.
 */
export type RandomSource = () => number;

/**
 * Cryptographically strong default {@linkcode RandomSource}.
 */
export const cryptoRandom: RandomSource = () => {
  const buffer = new Uint32Array(1);
  crypto.getRandomValues(buffer);
  return buffer[0] / 0x1_0000_0000;
};

/**
 * A deterministic {@linkcode RandomSource} seeded by a string (FNV-1a hash,
 * then mulberry32): the same seed gives the same sequence. Rendering with a
 * given run id draws the name postfix from it, so the names repeat.
 */
export function seededRandom(seed: string): RandomSource {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    state ^= seed.charCodeAt(i);
    state = Math.imul(state, 0x01000193);
  }
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * A random string of lowercase letters and digits.
 */
export function randomPostfix(length: number, random: RandomSource = cryptoRandom): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const index = Math.min(
      RANDOM_ALPHABET.length - 1,
      Math.floor(random() * RANDOM_ALPHABET.length),
    );
    out += RANDOM_ALPHABET[index];
  }
  return out;
}

/**
 * Turns any text into a DNS-1123 label fragment: lowercase; every character
 * other than `a-z`, `0-9` and `-` (so `_`, `.`, spaces, `/`, …) becomes `-`;
 * runs of dashes collapse to one; leading and trailing dashes are trimmed.
 * May return `""`.
 */
export function sanitizeName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Kinds whose names are limited to 63 characters (a DNS label) and why:
 * - `Pod`: the name becomes the pod's hostname, a DNS label.
 * - `Job`: the name is copied into the `job-name` / `batch.kubernetes.io/job-name`
 *   label of its pods (label values are at most 63 characters); the Job's pods
 *   are named `<job name>-<5 random>` and the API server shortens the base to
 *   58 characters, so a 63-character Job name still leaves room for the pod
 *   suffix.
 * - `Service`, `Namespace`: DNS labels by definition.
 * - `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
 *   `ReplicationController`: names flow into pod names and label values.
 */
const LABEL_LENGTH_KINDS = new Set([
  "Pod",
  "Job",
  "Service",
  "Namespace",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
]);

/**
 * The longest name kjo gives a resource of `kind`: 52 for a CronJob (its Jobs
 * are named `<cronjob>-<11-digit schedule time>` and must stay within 63), 63
 * for the kinds in `LABEL_LENGTH_KINDS` (see there), 253 (a DNS-1123
 * subdomain) for every other kind.
 */
export function nameLengthLimit(kind: string): number {
  if (kind === "CronJob") return 52;
  return LABEL_LENGTH_KINDS.has(kind) ? 63 : 253;
}

/**
 * Input of {@linkcode makeResourceName}.
 */
export interface ResourceNameParts {
  /** Run-wide prefix (e.g. the Airflow task id). */
  prefix?: string;
  /** The resource's own name: `metadata.name`, else `generateName`, else the lowercase kind. */
  base?: string;
  /** Run-wide postfix. */
  postfix?: string;
  /** The run's random postfix (already random, lowercase alphanumerics); `""` for none. */
  random?: string;
  /** The resource kind, which decides the length limit ({@linkcode nameLengthLimit}). */
  kind: string;
}

/**
 * Builds a resource name `[prefix]-[base]-[postfix]-[random]`: each part is
 * sanitized ({@linkcode sanitizeName}) and empty parts are skipped. When the
 * name is longer than the kind's limit, the non-random part is cut at its end
 * (trailing dashes trimmed) so that the random part is always kept whole.
 *
 * @example
 * ```ts
 * import { makeResourceName } from "./resource_name.ts";
 *
 * makeResourceName({ prefix: "etl", base: "Load_Data", random: "x1y2z3w4", kind: "Job" });
 * // "etl-load-data-x1y2z3w4"
 * ```
 */
export function makeResourceName(parts: ResourceNameParts): string {
  const fixed = [parts.prefix, parts.base, parts.postfix]
    .map((part) => sanitizeName(part ?? ""))
    .filter((part) => part !== "")
    .join("-");
  const random = parts.random ?? "";
  const limit = nameLengthLimit(parts.kind);
  const room = random === "" ? limit : limit - random.length - 1;
  const shortened = fixed.length > room
    ? fixed.slice(0, Math.max(0, room)).replace(/-+$/, "")
    : fixed;
  return [shortened, random].filter((part) => part !== "").join("-");
}
