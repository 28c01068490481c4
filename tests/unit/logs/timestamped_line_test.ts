import assert from "node:assert/strict";
import {
  compareTimestamps,
  parseTimestampedLine,
  timestampNanos,
} from "../../../src/logs/timestamped_line.ts";

Deno.test("parseTimestampedLine: kubelet format", () => {
  assert.deepEqual(parseTimestampedLine("2026-11-29T10:00:00.123456789Z hello world"), {
    ts: "2026-11-29T10:00:00.123456789Z",
    text: "hello world",
  });
  assert.deepEqual(parseTimestampedLine("2026-11-29T10:00:00.123456789Z "), {
    ts: "2026-11-29T10:00:00.123456789Z",
    text: "",
  });
  assert.deepEqual(parseTimestampedLine("2026-11-29T10:00:00.123456789Z"), {
    ts: "2026-11-29T10:00:00.123456789Z",
    text: "",
  });
  assert.deepEqual(parseTimestampedLine("2026-11-29T10:00:00.1Z  two spaces"), {
    ts: "2026-11-29T10:00:00.1Z",
    text: " two spaces",
  });
  assert.deepEqual(parseTimestampedLine("2026-11-29T10:00:00+02:00 offset"), {
    ts: "2026-11-29T10:00:00+02:00",
    text: "offset",
  });
});

Deno.test("parseTimestampedLine: lines without a valid timestamp are all text", () => {
  for (
    const line of [
      "",
      "hello",
      "2026-11-29 10:00:00 x",
      "2026-13-29T10:00:00Z x",
      "2026-11-29T10:00:00.1234567890Z x",
    ]
  ) {
    assert.deepEqual(parseTimestampedLine(line), { text: line });
  }
});

Deno.test("timestampNanos: value at nanosecond precision", () => {
  assert.equal(timestampNanos("1970-01-01T00:00:00Z"), 0n);
  assert.equal(timestampNanos("1970-01-01T00:00:01.000000001Z"), 1_000_000_001n);
  assert.equal(timestampNanos("1970-01-01T01:00:00+01:00"), 0n);
  assert.equal(timestampNanos("1969-12-31T23:59:59.5Z"), -500_000_000n);
  assert.equal(timestampNanos("nope"), undefined);
});

Deno.test("compareTimestamps: ns precision, trimmed zeros, offsets", () => {
  const table: Array<[string, string, -1 | 0 | 1]> = [
    ["2026-11-29T10:00:00.123456789Z", "2026-11-29T10:00:00.123456790Z", -1],
    ["2026-11-29T10:00:00.123456789Z", "2026-11-29T10:00:00.123456789Z", 0],
    // Differ below the millisecond: Date would call these equal.
    ["2026-11-29T10:00:00.123000001Z", "2026-11-29T10:00:00.123000000Z", 1],
    // Trimmed trailing zeros (Go RFC3339Nano) vs fixed width.
    ["2026-11-29T10:00:00.5Z", "2026-11-29T10:00:00.500000000Z", 0],
    ["2026-11-29T10:00:00Z", "2026-11-29T10:00:00.000000001Z", -1],
    ["2026-11-29T10:00:00Z", "2026-11-29T09:59:59.999999999Z", 1],
    ["2026-11-29T12:00:00+02:00", "2026-11-29T10:00:00Z", 0],
  ];
  for (const [a, b, expected] of table) {
    assert.equal(compareTimestamps(a, b), expected, `${a} vs ${b}`);
    assert.equal(compareTimestamps(b, a), (0 - expected) as -1 | 0 | 1, `${b} vs ${a}`);
  }
  assert.throws(() => compareTimestamps("x", "2026-11-29T10:00:00Z"), RangeError);
});
