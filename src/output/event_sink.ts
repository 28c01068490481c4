/**
 * Writers of run events: what the CLI's text and JSON-lines writers share.
 *
 * @module
 */

import type { RunEvent } from "./run_event.ts";

/**
 * Something that takes run events and may buffer them.
 */
export interface EventWriter {
  write(event: RunEvent): void;
  /** Writes what is buffered. */
  flush(): void;
  /** Flushes and releases; later writes may be ignored. */
  close(): void;
}
