/**
 * Renders a text body with eta, in a sandbox: templates only produce text.
 *
 * @module
 */

import { Script } from "node:vm";
import { Eta } from "eta/core";
import { errorText, InputError } from "../errors.ts";
import { runTemplateSandboxed } from "./_template_sandbox.ts";
import { checkDepth, checkSize, INPUT_LIMITS } from "./safe_parse.ts";

/**
 * Time a template may take to render, in milliseconds, unless
 * {@linkcode RenderTemplateOptions.timeoutMs} says otherwise.
 */
export const DEFAULT_TEMPLATE_TIMEOUT_MS = 10_000;

/** Heap limit of the process a template runs in, in MiB. */
const TEMPLATE_HEAP_MIB = 256;

/**
 * Options of {@linkcode renderTemplate}.
 */
export interface RenderTemplateOptions {
  /**
   * Values available as `it.job` (from `--set` / `--values`).
   *
   * @default {{}}
   */
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
  /**
   * Names the text in error messages (`body file job.yaml`, `stdin`, `body`).
   *
   * @default {"body"}
   */
  origin?: string;
  /**
   * Time the render may take, in milliseconds; a template still running then
   * is stopped and the render fails.
   *
   * @default {10000}
   */
  timeoutMs?: number;
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
 * `it.namespace`, `it.resource_name(name, kind)`, and `it.quote(value)`, which
 * writes a value as JSON (valid YAML), so a value cannot add YAML fields:
 * `name: <%= it.quote(it.job.name) %>`.
 *
 * Templates only produce text. The template is compiled here and run in a
 * separate Deno process without permissions (no file, environment, network,
 * subprocess, FFI or system access; a heap limit), for at most `timeoutMs`,
 * and its output may be at most {@linkcode INPUT_LIMITS}`.maxBytes`
 * characters. `include` and layouts are not available. Text without a `<%`
 * tag is returned as it is (line ends made `\n`, as eta does), without
 * starting the sandbox. A compiled kjo (`deno compile`) has no Deno runtime
 * to start, so it refuses templates.
 *
 * @throws {InputError} on a template syntax error, an error while rendering
 * (naming the line: `body file job.yaml: template line 3: Unexpected token ';'`),
 * a template that runs too long or writes too much.
 *
 * @example Render a body template (in a sandboxed subprocess)
 * ```ts
 * import { renderTemplate } from "./render_template.ts";
 *
 * if (import.meta.main) {
 *   const text = await renderTemplate("image: <%= it.quote(it.job.image) %>", {
 *     runId: "r1",
 *     values: { image: "busybox" },
 *   });
 *   console.log(text); // 'image: "busybox"'
 * }
 * ```
 */
export async function renderTemplate(
  text: string,
  options: RenderTemplateOptions,
): Promise<string> {
  const eta = makeEta();
  const origin = options.origin ?? "body";
  checkSize(text, origin);
  // Text without a tag renders to itself with eta's line ends (\r\n and \r
  // become \n): no sandbox process is needed.
  if (!text.includes("<%")) return text.replace(/\r\n?/g, "\n");
  if (Deno.build.standalone) {
    throw new InputError(
      `${origin}: templates cannot run in a compiled kjo (no Deno runtime to sandbox them): ` +
        "run the bundle (deno run -A kjo.js) or use --no-templating",
    );
  }
  let code: string;
  try {
    eta.compile(text);
    code = eta.compileToString(text);
  } catch (error) {
    throw new InputError(`${origin}: ${describeCompileError(eta, text, error)}`, { cause: error });
  }
  checkDepth(options.values ?? {}, `${origin}: template values`);
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(JSON.stringify({
      job: options.values ?? {},
      run_id: options.runId,
      namespace: options.namespace,
    }));
  } catch (cause) {
    throw new InputError(
      `${origin}: template values: must be JSON data (${errorText(cause).split("\n", 1)[0]})`,
      { cause },
    );
  }
  const resourceName = options.resourceName ?? ((name: string) => name);
  const result = await runTemplateSandboxed({
    code,
    data,
    resourceName: (name, kind) => resourceName(name, kind === "" ? undefined : kind),
    timeoutMs: options.timeoutMs ?? DEFAULT_TEMPLATE_TIMEOUT_MS,
    maxOutputChars: INPUT_LIMITS.maxBytes,
    maxHeapMib: TEMPLATE_HEAP_MIB,
  });
  if ("output" in result) return result.output;
  const { line, message } = result.error;
  throw new InputError(
    line === undefined
      ? `${origin}: template: ${message}`
      : `${origin}: template line ${line}: ${message}`,
  );
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
