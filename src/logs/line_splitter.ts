/**
 * Turns a stream of text chunks into whole lines.
 *
 * - Chunks are `Uint8Array` (UTF-8; a character split across chunks is
 *   decoded once complete; invalid bytes become U+FFFD) or `string`.
 * - Lines end with LF or CRLF; the terminator is not part of the line. A
 *   lone CR inside a line (progress bars) is kept.
 * - Memory is bounded: a line longer than `maxLineLength` UTF-16 code units
 *   (default 1 MiB = 1,048,576) is emitted in pieces of at most that length,
 *   each as its own line, never splitting a surrogate pair. (A CRLF whose CR
 *   falls exactly at a piece boundary leaves that CR at the piece's end.)
 * - {@linkcode LineSplitter.flush} emits the last line when the stream ends
 *   without a newline (a trailing CR is dropped).
 *
 * @module
 */

/** Default cap of one line, in UTF-16 code units. */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Options of {@linkcode LineSplitter}.
 *
 * @example
 * ```ts
 * const options: LineSplitterOptions = { maxLineLength: 64 * 1024 };
 * ```
 */
export interface LineSplitterOptions {
  /** Longest line emitted, in UTF-16 code units; longer lines are split. Default 1 MiB. */
  maxLineLength?: number;
}

/**
 * Incremental line splitter.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter();
 * splitter.push("a\r\nb"); // ["a"]
 * splitter.push(new TextEncoder().encode("c\n")); // ["bc"]
 * splitter.flush(); // []
 * ```
 */
export class LineSplitter {
  readonly #max: number;
  #decoder = new TextDecoder("utf-8");
  #pending = "";
  /** The decoder may hold the first bytes of a character. */
  #decoderBusy = false;

  /** Creates a splitter; see {@linkcode LineSplitterOptions}. */
  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    if (!Number.isInteger(max) || max < 2) {
      throw new RangeError("maxLineLength must be an integer ≥ 2");
    }
    this.#max = max;
  }

  /**
   * Adds a chunk; returns the lines it completed (maybe none).
   *
   * @example
   * ```ts
   * new LineSplitter().push("one\ntwo\nthr"); // ["one", "two"]
   * ```
   */
  push(chunk: Uint8Array | string): string[] {
    let text: string;
    if (typeof chunk === "string") {
      text = this.#drainDecoder() + chunk;
    } else {
      text = this.#decoder.decode(chunk, { stream: true });
      this.#decoderBusy = true;
    }
    const out: string[] = [];
    let start = 0;
    while (true) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      const line = this.#pending + text.slice(start, nl);
      this.#pending = "";
      this.#emit(line, out, true);
      start = nl + 1;
    }
    if (start < text.length) {
      this.#pending += text.slice(start);
      if (this.#pending.length > this.#max) this.#pending = this.#cut(this.#pending, out);
    }
    return out;
  }

  /**
   * Ends the stream: returns the last, unterminated line (if any) and resets
   * the splitter.
   *
   * @example
   * ```ts
   * const s = new LineSplitter();
   * s.push("no newline");
   * s.flush(); // ["no newline"]
   * ```
   */
  flush(): string[] {
    const text = this.#pending + this.#drainDecoder();
    this.#pending = "";
    const out: string[] = [];
    if (text !== "") this.#emit(text, out, true);
    return out;
  }

  #drainDecoder(): string {
    if (!this.#decoderBusy) return "";
    this.#decoderBusy = false;
    return this.#decoder.decode();
  }

  #emit(line: string, out: string[], complete: boolean): void {
    if (complete && line.endsWith("\r")) line = line.slice(0, -1);
    if (line.length > this.#max) {
      const rest = this.#cut(line, out);
      out.push(rest);
    } else {
      out.push(line);
    }
  }

  /** Emits max-length pieces of `text` into `out`; returns the remainder (≤ max). */
  #cut(text: string, out: string[]): string {
    let start = 0;
    while (text.length - start > this.#max) {
      let end = start + this.#max;
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end -= 1; // keep a surrogate pair together
      out.push(text.slice(start, end));
      start = end;
    }
    return text.slice(start);
  }
}

/**
 * Splits an async stream of chunks into lines (including the last,
 * unterminated one).
 *
 * @example
 * ```ts
 * for await (const line of splitLines(response.body!)) console.log(line);
 * ```
 */
export async function* splitLines(
  source: AsyncIterable<Uint8Array | string>,
  options: LineSplitterOptions = {},
): AsyncGenerator<string> {
  const splitter = new LineSplitter(options);
  for await (const chunk of source) yield* splitter.push(chunk);
  yield* splitter.flush();
}
