/**
 * Merges the objects of `xcom` events into one XCom result: keys of later
 * events replace earlier ones (a shallow merge, as the original operator
 * did). Keys such as `__proto__` are stored as plain keys.
 *
 * @module
 */

import type { KubeApiEventResult } from "./kube_api_event.ts";

/**
 * Collects XCom values of a run.
 *
 * @example
 * ```ts
 * const xcom = new XComCollector();
 * xcom.add({ a: 1, b: 1 });
 * xcom.add({ b: 2 });
 * xcom.toObject(); // { a: 1, b: 2 }
 * ```
 */
export class XComCollector {
  readonly #values = new Map<string, unknown>();

  /**
   * Merges one object (later keys win).
   *
   * @example
   * ```ts
   * new XComCollector().add({ rows: 10 });
   * ```
   */
  add(values: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(values)) this.#values.set(key, value);
  }

  /**
   * Merges a parsed `::kube_api:` event when it is a valid `xcom` one; returns
   * whether it was.
   *
   * @example
   * ```ts
   * const r = parseKubeApiEvent(line);
   * if (r) xcom.addEvent(r);
   * ```
   */
  addEvent(event: KubeApiEventResult): boolean {
    if (!event.ok || event.name !== "xcom" || !event.parsed) return false;
    this.add(event.parsed);
    return true;
  }

  /**
   * Number of keys collected.
   *
   * @example
   * ```ts
   * new XComCollector().size; // 0
   * ```
   */
  get size(): number {
    return this.#values.size;
  }

  /**
   * The merged values as a new plain object (keys in first-seen order).
   *
   * @example
   * ```ts
   * JSON.stringify(xcom.toObject());
   * ```
   */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }
}
