import assert from "node:assert/strict";
import { asEventSink, type EventWriter, fanOut } from "../../../src/output/event_sink.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";

const e: RunEvent = {
  type: "info",
  time: "2026-11-29T10:00:00.000Z",
  level: "info",
  message: "hi",
};

function recorder(name: string, log: string[], fail = false): EventWriter {
  return {
    write: () => {
      log.push(`${name}.write`);
      if (fail) throw new Error(`${name} failed`);
    },
    flush: () => void log.push(`${name}.flush`),
    close: () => void log.push(`${name}.close`),
  };
}

Deno.test("fanOut: calls every target in order; functions too", () => {
  const log: string[] = [];
  const got: RunEvent[] = [];
  const w = fanOut(recorder("a", log), (ev) => void got.push(ev), recorder("b", log));
  w.write(e);
  w.flush();
  w.close();
  assert.deepEqual(log, ["a.write", "b.write", "a.flush", "b.flush", "a.close", "b.close"]);
  assert.deepEqual(got, [e]);
});

Deno.test("fanOut: a failing target does not starve the others", () => {
  const log: string[] = [];
  const w = fanOut(recorder("a", log, true), recorder("b", log));
  assert.throws(() => w.write(e), /a failed/);
  assert.deepEqual(log, ["a.write", "b.write"]);
  const both = fanOut(recorder("a", [], true), recorder("b", [], true));
  assert.throws(() => both.write(e), AggregateError);
});

Deno.test("asEventSink", () => {
  const log: string[] = [];
  asEventSink(recorder("a", log))(e);
  assert.deepEqual(log, ["a.write"]);
});
