/**
 * Reading a file the user gave kjo (a body, values, config or rules file),
 * within the input limits ({@linkcode readTextFileLimited}), with the
 * one-line errors every such file gets: `<what> <path>: not found`,
 * `is a directory`, `cannot read: <reason>`.
 *
 * @module
 */

import { errorText, InputError } from "../errors.ts";
import { readTextFileLimited } from "./safe_parse.ts";

/**
 * Reads the text of an input file.
 *
 * @param path the path as the user wrote it (named in errors).
 * @param what what the file is, e.g. `"values file"`.
 * @param resolved the path to read when it differs from `path` (e.g.
 * resolved against a base directory); named too when the file is missing.
 * @throws {InputError} `${what} ${path}: not found`, `: is a directory`,
 * `: cannot read: <reason>`, or the input limits' errors.
 */
export async function readInputFile(
  path: string,
  what: string,
  resolved: string = path,
): Promise<string> {
  try {
    return await readTextFileLimited(resolved, `${what} ${path}`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Deno.errors.NotFound
      ? `not found${resolved === path ? "" : ` (${resolved})`}`
      : error instanceof Deno.errors.IsADirectory
      ? "is a directory"
      : `cannot read: ${errorText(error)}`;
    throw new InputError(`${what} ${path}: ${reason}`, { cause: error });
  }
}
