/**
 * Merges the objects of `xcom` events into one XCom result: keys of later
 * events replace earlier ones (a shallow merge, as the original operator
 * did). Keys such as `__proto__` are stored as plain keys.
 *
 * The merged result is capped in size (`maxBytes`, the JSON text of the
 * merged object): an object that would take it over the cap is refused as a
 * whole, so what a pod prints cannot grow kjo's memory (or the XCom store)
 * without bound.
 *
 * @module
 */

import { DEFAULT_XCOM_MAX_BYTES, type KubeApiEventResult, utf8Length } from "./kube_api_event.ts";

/**
 * Options of {@linkcode XComCollector}.
 */
export interface XComCollectorOptions {
  /**
   * Largest JSON text of the merged result, in UTF-8 bytes.
   *
   * @default {DEFAULT_XCOM_MAX_BYTES}
   */
  maxBytes?: number;
}

/**
 * Collects XCom values of a run.
 *
 * @example
 * ```ts
 * import { XComCollector } from "./xcom_collector.ts";
 *
 * const xcom = new XComCollector({ maxBytes: 1024 });
 * xcom.add({ a: 1, b: 1 });
 * xcom.add({ b: 2 });
 * console.log(xcom.toObject()); // { a: 1, b: 2 }
 * console.log(xcom.add({ big: "x".repeat(2000) })); // why it was refused (over the cap)
 * ```
 */
export class XComCollector {
  readonly #values = new Map<string, { value: unknown; bytes: number }>();
  readonly #maxBytes: number;
  /** JSON size of the merged object: `{}` plus `"key":value` and commas. */
  #bytes = 2;

  /** Creates an empty collector. */
  constructor(options: XComCollectorOptions = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_XCOM_MAX_BYTES;
  }

  /**
   * Merges one object (later keys win). Returns why it was refused (the
   * merged result would exceed `maxBytes`; nothing of it is kept), or
   * `undefined` when it was merged.
   */
  add(values: Record<string, unknown>): string | undefined {
    const sized = Object.entries(values).map(([key, value]) => ({
      key,
      value,
      bytes: utf8Length(JSON.stringify(key)) + 1 + utf8Length(JSON.stringify(value) ?? "null"),
    }));
    let total = this.#bytes;
    let count = this.#values.size;
    for (const { key, bytes } of sized) {
      const old = this.#values.get(key);
      if (old) total -= old.bytes;
      else count++;
      total += bytes;
    }
    const merged = total + Math.max(0, count - 1); // commas
    if (merged > this.#maxBytes) {
      return `xcom values would total ${merged} bytes, over the cap of ${this.#maxBytes} bytes (xcom max bytes)`;
    }
    for (const { key, value, bytes } of sized) {
      const old = this.#values.get(key);
      if (old) this.#bytes -= old.bytes;
      this.#values.set(key, { value, bytes });
      this.#bytes += bytes;
    }
    return undefined;
  }

  /**
   * Merges a parsed `::kube_api:` event when it is a valid `xcom` one within
   * the cap; returns whether it was merged.
   */
  addEvent(event: KubeApiEventResult): boolean {
    if (!event.ok || event.name !== "xcom" || !event.parsed) return false;
    return this.add(event.parsed) === undefined;
  }

  /**
   * Number of keys collected.
   */
  get size(): number {
    return this.#values.size;
  }

  /**
   * The cap on the merged values' JSON size, in UTF-8 bytes.
   */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /**
   * JSON size of the merged values, in UTF-8 bytes.
   */
  get bytes(): number {
    return this.#bytes + Math.max(0, this.#values.size - 1);
  }

  /**
   * The merged values as a new plain object (keys in first-seen order).
   */
  toObject(): Record<string, unknown> {
    return Object.fromEntries([...this.#values].map(([key, { value }]) => [key, value]));
  }
}
