/**
 * Reads a YAML (or JSON) file of kjo's input: a values file, a config file.
 *
 * @module
 */

import { parseDocument } from "yaml";
import { errorText, InputError } from "../errors.ts";
import { readInputFile } from "../input_file.ts";
import { describeYamlError } from "./yaml_error.ts";

/**
 * Reads the one YAML or JSON document of the file at `path` and returns its
 * value (`null` for an empty file). Errors are one line, starting with
 * `${what} ${path}: `.
 *
 * @throws {InputError} when the file cannot be read (see `readInputFile`),
 * is not valid YAML (with line and column), or holds
 * several documents.
 *
 * @example
 * ```ts
 * import { readYamlFile } from "./read_yaml_file.ts";
 *
 * const values = await readYamlFile("fixtures/job_template.values.yaml", "values file");
 * ```
 */
export async function readYamlFile(path: string, what: string): Promise<unknown> {
  const where = `${what} ${path}`;
  const document = parseDocument(await readInputFile(path, what));
  const error = document.errors[0];
  if (error) throw new InputError(`${where}: ${describeYamlError(error)}`, { cause: error });
  try {
    return document.toJS();
  } catch (cause) {
    throw new InputError(`${where}: ${errorText(cause)}`, { cause });
  }
}
