/**
 * Loads a values file (YAML or JSON) for templating.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { isObject, typeName } from "./_object.ts";
import { readYamlFile } from "./read_yaml_file.ts";

/**
 * Reads a YAML or JSON file holding one object (a mapping): the template
 * values available as `it.job`. An empty file gives `{}`.
 *
 * @throws {InputError} when the file is missing or unreadable, is not valid
 * YAML (with line and column), holds several documents, or is not an object;
 * when a limit of `INPUT_LIMITS` is passed (size, depth, YAML aliases).
 */
export async function loadValuesFile(path: string): Promise<Record<string, unknown>> {
  const value = await readYamlFile(path, "values file");
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new InputError(
      `values file ${path}: must hold an object (a mapping), got ${typeName(value)}`,
    );
  }
  return value;
}
