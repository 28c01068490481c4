/**
 * Loads a values file (YAML or JSON) for templating.
 *
 * @module
 */

import { describeYamlError } from "./yaml_error.ts";
import { parseDocument } from "yaml";
import { errorText, InputError } from "../errors.ts";
import { isObject, typeName } from "./_object.ts";

/**
 * Reads a YAML or JSON file holding one object (a mapping): the template
 * values available as `it.job`. An empty file gives `{}`.
 *
 * @throws {InputError} when the file is missing or unreadable, is not valid
 * YAML (with line and column), holds several documents, or is not an object.
 *
 * @example
 * ```ts
 * const values = await loadValuesFile("fixtures/job_template.values.yaml");
 * ```
 */
export async function loadValuesFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`values file ${path}: not found`, { cause: error });
    }
    const reason = errorText(error);
    throw new InputError(`values file ${path}: cannot read: ${reason}`, { cause: error });
  }
  const document = parseDocument(text);
  const error = document.errors[0];
  if (error) {
    throw new InputError(`values file ${path}: ${describeYamlError(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (cause) {
    throw new InputError(
      `values file ${path}: ${errorText(cause)}`,
      { cause },
    );
  }
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new InputError(
      `values file ${path}: must hold an object (a mapping), got ${typeName(value)}`,
    );
  }
  return value;
}
