/**
 * Reading `status.conditions`, the list most Kubernetes objects (Job, Pod and
 * many custom resources) use to report their state.
 *
 * @module
 */

import { list, record, text } from "./_fields.ts";

/**
 * One entry of `status.conditions`.
 */
export interface Condition {
  type: string;
  /** `True`, `False` or `Unknown`. */
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * `status.conditions` of an object, skipping malformed entries. Empty strings
 * read as missing.
 */
export function conditionsOf(object: unknown): Condition[] {
  const status = record(record(object)?.status);
  const out: Condition[] = [];
  for (const entry of list(status?.conditions)) {
    const c = record(entry);
    const type = text(c?.type);
    if (!c || !type) continue;
    out.push({
      type,
      status: text(c.status),
      reason: text(c.reason),
      message: text(c.message),
      lastTransitionTime: text(c.lastTransitionTime),
    });
  }
  return out;
}

/**
 * The first condition, in the order of `types`, whose status is `"True"`.
 * Conditions with status `False` or `Unknown` never count.
 */
export function trueCondition(object: unknown, ...types: string[]): Condition | undefined {
  const conditions = conditionsOf(object).filter((c) => c.status === "True");
  for (const type of types) {
    const found = conditions.find((c) => c.type === type);
    if (found) return found;
  }
  return undefined;
}
