/**
 * Where writers put their text: anything with `write(text)`. Tests pass an
 * array-backed target; the CLI passes {@linkcode denoStdout} /
 * {@linkcode denoStderr}.
 *
 * @module
 */

/**
 * A destination for text.
 *
 * @example
 * ```ts
 * const chunks: string[] = [];
 * const target: TextTarget = { write: (t) => void chunks.push(t) };
 * ```
 */
export interface TextTarget {
  write(text: string): void;
}

/** The part of `Deno.FsFile` a file target needs. */
interface SyncWritable {
  writeSync(p: Uint8Array): number;
}

/**
 * A target writing UTF-8 to a file with blocking writes (a slow reader slows
 * kjo down instead of growing memory). A closed pipe (`BrokenPipe`, e.g.
 * `kjo ... | head`) silently ends the output; other errors are thrown.
 *
 * @example
 * ```ts
 * const out = fileTarget(Deno.stdout);
 * out.write("hello\n");
 * ```
 */
export function fileTarget(file: SyncWritable): TextTarget {
  const encoder = new TextEncoder();
  let broken = false;
  return {
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

/**
 * The process's standard output as a {@linkcode TextTarget}.
 *
 * @example
 * ```ts
 * denoStdout().write("line\n");
 * ```
 */
export function denoStdout(): TextTarget {
  return fileTarget(Deno.stdout);
}

/**
 * The process's standard error as a {@linkcode TextTarget}.
 *
 * @example
 * ```ts
 * denoStderr().write("[kjo] starting\n");
 * ```
 */
export function denoStderr(): TextTarget {
  return fileTarget(Deno.stderr);
}
