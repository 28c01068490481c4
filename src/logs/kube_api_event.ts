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
 * (warning or failure reason) without ending the run. Pod output is
 * untrusted: an `xcom` value longer than a byte cap or nested deeper than a
 * depth cap is invalid too, and its depth is measured on the text before it
 * is parsed.
 *
 * @module
 */

import { errorText } from "../errors.ts";

/** The marker that starts an event line. */
export const KUBE_API_MARKER = "::kube_api:";

/**
 * The outcome of {@linkcode parseKubeApiEvent} for an event line.
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
 */
export function isKubeApiEventLine(line: string): boolean {
  return MARKED.test(line);
}

/**
 * Caps on `xcom` values (pod output is untrusted).
 */
export interface XComCaps {
  /**
   * Longest value, in UTF-8 bytes.
   *
   * @default {DEFAULT_XCOM_MAX_BYTES}
   */
  maxBytes?: number;
  /**
   * Deepest nesting of objects and arrays (`{}` is 1).
   *
   * @default {DEFAULT_XCOM_MAX_DEPTH}
   */
  maxDepth?: number;
}

/** Default cap on the size of XCom values: 1 MiB (also the longest line kjo reads whole). */
export const DEFAULT_XCOM_MAX_BYTES = 1024 * 1024;
/** Default cap on the nesting of XCom values. */
export const DEFAULT_XCOM_MAX_DEPTH = 32;

/**
 * The UTF-8 length of a string, in bytes.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The nesting depth of `[`/`{` in JSON text (brackets inside strings do not
 * count), scanning at most until it exceeds `stopAbove`; so a hostile value
 * costs one linear scan and no recursion.
 */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Checks an `xcom` value's text against the caps; returns why it is over
 * one, or `undefined`. Works on raw values too (they need not be JSON).
 */
export function checkXComCaps(text: string, caps: XComCaps = {}): string | undefined {
  const maxBytes = caps.maxBytes ?? DEFAULT_XCOM_MAX_BYTES;
  const maxDepth = caps.maxDepth ?? DEFAULT_XCOM_MAX_DEPTH;
  // A string is at least as many UTF-8 bytes as UTF-16 units: no need to count when over.
  const over = text.length > maxBytes;
  const bytes = over ? text.length : utf8Length(text);
  if (bytes > maxBytes) {
    return `xcom value is ${
      over ? "at least " : ""
    }${bytes} bytes, over the cap of ${maxBytes} bytes (xcom max bytes)`;
  }
  if (jsonDepth(text, maxDepth) > maxDepth) {
    return `xcom value nests deeper than the cap of ${maxDepth} levels (xcom max depth)`;
  }
  return undefined;
}

function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

/**
 * Parses an `xcom` value: a JSON object within the caps, or an error sentence.
 */
export function parseXComValue(
  text: string,
  caps: XComCaps = {},
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const over = checkXComCaps(text, caps);
  if (over) return { ok: false, error: over };
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
 * Returns `undefined` for ordinary log lines. Give it whole lines only: a
 * piece of a line cut at the line limit is not an event (see
 * `LogLine.piece`). `xcom` values are checked against `caps`.
 *
 * @example
 * ```ts
 * import { parseKubeApiEvent } from "./kube_api_event.ts";
 *
 * parseKubeApiEvent('::kube_api:xcom={"a":2}');
 * // { ok: true, name: "xcom", value: '{"a":2}', parsed: { a: 2 } }
 * parseKubeApiEvent("::kube_api:progress=50%"); // { ok: true, name: "progress", value: "50%" }
 * parseKubeApiEvent("::kube_api:xcom=oops"); // { ok: false, name: "xcom", value: "oops", error: "..." }
 * parseKubeApiEvent("hello"); // undefined
 * ```
 */
export function parseKubeApiEvent(
  line: string,
  caps: XComCaps = {},
): KubeApiEventResult | undefined {
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
  const parsed = parseXComValue(value, caps);
  return parsed.ok
    ? { ok: true, name, value, parsed: parsed.value }
    : { ok: false, name, value, error: parsed.error };
}
