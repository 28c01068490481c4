/**
 * Run ids: the value of the `kjo/run-id` label that marks every resource of
 * one run.
 *
 * @module
 */

/**
 * Makes a new run id: 12 lowercase letters and digits, valid as a label
 * value and as a name part.
 *
 * @example
 * ```ts
 * const id = newRunId(); // e.g. "k3f9x0q2m7ab"
 * ```
 */
export function newRunId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}
