/**
 * `--output jsonl`: one {@linkcode RunEvent} a line, exactly as typed (the
 * Python shim reads this stream). Writes are buffered like the text writer's;
 * a `result` event is flushed at once and ends the stream: events after it
 * are dropped, so `result` is always the last line. Every Kubernetes event is
 * written unless `events` says otherwise (repeats are not folded: each new
 * count is a line).
 *
 * @module
 */

import type { RunEvent } from "./run_event.ts";
import { BufferedText, type BufferedTextOptions } from "./buffered_text.ts";
import type { EventWriter } from "./event_sink.ts";
import type { EventMode } from "../choices.ts";
import { showsEvent } from "./event_filter.ts";
import type { TextTarget } from "./text_target.ts";

/**
 * Options of {@linkcode JsonlWriter}.
 */
export interface JsonlWriterOptions {
  stdout: TextTarget;
  buffer?: BufferedTextOptions;
  /**
   * Which Kubernetes events to write: `all`, `warnings` (all but `Normal`)
   * or `none`.
   * @default {"all"}
   */
  events?: EventMode;
}

/**
 * Writes run events as JSON lines.
 */
export class JsonlWriter implements EventWriter {
  readonly #out: BufferedText;
  readonly #events: EventMode;
  #ended = false;

  /** Creates a writer; see {@linkcode JsonlWriterOptions}. */
  constructor(options: JsonlWriterOptions) {
    this.#out = new BufferedText(options.stdout, options.buffer);
    this.#events = options.events ?? "all";
  }

  /**
   * Writes one event as a line; ignored after the `result` event.
   */
  write(event: RunEvent): void {
    if (this.#ended) return;
    if (event.type === "k8s_event" && !showsEvent(this.#events, event.eventType)) return;
    this.#out.write(`${JSON.stringify(event)}\n`);
    if (event.type === "result") {
      this.#ended = true;
      this.#out.flush();
    }
  }

  /**
   * Writes everything buffered.
   */
  flush(): void {
    this.#out.flush();
  }

  /**
   * Flushes and closes the stream.
   */
  close(): void {
    this.#out.close();
  }
}
