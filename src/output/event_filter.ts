/**
 * Which Kubernetes events a writer shows (`--events`, `KJO_EVENTS`, config
 * key `events`): `all`, `warnings` (every type but `Normal`) or `none`.
 *
 * @module
 */

import type { EventMode } from "../choices.ts";

/**
 * Whether an event of `eventType` (`Normal`, `Warning`) is shown in `mode`.
 */
export function showsEvent(mode: EventMode, eventType: string): boolean {
  if (mode === "all") return true;
  if (mode === "none") return false;
  return eventType !== "Normal";
}
