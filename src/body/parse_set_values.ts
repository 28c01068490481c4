/**
 * Parses `--set` arguments into a nested values object, like Helm's `--set`.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { isObject } from "./_object.ts";
import { INPUT_LIMITS } from "./safe_parse.ts";

/** Largest list index accepted in a `--set` key (`a[9999]=x`). */
const MAX_INDEX = 9999;

type Key = (string | number)[];

/**
 * Parses `--set` arguments into one nested object, with Helm's rules:
 * - each argument holds one or more `key=value` pairs separated by commas
 *   (`a=1,b=2`); `\,` is a literal comma;
 * - a key is a dotted path (`a.b.c`), `\.` is a literal dot, `name[0]` indexes
 *   a list (missing items become `null`);
 * - a value `{x,y}` is a list;
 * - values are typed: `true` / `false` → booleans, `null` → null, integers
 *   without leading zeros (`42`, `-1`) → numbers; everything else, floats
 *   included (`1.5`, `007`), stays a string; an empty value is `""`;
 * - later pairs win.
 *
 * @throws {InputError} on a pair without `=`, an empty key or a bad index;
 * a key longer than `INPUT_LIMITS.maxSetKeyChars` or deeper than
 * `INPUT_LIMITS.maxDepth`, a value longer than `INPUT_LIMITS.maxSetValueChars`.
 *
 * @example Helm-style `--set` pairs
 * ```ts
 * import { parseSetValues } from "./parse_set_values.ts";
 *
 * const values = parseSetValues(["a.b=1", "c=x,d={1,true}", "e\\.f=2", "list[1]=y"]);
 * console.log(values);
 * // { a: { b: 1 }, c: "x", d: [1, true], "e.f": 2, list: [null, "y"] }
 * ```
 */
export function parseSetValues(args: string[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const arg of args) {
    for (const pair of splitPairs(arg)) {
      const eq = findUnescaped(pair, "=");
      if (eq === -1) throw new InputError(`--set ${JSON.stringify(pair)}: expected key=value`);
      const keyText = pair.slice(0, eq);
      if (keyText.length > INPUT_LIMITS.maxSetKeyChars) {
        throw new InputError(
          `--set ${
            shorten(keyText)
          }: key longer than ${INPUT_LIMITS.maxSetKeyChars} characters (${keyText.length})`,
        );
      }
      const rawValue = pair.slice(eq + 1);
      if (rawValue.length > INPUT_LIMITS.maxSetValueChars) {
        throw new InputError(
          `--set ${
            shorten(keyText)
          }: value longer than ${INPUT_LIMITS.maxSetValueChars} characters (${rawValue.length})`,
        );
      }
      const key = parseKey(keyText, pair);
      if (key.length > INPUT_LIMITS.maxDepth) {
        throw new InputError(
          `--set ${
            shorten(keyText)
          }: key nested deeper than ${INPUT_LIMITS.maxDepth} levels (${key.length})`,
        );
      }
      const value = rawValue.startsWith("{") && rawValue.endsWith("}")
        ? splitUnescaped(rawValue.slice(1, -1), ",").filter((item, _i, all) =>
          !(all.length === 1 && item === "")
        )
          .map((item) => typedValue(unescape(item)))
        : typedValue(unescape(rawValue));
      setPath(root, key, value, pair);
    }
  }
  return root;
}

/** A key for an error message: JSON-quoted, at most about 60 characters. */
function shorten(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
}

/** Helm's typing of a `--set` value. */
function typedValue(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  if (/^-?(0|[1-9][0-9]*)$/.test(text)) {
    const number = Number(text);
    if (Number.isSafeInteger(number)) return number;
  }
  return text;
}

function findUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function splitUnescaped(text: string, char: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === char) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Splits `a=1,b={x,y},c=2` on commas that are not escaped and not inside `{}`. */
function splitPairs(arg: string): string[] {
  const pairs: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < arg.length; i++) {
    const char = arg[i];
    if (char === "\\") i++;
    else if (char === "{") depth++;
    else if (char === "}" && depth > 0) depth--;
    else if (char === "," && depth === 0) {
      pairs.push(arg.slice(start, i));
      start = i + 1;
    }
  }
  pairs.push(arg.slice(start));
  return pairs.filter((pair) => pair !== "");
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, "$1");
}

function parseKey(text: string, pair: string): Key {
  if (text === "") throw new InputError(`--set ${JSON.stringify(pair)}: empty key`);
  const key: Key = [];
  for (const segment of splitUnescaped(text, ".")) {
    const match = /^((?:\\.|[^[\\])*)((?:\[[^\]]*\])*)$/.exec(segment);
    if (!match || match[1] === "") {
      throw new InputError(
        `--set ${JSON.stringify(pair)}: bad key segment ${JSON.stringify(segment)}`,
      );
    }
    key.push(unescape(match[1]));
    for (const [, index] of match[2].matchAll(/\[([^\]]*)\]/g)) {
      if (!/^[0-9]+$/.test(index) || Number(index) > MAX_INDEX) {
        throw new InputError(
          `--set ${
            JSON.stringify(pair)
          }: list index must be an integer from 0 to ${MAX_INDEX}, got ${JSON.stringify(index)}`,
        );
      }
      key.push(Number(index));
    }
  }
  return key;
}

function setPath(root: Record<string, unknown>, key: Key, value: unknown, pair: string): void {
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < key.length; i++) {
    const step = key[i];
    const last = i === key.length - 1;
    const next = key[i + 1];
    if (Array.isArray(container)) {
      if (typeof step !== "number") throw new InputError(`--set ${JSON.stringify(pair)}: bad key`);
      while (container.length <= step) container.push(null);
    }
    const holder = container as Record<string | number, unknown>;
    if (last) {
      holder[step] = value;
      return;
    }
    const current = holder[step];
    if (typeof next === "number") {
      if (!Array.isArray(current)) holder[step] = [];
    } else if (!isObject(current)) {
      holder[step] = {};
    }
    container = holder[step] as Record<string, unknown> | unknown[];
  }
}
