/**
 * Lines of the Kubernetes log API with `timestamps=true`:
 * `2026-11-29T10:00:00.123456789Z text`. The kubelet writes RFC 3339 with
 * nine fraction digits; other node agents may trim zeros (Go's
 * `RFC3339Nano`) or add a zone offset, so timestamps are compared by value at
 * nanosecond precision, never as strings and never through `Date` (which
 * keeps milliseconds only).
 *
 * @module
 */

/**
 * A log line split into its timestamp and text.
 *
 * @example
 * ```ts
 * const l: TimestampedLine = { ts: "2026-11-29T10:00:00.123456789Z", text: "hello" };
 * ```
 */
export interface TimestampedLine {
  /** The timestamp exactly as the server wrote it; absent when the line has none. */
  ts?: string;
  text: string;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Nanoseconds since the Unix epoch of an RFC 3339 timestamp (fraction up to
 * nine digits, `Z` or `±hh:mm`), or `undefined` when the text is not one.
 *
 * @example
 * ```ts
 * timestampNanos("1970-01-01T00:00:01.5Z"); // 1500000000n
 * ```
 */
export function timestampNanos(ts: string): bigint | undefined {
  const m = TIMESTAMP.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  const month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (!Number.isFinite(ms)) return undefined;
  let offsetMinutes = 0;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const seconds = BigInt(ms / 1000 - offsetMinutes * 60);
  return seconds * 1_000_000_000n + BigInt(frac.padEnd(9, "0") || "0");
}

/**
 * Compares two RFC 3339 timestamps at nanosecond precision: negative when `a`
 * is earlier, 0 when equal, positive when later. Throws a `RangeError` when
 * either is not a timestamp.
 *
 * @example
 * ```ts
 * compareTimestamps("2026-11-29T10:00:00Z", "2026-11-29T10:00:00.000000001Z"); // -1
 * compareTimestamps("2026-11-29T10:00:00.5Z", "2026-11-29T10:00:00.500000000Z"); // 0
 * ```
 */
export function compareTimestamps(a: string, b: string): -1 | 0 | 1 {
  const x = timestampNanos(a);
  const y = timestampNanos(b);
  if (x === undefined) throw new RangeError(`not an RFC 3339 timestamp: ${JSON.stringify(a)}`);
  if (y === undefined) throw new RangeError(`not an RFC 3339 timestamp: ${JSON.stringify(b)}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Splits a line of the log API with `timestamps=true` into `{ ts, text }`.
 * The timestamp is the text before the first space when it is a valid RFC
 * 3339 timestamp; otherwise the whole line is text and `ts` is absent. A
 * line that is only a timestamp has empty text.
 *
 * @example
 * ```ts
 * parseTimestampedLine("2026-11-29T10:00:00.123456789Z hello world");
 * // { ts: "2026-11-29T10:00:00.123456789Z", text: "hello world" }
 * parseTimestampedLine("no timestamp"); // { text: "no timestamp" }
 * ```
 */
export function parseTimestampedLine(line: string): TimestampedLine {
  const space = line.indexOf(" ");
  const head = space < 0 ? line : line.slice(0, space);
  if (head.length < 20 || head.length > 35 || timestampNanos(head) === undefined) {
    return { text: line };
  }
  return { ts: head, text: space < 0 ? "" : line.slice(space + 1) };
}
