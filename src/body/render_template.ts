/**
 * Renders a text body with eta.
 *
 * @module
 */

import { Script } from "node:vm";
import { Eta } from "eta/core";
import { errorText, InputError } from "../errors.ts";

/**
 * Options of {@linkcode renderTemplate}.
 *
 * @example
 * ```ts
 * const options: RenderTemplateOptions = { runId: "r1", values: { image: "busybox" }, origin: "stdin" };
 * ```
 */
export interface RenderTemplateOptions {
  /** Values available as `it.job` (from `--set` / `--values`). */
  values?: Record<string, unknown>;
  /** The run id, available as `it.run_id`. */
  runId: string;
  /** The namespace the run targets, available as `it.namespace` (may be undefined). */
  namespace?: string;
  /**
   * Available as `it.resource_name(name, kind)`: the final name kjo will give
   * a resource whose `metadata.name` is `name`, so one resource can refer to
   * another (e.g. a Job mounting the run's ConfigMap).
   */
  resourceName?: (name: string, kind?: string) => string;
  /** Names the text in error messages (`body file job.yaml`, `stdin`, `body`). */
  origin?: string;
}

type AstObject = string | { t: string; val: string; lineNo?: number };

/**
 * Removes lines that hold only one `<% ... %>` (evaluation) tag and
 * whitespace, so `<% if (...) { %>` / `<% } %>` lines leave no blank line.
 * Works on eta's AST, whose strings are escaped (`\n` is the two characters
 * backslash and `n`).
 */
const standaloneTagPlugin = {
  processAST(ast: AstObject[]): AstObject[] {
    const out = [...ast];
    for (let i = 0; i < out.length; i++) {
      const node = out[i];
      if (typeof node === "string" || node.t !== "e") continue;
      const before = i === 0 ? "" : out[i - 1];
      const after = i === out.length - 1 ? "" : out[i + 1];
      if (typeof before !== "string" || typeof after !== "string") continue;
      const lineStart = i === 0 || /(^|\\n)[ \t]*$/.test(before);
      const lineEnd = /^[ \t]*(\\n|$)/.test(after);
      if (!lineStart || !lineEnd) continue;
      if (i > 0) out[i - 1] = before.replace(/[ \t]*$/, "");
      if (i < out.length - 1) out[i + 1] = after.replace(/^[ \t]*(\\n)?/, "");
    }
    return out.filter((node) => node !== "");
  },
};

function makeEta(): Eta {
  return new Eta({
    autoEscape: false,
    autoTrim: false,
    cache: false,
    debug: true,
    plugins: [standaloneTagPlugin],
  });
}

/**
 * Renders `text` with eta: `<%= expr %>` interpolates (no escaping), `<% code %>`
 * runs JavaScript, `-%>` trims the following newline. A line holding only one
 * `<% %>` tag is removed entirely. Data: `it.job` (values), `it.run_id`,
 * `it.namespace`, `it.resource_name(name, kind)`. No caching; `include` and
 * layouts cannot read files (eta's core build has no file access).
 *
 * @throws {InputError} on a template syntax error or an error while
 * rendering, naming the line: `body file job.yaml: template line 3: Unexpected token ';'`.
 *
 * @example
 * ```ts
 * renderTemplate("image: <%= it.job.image %>", { runId: "r1", values: { image: "busybox" } });
 * // "image: busybox"
 * ```
 */
export function renderTemplate(text: string, options: RenderTemplateOptions): string {
  const eta = makeEta();
  const origin = options.origin ?? "body";
  const data = {
    job: options.values ?? {},
    run_id: options.runId,
    namespace: options.namespace,
    resource_name: options.resourceName ?? ((name: string) => name),
  };
  let template: ReturnType<Eta["compile"]>;
  try {
    template = eta.compile(text);
  } catch (error) {
    throw new InputError(`${origin}: ${describeCompileError(eta, text, error)}`, { cause: error });
  }
  try {
    return eta.render(template, data);
  } catch (error) {
    throw new InputError(`${origin}: ${describeRuntimeError(error)}`, { cause: error });
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0].trim();
}

function describeCompileError(eta: Eta, text: string, error: unknown): string {
  const message = errorText(error);
  // Tag-level errors: "unclosed tag at line 3 col 1:\n..."
  const tagError = /^(.*) at line (\d+) col (\d+):/.exec(message);
  if (tagError) return `template line ${tagError[2]}, column ${tagError[3]}: ${tagError[1]}`;
  // JavaScript syntax errors: "Bad template syntax\n\n<reason>\n====\n<code>"
  const reason = /^Bad template syntax\s+(.*)/.exec(message)?.[1] ?? firstLine(message);
  const found = findSyntaxError(eta, text);
  if (found === undefined) return `template: ${reason}`;
  if (found.reason === undefined) {
    return `template: a block is never closed (missing "<% } %>"?; last tag on line ${found.line})`;
  }
  return `template line ${found.line}: ${found.reason}`;
}

/**
 * Finds the tag that makes the compiled template invalid: the first AST
 * prefix whose code fails to compile with an error other than "end of input"
 * (which only means a block is still open). Prefixes are compiled with
 * `node:vm`'s `Script`, which parses without running anything. When no
 * prefix fails, a block is left open: the last tag's line is returned without
 * a reason.
 */
function findSyntaxError(eta: Eta, text: string): { line: number; reason?: string } | undefined {
  let ast: AstObject[];
  try {
    ast = eta.parse(text) as AstObject[];
  } catch {
    return undefined;
  }
  let lastLine: number | undefined;
  for (let i = 0; i < ast.length; i++) {
    const node = ast[i];
    if (typeof node !== "string" && node.lineNo !== undefined) lastLine = node.lineNo;
    try {
      new Script(eta.compileBody(ast.slice(0, i + 1) as never));
    } catch (error) {
      const message = errorText(error);
      if (!/end of input/i.test(message)) return { line: lastLine ?? 1, reason: message };
    }
  }
  return lastLine === undefined ? undefined : { line: lastLine };
}

function describeRuntimeError(error: unknown): string {
  const message = errorText(error);
  const line = /^line (\d+)\n/.exec(message)?.[1];
  const cause = error instanceof Error && error.cause instanceof Error
    ? error.cause.message
    : undefined;
  const reason = cause ?? firstLine(message.split("\n\n").slice(1).join("\n\n") || message);
  return line === undefined ? `template: ${reason}` : `template line ${line}: ${reason}`;
}
