/**
 * A full garbage collection on request, for the moments a long-lived
 * follower knows it just made a lot of garbage (a burst of follows reading
 * their runs). V8 grows its heap during such a burst and gives the memory
 * back only when its memory reducer runs, seconds later; a thousand follows
 * joining at once then cost a peak of twice the memory they need.
 *
 * V8's `gc()` is reached through `node:v8`'s `setFlagsFromString` and a
 * `node:vm` context, as in Node. Where that is not available, compaction is
 * a no-op.
 *
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

let collect: (() => void) | null | undefined;

/** V8's full collection, or `null` when the runtime does not expose it. */
function fullCollection(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc");
    collect = typeof gc === "function" ? gc as () => void : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Options of {@linkcode HeapCompaction}. */
export interface HeapCompactionOptions {
  /** A collection after this many joins in a row. */
  every: number;
  /** At the end of a burst (nothing joining), a collection if at least this many joined since the last. */
  atBurstEnd: number;
}

/** Counts joins and asks for a full collection during and after bursts of them. */
export class HeapCompaction {
  #options: HeapCompactionOptions;
  #since = 0;
  #collections = 0;

  /** Counts nothing yet. */
  constructor(options: HeapCompactionOptions) {
    this.#options = options;
  }

  /** Full collections done so far. */
  get collections(): number {
    return this.#collections;
  }

  /** One more join ended; `burstOver`: no other join runs or waits. */
  joined(burstOver: boolean): void {
    this.#since++;
    const due = this.#since >= this.#options.every ||
      (burstOver && this.#since >= this.#options.atBurstEnd);
    if (!due) return;
    const gc = fullCollection();
    if (!gc) return;
    this.#since = 0;
    this.#collections++;
    gc();
  }
}
