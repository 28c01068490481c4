/**
 * One wording for YAML syntax errors everywhere kjo reads YAML (bodies,
 * values files, config files): `line L, column C: reason`.
 *
 * @module
 */

/** The parts of an npm:yaml error kjo reads. */
export interface YamlErrorLike {
  message: string;
  linePos?: [{ line: number; col: number }, ...unknown[]];
}

/**
 * `line L, column C: reason` for a YAML error, with the reason's first line
 * only and without yaml's own trailing position.
 *
 * @example
 * ```ts
 * import { parseDocument } from "yaml";
 * const error = parseDocument("a: [1").errors[0];
 * describeYamlError(error); // "line 1, column 6: Missing , or ] in flow sequence"
 * ```
 */
export function describeYamlError(error: YamlErrorLike): string {
  const reason = error.message.split("\n", 1)[0].replace(/ at line \d+, column \d+:?$/, "");
  const where = error.linePos
    ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: `
    : "";
  return `${where}${reason}`;
}
