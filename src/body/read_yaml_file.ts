/**
 * Reads a YAML (or JSON) file of kjo's input: a values file, a config file,
 * a rules file.
 *
 * @module
 */

import { readInputFile } from "./input_file.ts";
import { parseYamlValue } from "./safe_parse.ts";

/**
 * Reads the one YAML or JSON document of the file at `path`, within the
 * input limits, and returns its value (`null` for an empty file). Errors are
 * one line, starting with `${what} ${path}: `.
 *
 * @throws {InputError} when the file cannot be read (see `readInputFile`),
 * is not valid YAML (with line and column), holds several documents, or
 * breaks an input limit.
 */
export async function readYamlFile(path: string, what: string): Promise<unknown> {
  return parseYamlValue(await readInputFile(path, what), `${what} ${path}`);
}
