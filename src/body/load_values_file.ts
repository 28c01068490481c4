/**
 * Loads a values file (YAML or JSON) for templating.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { isObject, typeName } from "./_object.ts";
import { parseYamlValue, readTextFileLimited } from "./safe_parse.ts";

/**
 * Reads a YAML or JSON file holding one object (a mapping): the template
 * values available as `it.job`. An empty file gives `{}`.
 *
 * @throws {InputError} when the file is missing or unreadable, is not valid
 * YAML (with line and column), holds several documents, or is not an object;
 * when a limit of `INPUT_LIMITS` is passed (size, depth, YAML aliases).
 *
 * @example
 * ```ts
 * const values = await loadValuesFile("fixtures/job_template.values.yaml");
 * ```
 */
export async function loadValuesFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readTextFileLimited(path, `values file ${path}`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`values file ${path}: not found`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`values file ${path}: cannot read: ${reason}`, { cause: error });
  }
  const value = parseYamlValue(text, `values file ${path}`);
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new InputError(
      `values file ${path}: must hold an object (a mapping), got ${typeName(value)}`,
    );
  }
  return value;
}
