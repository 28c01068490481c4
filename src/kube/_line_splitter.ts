/**
 * Splits a byte stream into lines without breaking UTF-8 characters, and cuts
 * lines longer than a limit into pieces at the same offsets every time the
 * same bytes are fed (so a resumed stream splits identically).
 *
 * @module
 */

/**
 * A piece of the stream: a full line, or a slice of a line over the limit.
 * A whole line has neither `continuation` nor `truncated` set.
 */
export interface LinePiece {
  /** Decoded text, without the trailing newline (and without `\r`). */
  text: string;
  /** True for the 2nd, 3rd, ... piece of one over-long line. */
  continuation: boolean;
  /** True when the line goes on in the next piece (it was cut at the limit). */
  truncated: boolean;
}

/**
 * Incremental line splitter over `Uint8Array` chunks.
 */
export class LineSplitter {
  #buf = new Uint8Array(0);
  #len = 0;
  #scanned = 0;
  #inContinuation = false;
  readonly #limit: number;
  readonly #prefixed: boolean;
  readonly #decoder = new TextDecoder();

  /**
   * `maxLineBytes`: pieces are at most this long (default: no limit).
   * `prefixed`: lines start with a token ended by a space (a timestamp) that
   * does not count against the limit of the first piece.
   */
  constructor(maxLineBytes = Infinity, options: { prefixed?: boolean } = {}) {
    this.#limit = maxLineBytes;
    this.#prefixed = options.prefixed ?? false;
  }

  /** Limit of the current piece: the first piece of a line may add its prefix. */
  get #maxBytes(): number {
    if (!this.#prefixed || this.#inContinuation || this.#limit === Infinity) return this.#limit;
    const space = this.#buf.subarray(0, Math.min(this.#len, 64)).indexOf(32);
    return this.#limit + (space < 0 ? 0 : space + 1);
  }

  /** Bytes buffered that do not yet form a line. */
  get pendingBytes(): number {
    return this.#len;
  }

  /** Feeds a chunk; returns the lines (and over-long pieces) it completed. */
  push(chunk: Uint8Array): LinePiece[] {
    this.#append(chunk);
    const out: LinePiece[] = [];
    while (true) {
      const nl = this.#buf.subarray(this.#scanned, this.#len).indexOf(10);
      if (nl >= 0) {
        const end = this.#scanned + nl;
        if (end > this.#maxBytes) {
          out.push(this.#cut());
          continue;
        }
        out.push(this.#take(end, end + 1));
        continue;
      }
      this.#scanned = this.#len;
      if (this.#len > this.#maxBytes) {
        out.push(this.#cut());
        continue;
      }
      return out;
    }
  }

  /** Returns the unterminated rest (if any) as a final piece and resets. */
  flush(): LinePiece | undefined {
    if (this.#len === 0) {
      this.#inContinuation = false;
      return undefined;
    }
    return this.#take(this.#len, this.#len);
  }

  /** Drops buffered bytes (after a broken stream whose tail is unreliable). */
  reset(): void {
    this.#len = 0;
    this.#scanned = 0;
    this.#inContinuation = false;
  }

  #cut(): LinePiece {
    let end = Math.floor(this.#maxBytes);
    // Back off to a UTF-8 character boundary (never in front of a continuation byte).
    while (end > 0 && (this.#buf[end] & 0xc0) === 0x80) end--;
    if (end === 0) end = Math.floor(this.#maxBytes);
    const piece = this.#take(end, end, true);
    return piece;
  }

  #take(end: number, consumeTo: number, partial = false): LinePiece {
    let textEnd = end;
    if (!partial && textEnd > 0 && this.#buf[textEnd - 1] === 13) textEnd--;
    const text = this.#decoder.decode(this.#buf.subarray(0, textEnd));
    const piece = { text, continuation: this.#inContinuation, truncated: partial };
    this.#inContinuation = partial;
    this.#buf.copyWithin(0, consumeTo, this.#len);
    this.#len -= consumeTo;
    this.#scanned = 0;
    return piece;
  }

  #append(chunk: Uint8Array): void {
    const need = this.#len + chunk.length;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2, 4096));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len = need;
  }
}
