/**
 * Where writers put their text: anything with `write(text)`. Tests pass an
 * array-backed target; the CLI passes {@linkcode denoStdout} /
 * {@linkcode denoStderr}.
 *
 * @module
 */

/**
 * A destination for text.
 */
export interface TextTarget {
  write(text: string): void;
  /**
   * The terminal the text goes to, when it is one (its width in columns,
   * when known); `undefined` or absent for files and pipes.
   */
  terminal?(): TerminalInfo | undefined;
}

/**
 * What a writer knows about a terminal it writes to.
 */
export interface TerminalInfo {
  /** Width in columns; absent when unknown. */
  columns?: number;
}

/** The part of `Deno.FsFile` a file target needs. */
interface SyncWritable {
  writeSync(p: Uint8Array): number;
  isTerminal?(): boolean;
}

/**
 * A target writing UTF-8 to a file with blocking writes (a slow reader slows
 * kjo down instead of growing memory). A closed pipe (`BrokenPipe`, e.g.
 * `kjo ... | head`) silently ends the output; other errors are thrown.
 * `terminal()` reports a terminal when `file.isTerminal()` says so and
 * `TERM` is not `dumb` (which cannot move the cursor), with the console's
 * width when Deno can read it.
 */
export function fileTarget(file: SyncWritable): TextTarget {
  const encoder = new TextEncoder();
  let broken = false;
  return {
    terminal(): TerminalInfo | undefined {
      if (!safely(() => file.isTerminal?.() ?? false, false)) return undefined;
      if (safely(() => Deno.env.get("TERM"), undefined) === "dumb") return undefined;
      const columns = safely(() => Deno.consoleSize().columns, 0);
      return columns > 0 ? { columns } : {};
    },
    write(text: string): void {
      if (broken || text === "") return;
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (e) {
        if (e instanceof Deno.errors.BrokenPipe) {
          broken = true;
          return;
        }
        throw e;
      }
    },
  };
}

/** `read()`, or `fallback` when it throws (no permission, no console). */
function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * The process's standard output as a {@linkcode TextTarget}.
 */
export function denoStdout(): TextTarget {
  return fileTarget(Deno.stdout);
}

/**
 * The process's standard error as a {@linkcode TextTarget}.
 */
export function denoStderr(): TextTarget {
  return fileTarget(Deno.stderr);
}
