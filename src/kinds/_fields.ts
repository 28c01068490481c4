/**
 * Defensive readers for plain JSON objects as the API server returns them.
 * Private to `src/kinds/`.
 *
 * @module
 */

/** A JSON object, or undefined when `value` is not one. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** The array, or an empty array when `value` is not one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The string, or undefined. Empty strings count as missing. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
