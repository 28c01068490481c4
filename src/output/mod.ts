/**
 * Run events and the text and JSON-lines writers.
 *
 * @module
 */

export * from "./run_event.ts";
export * from "./text_target.ts";
export * from "./buffered_text.ts";
export * from "./ansi_colors.ts";
export * from "./event_sink.ts";
export * from "./text_writer.ts";
export * from "./jsonl_writer.ts";
