/**
 * `::kube_api:NAME=VALUE` log events.
 *
 * A line is an event when, after optional leading spaces or tabs, it starts
 * with `::kube_api:`. (Leading whitespace is allowed because loggers and
 * shells often indent; the marker anywhere later in a line, e.g. after a log
 * prefix, does not count.) `NAME` is `[a-zA-Z0-9_-]+`, `VALUE` the rest of
 * the line, kept verbatim. A line with the marker but no valid `NAME=` is an
 * invalid event, not a log line, so typos surface.
 *
 * `xcom` values must be a JSON object; anything else yields an invalid
 * result with an explanation instead of throwing, so the runner can report it
 * (warning or failure reason) without ending the run.
 *
 * @module
 */

import { errorText } from "../errors.ts";

/** The marker that starts an event line. */
export const KUBE_API_MARKER = "::kube_api:";

/**
 * The outcome of {@linkcode parseKubeApiEvent} for an event line.
 *
 * @example
 * ```ts
 * const r: KubeApiEventResult = { ok: true, name: "xcom", value: '{"a":2}', parsed: { a: 2 } };
 * ```
 */
export type KubeApiEventResult =
  | {
    ok: true;
    name: string;
    /** The raw text after `=`. */
    value: string;
    /** For `xcom`: the JSON object. Absent for other names. */
    parsed?: Record<string, unknown>;
  }
  | {
    ok: false;
    /** The name when it could be read. */
    name?: string;
    value: string;
    /** Why the event is invalid, one sentence. */
    error: string;
  };

const MARKED = /^[ \t]*::kube_api:/;
const EVENT = /^[ \t]*::kube_api:([a-zA-Z0-9_-]+)=(.*)$/s;

/**
 * Whether a line carries the `::kube_api:` marker (valid or not).
 *
 * @example
 * ```ts
 * isKubeApiEventLine("  ::kube_api:xcom={}"); // true
 * isKubeApiEventLine("INFO ::kube_api:xcom={}"); // false
 * ```
 */
export function isKubeApiEventLine(line: string): boolean {
  return MARKED.test(line);
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

/**
 * Parses an `xcom` value: a JSON object, or an error sentence.
 *
 * @example
 * ```ts
 * parseXComValue('{"a":2}'); // { ok: true, value: { a: 2 } }
 * parseXComValue("[1]"); // { ok: false, error: "xcom value must be a JSON object, got an array" }
 * ```
 */
export function parseXComValue(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `xcom value is not valid JSON: ${errorText(e)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: `xcom value must be a JSON object, got ${describeJson(value)}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Parses a log line (without its newline) as a `::kube_api:` event.
 * Returns `undefined` for ordinary log lines.
 *
 * @example
 * ```ts
 * parseKubeApiEvent('::kube_api:xcom={"a":2}');
 * // { ok: true, name: "xcom", value: '{"a":2}', parsed: { a: 2 } }
 * parseKubeApiEvent("::kube_api:progress=50%"); // { ok: true, name: "progress", value: "50%" }
 * parseKubeApiEvent("::kube_api:xcom=oops"); // { ok: false, name: "xcom", value: "oops", error: "xcom value is not valid JSON: ..." }
 * parseKubeApiEvent("hello"); // undefined
 * ```
 */
export function parseKubeApiEvent(line: string): KubeApiEventResult | undefined {
  if (!isKubeApiEventLine(line)) return undefined;
  const m = EVENT.exec(line);
  if (!m) {
    const value = line.slice(line.indexOf(KUBE_API_MARKER) + KUBE_API_MARKER.length);
    return {
      ok: false,
      value,
      error:
        `malformed ${KUBE_API_MARKER} event: expected ${KUBE_API_MARKER}NAME=VALUE with NAME of [a-zA-Z0-9_-]+`,
    };
  }
  const [, name, value] = m;
  if (name !== "xcom") return { ok: true, name, value };
  const parsed = parseXComValue(value);
  return parsed.ok
    ? { ok: true, name, value, parsed: parsed.value }
    : { ok: false, name, value, error: parsed.error };
}
