/**
 * Guesses the log level a container line was written at, from the level word
 * most loggers put at its start (`ERROR ...`, `[WARN] ...`, `2026-11-29
 * 10:00:00,123 INFO ...`, `level=error`), as the original operator's
 * `detect_kubernetes_log_level` did.
 *
 * @module
 */

/** A detected level. */
export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

const WORDS: Record<string, LogLevel> = {
  TRACE: "debug",
  DEBUG: "debug",
  INFO: "info",
  NOTICE: "info",
  WARN: "warning",
  WARNING: "warning",
  ERR: "error",
  ERROR: "error",
  CRITICAL: "critical",
  FATAL: "critical",
  PANIC: "critical",
};

// A level word near the start: after an optional timestamp/logger prefix of
// at most 40 characters, bare, in brackets, or as level=word.
const LEVEL =
  /^.{0,40}?(?:^|[\s\[|(:])(?:level=)?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERR|ERROR|CRITICAL|FATAL|PANIC)(?=[\s\]|):,]|$)/i;

/**
 * The level of a log line, or undefined when it names none.
 */
export function detectLogLevel(line: string): LogLevel | undefined {
  const match = LEVEL.exec(line);
  return match ? WORDS[match[1].toUpperCase()] : undefined;
}
