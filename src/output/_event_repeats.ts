/**
 * Folding of repeated Kubernetes events in text output. Kubernetes counts
 * the repeats of one event (`FailedMount ... (x9)`); kjo is told of each new
 * count. Without a terminal to update a line in place, a repeat is printed
 * only when its count reaches the next power of two (1, 2, 4, 8, …), so n
 * repeats cost about log2(n) lines.
 *
 * @module
 */

/**
 * Whether a repeat seen with `count` is printed when the event was last
 * printed with `shown`: when `count` reached a power of two above `shown`
 * (a count that jumps past one, 3 → 9, counts too).
 */
export function isRepeatMilestone(shown: number, count: number): boolean {
  return bitLength(count) > bitLength(shown);
}

function bitLength(n: number): number {
  return n < 1 ? 0 : 32 - Math.clz32(Math.min(n, 0xffffffff));
}

/**
 * Options of {@linkcode EventRepeats}.
 */
export interface EventRepeatsOptions {
  /**
   * How many events are remembered; the oldest is forgotten beyond it.
   * @default {1024}
   */
  maxKeys?: number;
}

/**
 * How often each event occurred and the count it was last shown with, by key
 * (object, type, reason, message), with a bound on how many events are
 * remembered. Kubernetes reports each new count of one Event object; another
 * Event object with the same text starts again at 1, and counts as one more
 * occurrence.
 */
export class EventRepeats {
  readonly #events = new Map<string, { total: number; shown?: number }>();
  readonly #max: number;

  /** Creates an empty record; see {@linkcode EventRepeatsOptions}. */
  constructor(options: EventRepeatsOptions = {}) {
    this.#max = options.maxKeys ?? 1024;
  }

  /**
   * Records a report of `key` with Kubernetes' `count`; returns the total
   * occurrences so far and the total it was last shown with (`undefined`
   * when never shown).
   */
  see(key: string, count: number): { total: number; shown: number | undefined } {
    const known = this.#events.get(key);
    const total = known === undefined ? count : count > known.total ? count : known.total + 1;
    this.#events.delete(key);
    this.#events.set(key, { total, shown: known?.shown });
    if (this.#events.size > this.#max) this.#events.delete(this.#events.keys().next().value!);
    return { total, shown: known?.shown };
  }

  /** Records that `key` was shown with `total` occurrences. */
  markShown(key: string, total: number): void {
    const known = this.#events.get(key);
    if (known) known.shown = total;
  }
}
