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
 *
 * @example
 * ```ts
 * isRepeatMilestone(1, 2); // true
 * isRepeatMilestone(2, 3); // false
 * isRepeatMilestone(4, 9); // true (8 was passed)
 * ```
 */
export function isRepeatMilestone(shown: number, count: number): boolean {
  return bitLength(count) > bitLength(shown);
}

function bitLength(n: number): number {
  return n < 1 ? 0 : 32 - Math.clz32(Math.min(n, 0xffffffff));
}

/**
 * Options of {@linkcode EventRepeats}.
 *
 * @example
 * ```ts
 * const options: EventRepeatsOptions = { maxKeys: 1000 };
 * ```
 */
export interface EventRepeatsOptions {
  /**
   * How many events are remembered; the oldest is forgotten beyond it.
   * @default 1024
   */
  maxKeys?: number;
}

/**
 * The count each event was last shown with, by key (object, type, reason,
 * message), with a bound on how many events are remembered.
 *
 * @example
 * ```ts
 * const repeats = new EventRepeats();
 * repeats.shown("Pod/p|Warning|BackOff|x"); // undefined: never shown
 * repeats.markShown("Pod/p|Warning|BackOff|x", 1);
 * repeats.shown("Pod/p|Warning|BackOff|x"); // 1
 * ```
 */
export class EventRepeats {
  readonly #shown = new Map<string, number>();
  readonly #max: number;

  /** Creates an empty record; see {@linkcode EventRepeatsOptions}. */
  constructor(options: EventRepeatsOptions = {}) {
    this.#max = options.maxKeys ?? 1024;
  }

  /** The count `key` was last shown with, or `undefined`. */
  shown(key: string): number | undefined {
    return this.#shown.get(key);
  }

  /** Records that `key` was shown with `count`. */
  markShown(key: string, count: number): void {
    this.#shown.delete(key);
    this.#shown.set(key, count);
    if (this.#shown.size > this.#max) {
      this.#shown.delete(this.#shown.keys().next().value!);
    }
  }
}
