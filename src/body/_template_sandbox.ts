/**
 * Runs a compiled eta template in a separate Deno process that has no
 * permissions (no file, environment, network, subprocess, FFI or system
 * access), a capped heap, a time limit and an output limit. Private to
 * `src/body/`.
 *
 * Why a process: a Web Worker shares its parent's permissions unless Deno's
 * unstable `--unstable-worker-options` flag is given, and revoking a
 * permission in a worker revokes it for the whole process; `node:vm` is not
 * a security boundary. A child `deno run` without `--allow-*` flags starts
 * with every permission denied, and the child script revokes them again in
 * case a future runtime grants any by default.
 *
 * The child is started from the running Deno binary (`Deno.execPath()`) with
 * its script as a `data:` URL, so it works the same from the sources and
 * from the one-file bundle. It talks over its stdin/stdout, one JSON message
 * a line:
 * - parent → child: `{ code, data, maxOutputChars }`, then one
 *   `{ name }` or `{ error }` reply per `it.resource_name(...)` call;
 * - child → parent: `{ call: [name, kind] }`, then `{ output }` or
 *   `{ error: { message, line? } }`.
 *
 * @module
 */

import { errorText, KjoError } from "../errors.ts";

/** Options of {@linkcode runTemplateSandboxed}. */
export interface SandboxOptions {
  /** The template compiled by eta to a function body (`eta.compileToString`). */
  code: string;
  /** The template's data (`it`), JSON only; `quote` and `resource_name` are added inside. */
  data: Record<string, unknown>;
  /** Answers `it.resource_name(name, kind)` calls. */
  resourceName: (name: string, kind: string) => string;
  /** Time limit of the whole render, in milliseconds. */
  timeoutMs: number;
  /** Largest output accepted, in characters. */
  maxOutputChars: number;
  /** Heap limit of the sandbox process, in MiB. */
  maxHeapMib: number;
}

/**
 * What a sandboxed render gave: the output text, or an error of the template
 * (with its line when the template reported one) or of the sandbox (time,
 * size, crash).
 */
export type SandboxResult = { output: string } | { error: { message: string; line?: number } };

/**
 * The child's program. Self-contained: it is turned into source text with
 * `Function.prototype.toString` and must not use anything from this module,
 * nor syntax a bundler may turn into calls of its own helpers (classes).
 */
function sandboxMain(): void {
  const PERMISSIONS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;
  for (const name of PERMISSIONS) {
    try {
      Deno.permissions.revokeSync({ name } as Deno.PermissionDescriptor);
    } catch {
      // A name this runtime does not know: nothing to revoke.
    }
  }
  const stdin = Deno.stdin;
  const stdout = Deno.stdout;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let pending = new Uint8Array(0);
  const readLine = (): string => {
    while (true) {
      const newline = pending.indexOf(10);
      if (newline !== -1) {
        const line = decoder.decode(pending.subarray(0, newline));
        pending = pending.slice(newline + 1);
        return line;
      }
      const chunk = new Uint8Array(65536);
      const read = stdin.readSync(chunk);
      if (read === null) throw new Error("the parent closed the sandbox's input");
      const next = new Uint8Array(pending.length + read);
      next.set(pending);
      next.set(chunk.subarray(0, read), pending.length);
      pending = next;
    }
  };
  const send = (message: unknown): void => {
    const bytes = encoder.encode(JSON.stringify(message) + "\n");
    let offset = 0;
    while (offset < bytes.length) offset += stdout.writeSync(bytes.subarray(offset));
  };
  const describe = (error: unknown): string => {
    try {
      if (error instanceof Error) {
        const name = error.name;
        const message = String(error.message).split("\n", 1)[0];
        if (name === "NotCapable" || name === "PermissionDenied") {
          return `templates run without permissions (${
            message.replace(/, run again with .*$/, "")
          })`;
        }
        return message;
      }
      return String(error).split("\n", 1)[0];
    } catch {
      return "an error that cannot be shown";
    }
  };

  const input = JSON.parse(readLine()) as {
    code: string;
    data: Record<string, unknown>;
    maxOutputChars: number;
  };
  // What eta's RuntimeErr throws: the error and the template line. Only this
  // function can create one (the marker is out of the template's reach).
  const lineMarker = {};
  const noFiles = () => {
    throw new Error("include and layout are not available in kjo templates");
  };
  const runtime = {
    config: { escapeFunction: String, filterFunction: String },
    render: noFiles,
    renderAsync: noFiles,
    RuntimeErr(error: unknown, _text: string, line: number): never {
      throw { lineMarker, line, error };
    },
  };
  const quote = (value: unknown): string => {
    if (value === undefined) {
      throw new Error("it.quote: the value is undefined (a missing value?)");
    }
    const json = JSON.stringify(value);
    if (json === undefined) throw new Error(`it.quote: cannot quote a ${typeof value}`);
    // JSON is YAML, except that YAML forbids some characters JSON leaves raw.
    return json.replace(
      /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  };
  const resourceName = (name: unknown, kind?: unknown): string => {
    send({ call: [String(name), kind === undefined ? "" : String(kind)] });
    const reply = JSON.parse(readLine()) as { name?: string; error?: string };
    if (typeof reply.name !== "string") throw new Error(`it.resource_name: ${reply.error}`);
    return reply.name;
  };
  const it = { ...input.data, quote, resource_name: resourceName };
  let output: unknown;
  try {
    const template = new Function("it", "options", input.code);
    output = template.call(runtime, it, {});
  } catch (error) {
    const withLine = error as { lineMarker?: unknown; line: number; error: unknown } | undefined;
    if (typeof withLine === "object" && withLine?.lineMarker === lineMarker) {
      send({ error: { message: describe(withLine.error), line: withLine.line } });
    } else {
      send({ error: { message: describe(error) } });
    }
    return;
  }
  const text = String(output);
  if (text.length > input.maxOutputChars) {
    send({
      error: {
        message: `the output is larger than ${input.maxOutputChars} characters (${text.length})`,
      },
    });
    return;
  }
  send({ output: text });
}

const SCRIPT_URL = `data:application/javascript;base64,${
  btoa(String.fromCharCode(...new TextEncoder().encode(`(${sandboxMain.toString()})();\n`)))
}`;

/**
 * Runs `options.code` in a permission-less Deno process and returns its
 * output or error. Kills the process when it runs longer than `timeoutMs`,
 * writes more than the output limit allows, or ends without a result.
 *
 * @throws {KjoError} (exit 3) when the sandbox process cannot be started.
 */
export async function runTemplateSandboxed(options: SandboxOptions): Promise<SandboxResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--no-config",
        "--no-lock",
        `--v8-flags=--max-old-space-size=${options.maxHeapMib}`,
        SCRIPT_URL,
      ],
      clearEnv: true,
      env: { NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    throw new KjoError(
      `cannot start the template sandbox (${Deno.execPath()} run): ${errorText(cause)}`,
      { cause },
    );
  }
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const stderr = readLimited(child.stderr, 4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<SandboxResult>((resolve) => {
    timer = setTimeout(() => {
      resolve({
        error: {
          message: `did not finish within ${options.timeoutMs / 1000} s (an endless loop?)`,
        },
      });
    }, options.timeoutMs);
  });
  const talk = async (): Promise<SandboxResult> => {
    await writer.write(encoder.encode(
      JSON.stringify({
        code: options.code,
        data: options.data,
        maxOutputChars: options.maxOutputChars,
      }) + "\n",
    ));
    // JSON may escape a character as 6 (`\u0000`); allow that plus framing.
    const maxLine = options.maxOutputChars * 6 + 65536;
    for await (const line of readLines(child.stdout, maxLine)) {
      if (line === undefined) {
        return {
          error: { message: `the output is larger than ${options.maxOutputChars} characters` },
        };
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line);
      } catch {
        return { error: { message: "the template wrote to the sandbox's output directly" } };
      }
      if (Array.isArray(message.call)) {
        const [name, kind] = message.call.map(String);
        let reply: Record<string, string>;
        try {
          reply = { name: options.resourceName(name, kind) };
        } catch (error) {
          reply = { error: errorText(error) };
        }
        await writer.write(encoder.encode(JSON.stringify(reply) + "\n"));
        continue;
      }
      if (typeof message.output === "string") return { output: message.output };
      const error = message.error as { message?: unknown; line?: unknown } | undefined;
      if (error && typeof error.message === "string") {
        return {
          error: {
            message: error.message,
            ...(typeof error.line === "number" ? { line: error.line } : {}),
          },
        };
      }
      return { error: { message: "the template wrote to the sandbox's output directly" } };
    }
    const status = await child.status;
    const reason = (await stderr).includes("out of memory")
      ? `ran out of memory (limit ${options.maxHeapMib} MiB)`
      : `ended without a result (exit code ${status.code}${
        status.signal ? `, ${status.signal}` : ""
      })`;
    return { error: { message: reason } };
  };
  try {
    return await Promise.race([talk().catch((error) => sandboxFailure(error)), timedOut]);
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already ended.
    }
    await writer.close().catch(() => {});
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await stderr;
  }
}

function sandboxFailure(error: unknown): SandboxResult {
  return {
    error: {
      message: `the sandbox failed: ${errorText(error)}`,
    },
  };
}

/** Lines of a byte stream; yields `undefined` (and stops) when a line exceeds `maxChars`. */
async function* readLines(
  stream: ReadableStream<Uint8Array>,
  maxChars: number,
): AsyncGenerator<string | undefined> {
  const decoder = new TextDecoder();
  let parts: string[] = [];
  let size = 0;
  for await (const chunk of stream) {
    let text = decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = text.indexOf("\n")) !== -1) {
      parts.push(text.slice(0, newline));
      yield parts.join("");
      parts = [];
      size = 0;
      text = text.slice(newline + 1);
    }
    parts.push(text);
    size += text.length;
    if (size > maxChars) {
      yield undefined;
      return;
    }
  }
}

/** At most `maxBytes` of a stream as text; the rest is read and dropped. */
async function readLimited(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for await (const chunk of stream) {
      if (size < maxBytes) text += decoder.decode(chunk.subarray(0, maxBytes - size));
      size += chunk.length;
    }
  } catch {
    // The process was killed.
  }
  return text;
}
