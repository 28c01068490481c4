/**
 * Writers of run events and a fan-out to several of them (e.g. a JSON-lines
 * writer plus a library callback).
 *
 * @module
 */

import type { EventSink, RunEvent } from "./run_event.ts";

/**
 * Something that takes run events and may buffer them.
 *
 * @example
 * ```ts
 * const writer: EventWriter = new JsonlWriter({ stdout: denoStdout() });
 * ```
 */
export interface EventWriter {
  write(event: RunEvent): void;
  /** Writes what is buffered. */
  flush(): void;
  /** Flushes and releases; later writes may be ignored. */
  close(): void;
}

function toWriter(target: EventWriter | EventSink): EventWriter {
  if (typeof target === "function") return { write: target, flush() {}, close() {} };
  return target;
}

function eachOf(writers: EventWriter[], call: (w: EventWriter) => void): void {
  const errors: unknown[] = [];
  for (const w of writers) {
    try {
      call(w);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "several event writers failed");
}

/**
 * One writer that passes every call to all of `targets` (writers or plain
 * sink functions), in order. A target that throws does not stop the others;
 * the error is rethrown after all were called.
 *
 * @example
 * ```ts
 * const writer = fanOut(new JsonlWriter({ stdout: denoStdout() }), (e) => events.push(e));
 * writer.write(stampEvent({ type: "info", level: "info", message: "hi" }));
 * writer.close();
 * ```
 */
export function fanOut(...targets: Array<EventWriter | EventSink>): EventWriter {
  const writers = targets.map(toWriter);
  return {
    write: (event) => eachOf(writers, (w) => w.write(event)),
    flush: () => eachOf(writers, (w) => w.flush()),
    close: () => eachOf(writers, (w) => w.close()),
  };
}

/**
 * An {@linkcode EventSink} function writing to a writer.
 *
 * @example
 * ```ts
 * const sink: EventSink = asEventSink(new TextWriter({ stdout, stderr }));
 * ```
 */
export function asEventSink(writer: EventWriter): EventSink {
  return (event) => writer.write(event);
}
