/**
 * Reading untrusted text safely: the limits on size, nesting depth, YAML
 * aliases and document count that every reader of kjo applies (bodies,
 * template output, values files, `--set`, config files, rules files), and
 * the parse functions that enforce them. Every failure is an
 * {@linkcode InputError} with one line naming the input and the reason.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import { errorText, InputError } from "../errors.ts";
import { formatPath } from "./_object.ts";
import { describeYamlError, type YamlErrorLike } from "./yaml_error.ts";

/**
 * The limits on input kjo reads.
 */
export const INPUT_LIMITS = {
  /** Largest text read from a file, stdin or a string, and largest template output (characters). */
  maxBytes: 16 * 1024 * 1024,
  /** Deepest nesting of objects and lists in a parsed value. */
  maxDepth: 100,
  /** Most YAML alias expansions (`*name`) in one document, against alias bombs. */
  maxAliases: 100,
  /** Most documents (resources) in one body. */
  maxDocuments: 1000,
  /** Longest `--set` key (characters). */
  maxSetKeyChars: 1024,
  /** Longest `--set` value (characters). */
  maxSetValueChars: 1024 * 1024,
} as const;

/**
 * Throws when `value` nests objects and lists deeper than
 * {@linkcode INPUT_LIMITS}`.maxDepth`, naming the first field too deep
 * (shortened). Iterative: deep values cannot overflow the stack here.
 *
 * @param where names the value in the message (`values file v.yaml`,
 * `body: document 2`).
 * @throws {InputError} `where: a.b.c…: nested deeper than 100 levels`.
 */
export function checkDepth(value: unknown, where: string): void {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (path.length >= INPUT_LIMITS.maxDepth) {
      const shown = formatPath(path.slice(0, 8));
      throw new InputError(
        `${where}: ${shown}…: nested deeper than ${INPUT_LIMITS.maxDepth} levels`,
      );
    }
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item, i) => [i, item])
      : Object.entries(current);
    for (const [key, item] of entries) {
      if (typeof item === "object" && item !== null) {
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
}

/**
 * Throws when `text` is longer than {@linkcode INPUT_LIMITS}`.maxBytes`.
 *
 * @throws {InputError} `origin: larger than 16777216 characters (N)`.
 */
export function checkSize(text: string, origin: string): void {
  if (text.length > INPUT_LIMITS.maxBytes) {
    throw new InputError(
      `${origin}: larger than ${INPUT_LIMITS.maxBytes} characters (${text.length})`,
    );
  }
}

/** C0 control characters and DEL, except tab, line feed and carriage return. */
// deno-lint-ignore no-control-regex -- matching control characters is this pattern's job
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Throws when `text` is longer than {@linkcode INPUT_LIMITS}`.maxBytes` or
 * holds a control character that neither YAML nor JSON allow raw (binary
 * data), naming its line and column.
 *
 * @throws {InputError} `origin: line 3, column 7: control character U+0000 (binary data?)`.
 */
export function checkText(text: string, origin: string): void {
  checkSize(text, origin);
  const found = CONTROL_CHARACTER.exec(text);
  if (found === null) return;
  const before = text.slice(0, found.index).split("\n");
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
  throw new InputError(
    `${origin}: line ${before.length}, column ${
      before.at(-1)!.length + 1
    }: control character U+${code} (binary data?)`,
  );
}

/**
 * Decodes bytes read from a file or stream: UTF-8 (a leading byte order
 * mark is dropped; UTF-16 is refused), at most
 * {@linkcode INPUT_LIMITS}`.maxBytes`.
 *
 * @throws {InputError} when the bytes are too many or are not UTF-8 text.
 */
export function decodeText(bytes: Uint8Array, origin: string): string {
  if (bytes.length > INPUT_LIMITS.maxBytes) {
    throw new InputError(`${origin}: larger than ${INPUT_LIMITS.maxBytes} bytes`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(`${origin}: is UTF-16 text; kjo reads UTF-8`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    throw new InputError(`${origin}: is not UTF-8 text (binary data?)`, { cause });
  }
}

/**
 * Reads a text file with {@linkcode decodeText}'s checks, reading no more
 * than the size limit (plus one byte) whatever the file's size. File system
 * errors (`Deno.errors.NotFound`, ...) are thrown as they are, so callers
 * word them.
 *
 * @throws {InputError} when the file is too large or not UTF-8 text.
 */
export async function readTextFileLimited(path: string, origin: string): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const info = await file.stat();
  if (info.isDirectory) throw new Deno.errors.IsADirectory(`is a directory: ${path}`);
  return decodeText(await readAtMost(file.readable, INPUT_LIMITS.maxBytes + 1), origin);
}

/**
 * Reads a stream (stdin) with {@linkcode decodeText}'s checks, stopping
 * after the size limit.
 *
 * @throws {InputError} when the stream holds too much or is not UTF-8 text.
 */
export async function readStreamLimited(
  stream: ReadableStream<Uint8Array>,
  origin: string,
): Promise<string> {
  return decodeText(await readAtMost(stream, INPUT_LIMITS.maxBytes + 1), origin);
}

async function readAtMost(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function yamlReason(error: YamlErrorLike): string {
  if (/call stack|stack overflow/i.test(error.message)) {
    return `nested too deeply (at most ${INPUT_LIMITS.maxDepth} levels)`;
  }
  return describeYamlError(error);
}

function toJsReason(cause: unknown): string {
  const message = errorText(cause);
  if (/excessive alias count/i.test(message)) {
    return `too many YAML alias expansions (at most ${INPUT_LIMITS.maxAliases}; an alias bomb?)`;
  }
  if (/unresolved alias/i.test(message)) {
    return `${message.replace(/^Unresolved alias \(.*\): /, "undefined YAML alias *")}`;
  }
  if (cause instanceof RangeError) {
    return `nested too deeply (at most ${INPUT_LIMITS.maxDepth} levels)`;
  }
  return message.split("\n", 1)[0];
}

/**
 * Parses a YAML stream (YAML 1.2 core schema, unique keys) into one value a
 * document, with every limit of {@linkcode INPUT_LIMITS} applied.
 *
 * @param origin names the text in messages (`body file job.yaml`).
 * @param options.multi whether several documents are allowed; when not, a
 * second document is an error. Default `true`.
 * @throws {InputError} `origin: YAML document 2: line 3, column 5: reason`
 * (with `multi: false`, without the document number); too large, a raw
 * control character, nested too deeply, too many aliases or documents.
 */
export function parseYamlStream(
  text: string,
  origin: string,
  options: { multi?: boolean } = {},
): unknown[] {
  const multi = options.multi ?? true;
  checkText(text, origin);
  let documents: ReturnType<typeof parseAllDocuments>;
  try {
    documents = parseAllDocuments(text);
  } catch (cause) {
    throw new InputError(`${origin}: ${toJsReason(cause)}`, { cause });
  }
  // parseAllDocuments returns an empty list or the documents.
  const list = Array.isArray(documents) ? documents : [];
  if (!multi && list.length > 1) {
    throw new InputError(`${origin}: holds ${list.length} YAML documents, expected one`);
  }
  if (list.length > INPUT_LIMITS.maxDocuments) {
    throw new InputError(
      `${origin}: holds ${list.length} YAML documents, at most ${INPUT_LIMITS.maxDocuments}`,
    );
  }
  const at = (index: number) => multi ? `${origin}: YAML document ${index + 1}` : origin;
  return list.map((document, index) => {
    const error = document.errors[0];
    if (error) throw new InputError(`${at(index)}: ${yamlReason(error)}`, { cause: error });
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: INPUT_LIMITS.maxAliases });
    } catch (cause) {
      throw new InputError(`${at(index)}: ${toJsReason(cause)}`, { cause });
    }
    checkDepth(value, at(index));
    return value;
  });
}

/**
 * Parses YAML text holding at most one document (values, config and rules
 * files); an empty text gives `null`.
 *
 * @throws {InputError} as {@linkcode parseYamlStream}, and when the text
 * holds several documents.
 */
export function parseYamlValue(text: string, origin: string): unknown {
  return parseYamlStream(text, origin, { multi: false })[0] ?? null;
}

/**
 * Parses JSON text with the size and depth limits, refusing an object with
 * the same key twice (as YAML does; `JSON.parse` would keep the last).
 *
 * @returns the value, or `undefined` when the text is not valid JSON.
 * @throws {InputError} when it is valid JSON but too large, too deep or has
 * a duplicate key.
 */
export function parseJsonLimited(text: string, origin: string): unknown {
  checkText(text, origin);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    if (cause instanceof RangeError) {
      throw new InputError(
        `${origin}: nested too deeply (at most ${INPUT_LIMITS.maxDepth} levels)`,
        {
          cause,
        },
      );
    }
    return undefined;
  }
  checkDepth(value, origin);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    const before = text.slice(0, duplicate.index).split("\n");
    throw new InputError(
      `${origin}: line ${before.length}, column ${before.at(-1)!.length + 1}: duplicate key ${
        JSON.stringify(duplicate.key)
      }`,
    );
  }
  return value;
}

/**
 * The first key that appears twice in one object of valid JSON `text`, with
 * its position. One pass over the text; strings are decoded only for keys.
 */
function findDuplicateKey(text: string): { key: string; index: number } | undefined {
  // One entry an open container: the keys of an object, or null for a list.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = open.at(-1);
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) return { key, index: start };
        keys.add(key);
      }
      expectKey = false;
    } else if (char === "{") {
      open.push(new Set());
      expectKey = true;
    } else if (char === "[") {
      open.push(null);
      expectKey = false;
    } else if (char === "}" || char === "]") {
      open.pop();
    } else if (char === ",") {
      expectKey = open.at(-1) !== null && open.length > 0;
    }
  }
  return undefined;
}
