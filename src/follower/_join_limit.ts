/**
 * A bound on how many follows read their run at once (find its objects, list
 * its pods and their Events). A thousand follows arriving together (a
 * triggerer restart) would otherwise hold a thousand responses in memory at
 * the same moment and send the API server a thousand lists in one burst.
 *
 * @module
 */

/** A counting semaphore whose waiters give up when their signal aborts. */
export class JoinLimit {
  #slots: number;
  #free: number;
  #waiting: (() => void)[] = [];

  /** `slots`: how many holders at once (at least 1). */
  constructor(slots: number) {
    this.#slots = Math.max(1, Math.floor(slots));
    this.#free = this.#slots;
  }

  /**
   * Waits for a slot; resolves to its release function (calling it twice
   * releases once), or to `undefined` when `signal` aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return undefined;
    if (this.#free > 0) {
      this.#free--;
      return this.#release();
    }
    const granted = await new Promise<boolean>((resolve) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(false);
      };
      this.#waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    return granted ? this.#release() : undefined;
  }

  /** Holders waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether no slot is held and nobody waits. */
  get idle(): boolean {
    return this.#free === this.#slots && this.#waiting.length === 0;
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.#free++;
    };
  }
}
