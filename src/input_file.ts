/**
 * Reading a file the user gave kjo (a body, values, config or rules file),
 * with the one-line errors every such file gets: `<what> <path>: not found`,
 * `is a directory`, `cannot read: <reason>`. Like `errors.ts` it sits below
 * every layer: the body, the kinds and the settings all read input files.
 *
 * @module
 */

import { errorText, InputError } from "./errors.ts";

/**
 * Reads the text of an input file.
 *
 * @param path the path as the user wrote it (named in errors).
 * @param what what the file is, e.g. `"values file"`.
 * @param resolved the path to read when it differs from `path` (e.g.
 * resolved against a base directory); named too when the file is missing.
 * @throws {InputError} `${what} ${path}: not found`, `: is a directory` or
 * `: cannot read: <reason>`.
 *
 * @example
 * ```ts
 * import { readInputFile } from "./input_file.ts";
 *
 * const text = await readInputFile("fixtures/job_hello.yaml", "body file");
 * ```
 */
export async function readInputFile(
  path: string,
  what: string,
  resolved: string = path,
): Promise<string> {
  try {
    return await Deno.readTextFile(resolved);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? `not found${resolved === path ? "" : ` (${resolved})`}`
      : error instanceof Deno.errors.IsADirectory
      ? "is a directory"
      : `cannot read: ${errorText(error)}`;
    throw new InputError(`${what} ${path}: ${reason}`, { cause: error });
  }
}
