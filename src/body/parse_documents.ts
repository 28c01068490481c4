/**
 * Parses a text body (YAML multi-document stream or JSON) into a flat list of
 * objects.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { isObject, typeName } from "./_object.ts";
import { checkDepth, INPUT_LIMITS, parseJsonLimited, parseYamlStream } from "./safe_parse.ts";

/**
 * Options of {@linkcode parseDocuments}.
 */
export interface ParseDocumentsOptions {
  /**
   * Names the text in error messages (`body file job.yaml`, `stdin`, `body`).
   *
   * @default {"body"}
   */
  origin?: string;
}

/**
 * Parses `text` as JSON (when it starts with `{` or `[` and is valid JSON)
 * or as a YAML multi-document stream (YAML 1.2 core schema, unique keys), and
 * flattens the result with {@linkcode flattenDocuments}.
 *
 * @throws {InputError} on a syntax error (with YAML document number, line
 * and column), when a document is not an object or a list of objects, or
 * when there is no document at all; when a limit of `INPUT_LIMITS` is
 * passed (size, nesting depth, YAML aliases, number of documents).
 */
export function parseDocuments(
  text: string,
  options: ParseDocumentsOptions = {},
): Record<string, unknown>[] {
  const origin = options.origin ?? "body";
  const trimmed = text.replace(/^\ufeff/, "").trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    // Not JSON (undefined): YAML flow syntax, or broken; YAML reports where.
    const value = parseJsonLimited(trimmed, origin);
    if (value !== undefined) return flattenDocuments([value], { origin });
  }
  const values = parseYamlStream(text, origin);
  return flattenDocuments(values, { origin });
}

/**
 * Flattens parsed documents into a list of objects: empty documents (`null`)
 * are skipped, a list contributes each of its items, and a `kind: List`
 * object contributes each of its `items`. Objects are returned as they are.
 *
 * @throws {InputError} when a document or an item is not an object, or when
 * nothing is left.
 */
export function flattenDocuments(
  values: unknown[],
  options: ParseDocumentsOptions = {},
): Record<string, unknown>[] {
  const origin = options.origin ?? "body";
  const out: Record<string, unknown>[] = [];
  const addItems = (items: unknown[], where: string) => {
    for (const [i, item] of items.entries()) {
      if (!isObject(item)) {
        throw new InputError(
          `${origin}: ${where}, item ${i + 1}: must be an object, got ${typeName(item)}`,
        );
      }
      if (item.kind === "List") addList(item, `${where}, item ${i + 1}`);
      else out.push(item);
    }
  };
  const addList = (list: Record<string, unknown>, where: string) => {
    if (!Array.isArray(list.items)) {
      throw new InputError(
        `${origin}: ${where} (List): items: must be a list, got ${typeName(list.items)}`,
      );
    }
    addItems(list.items, where);
  };
  for (const [index, value] of values.entries()) {
    const where = `document ${index + 1}`;
    if (value === null || value === undefined) continue;
    checkDepth(value, `${origin}: ${where}`);
    if (Array.isArray(value)) addItems(value, where);
    else if (isObject(value) && value.kind === "List") addList(value, where);
    else if (isObject(value)) out.push(value);
    else {
      throw new InputError(
        `${origin}: ${where}: must be an object or a list of objects, got ${typeName(value)}`,
      );
    }
  }
  if (out.length === 0) throw new InputError(`${origin}: no documents (the body is empty)`);
  if (out.length > INPUT_LIMITS.maxDocuments) {
    throw new InputError(
      `${origin}: holds ${out.length} resources, at most ${INPUT_LIMITS.maxDocuments}`,
    );
  }
  return out;
}
