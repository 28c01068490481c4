/**
 * Deep merge of template values (values files, then `--set`).
 *
 * @module
 */

import { isObject } from "./_object.ts";

/**
 * Merges `override` into a copy of `base`: nested objects merge key by key;
 * lists, scalars and `null` in `override` replace what `base` has.
 */
export function mergeValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value)
      ? mergeValues(current, value)
      : structuredClone(value);
  }
  return out;
}
