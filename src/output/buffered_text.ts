/**
 * Batches many small writes into few large ones. Text is kept in memory and
 * written to the target in one call when the current task's microtasks run
 * (or after `delayMs`), when more than `maxBufferedChars` are waiting, and on
 * {@linkcode BufferedText.flush} / {@linkcode BufferedText.close}. A burst of
 * log lines decoded from one network chunk thus costs one write.
 *
 * @module
 */

import type { TextTarget } from "./text_target.ts";

/**
 * Options of {@linkcode BufferedText}.
 */
export interface BufferedTextOptions {
  /**
   * Flush this long after the first buffered write; 0 flushes on a microtask.
   *
   * @default {0}
   */
  delayMs?: number;
  /**
   * Flush at once when more than this many characters wait.
   *
   * @default {64 * 1024}
   */
  maxBufferedChars?: number;
}

/**
 * A buffering {@linkcode TextTarget}. An error thrown by the target during a
 * scheduled flush is kept and thrown by the next `write`, `flush` or `close`.
 */
export class BufferedText implements TextTarget {
  readonly #target: TextTarget;
  readonly #delayMs: number;
  readonly #max: number;
  #chunks: string[] = [];
  #size = 0;
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #error: unknown;
  #closed = false;

  /** Wraps a target; see {@linkcode BufferedTextOptions}. */
  constructor(target: TextTarget, options: BufferedTextOptions = {}) {
    this.#target = target;
    this.#delayMs = options.delayMs ?? 0;
    this.#max = options.maxBufferedChars ?? 64 * 1024;
  }

  /**
   * Buffers text. Writes after {@linkcode close} are ignored.
   */
  write(text: string): void {
    this.#rethrow();
    if (this.#closed || text === "") return;
    this.#chunks.push(text);
    this.#size += text.length;
    if (this.#size > this.#max) this.flush();
    else this.#schedule();
  }

  /**
   * Writes everything buffered now.
   */
  flush(): void {
    this.#rethrow();
    this.#cancel();
    if (this.#chunks.length === 0) return;
    const text = this.#chunks.length === 1 ? this.#chunks[0] : this.#chunks.join("");
    this.#chunks = [];
    this.#size = 0;
    this.#target.write(text);
  }

  /**
   * Flushes and stops accepting writes.
   */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#cancel();
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const run = () => {
      this.#timer = undefined;
      if (!this.#scheduled) return;
      this.#scheduled = false;
      try {
        this.flush();
      } catch (e) {
        this.#error ??= e;
      }
    };
    if (this.#delayMs > 0) this.#timer = setTimeout(run, this.#delayMs);
    else queueMicrotask(run);
  }

  #cancel(): void {
    this.#scheduled = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #rethrow(): void {
    if (this.#error === undefined) return;
    const e = this.#error;
    this.#error = undefined;
    throw e;
  }
}
