/**
 * A temporary directory for one test, removed afterwards.
 *
 * @module
 */

/** Runs `fn` with a new temporary directory and removes it afterwards, also on failure. */
export async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
