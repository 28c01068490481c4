/**
 * Which Kubernetes events a writer shows (`--events`, `KJO_EVENTS`, config
 * key `events`): `all`, `warnings` (every type but `Normal`) or `none`.
 *
 * @module
 */

/**
 * The values of `--events`.
 *
 * @example
 * ```ts
 * EVENT_MODES.includes("warnings"); // true
 * ```
 */
export const EVENT_MODES = ["all", "warnings", "none"] as const;

/** Which Kubernetes events to show: all, only non-Normal ones, or none. */
export type EventMode = typeof EVENT_MODES[number];

/**
 * Whether an event of `eventType` (`Normal`, `Warning`) is shown in `mode`.
 *
 * @example
 * ```ts
 * showsEvent("warnings", "Normal"); // false
 * showsEvent("warnings", "Warning"); // true
 * ```
 */
export function showsEvent(mode: EventMode, eventType: string): boolean {
  if (mode === "all") return true;
  if (mode === "none") return false;
  return eventType !== "Normal";
}
