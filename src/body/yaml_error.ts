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
 */
export function describeYamlError(error: YamlErrorLike): string {
  const reason = error.message.split("\n", 1)[0].replace(/ at line \d+, column \d+:?$/, "");
  const where = error.linePos
    ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: `
    : "";
  return `${where}${reason}`;
}
