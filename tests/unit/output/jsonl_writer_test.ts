import assert from "node:assert/strict";
import { JsonlWriter } from "../../../src/output/jsonl_writer.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { capture, tick } from "./_capture.ts";

const T = "2026-11-29T10:00:01.000Z";

Deno.test("JsonlWriter: one event a line, exact shape, result last", async () => {
  const out = capture();
  const writer = new JsonlWriter({ stdout: out });
  const events: RunEvent[] = [
    { type: "status", time: T, resource: "Job/j", state: "Running" },
    {
      type: "log",
      time: T,
      pod: "p",
      container: "main",
      line: 'multi\nline "quoted" \u2028 \ud800',
      ts: "2026-11-29T10:00:00.1Z",
    },
    {
      type: "result",
      time: T,
      state: "Succeeded",
      exitCode: 0,
      xcom: { a: 2 },
      resources: ["Job/j"],
    },
    { type: "log", time: T, pod: "p", container: "main", line: "late" },
  ];
  for (const e of events) writer.write(e);
  // The result is flushed at once.
  assert.equal(out.writes.length, 1);
  await tick();
  writer.close();
  const lines = out.text().split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), events.slice(0, 3));
  assert.equal(JSON.parse(lines.at(-1)!).type, "result");
  assert.equal(
    lines[0],
    '{"type":"status","time":"2026-11-29T10:00:01.000Z","resource":"Job/j","state":"Running"}',
  );
});

Deno.test("JsonlWriter: flush and batching", async () => {
  const out = capture();
  const writer = new JsonlWriter({ stdout: out });
  for (let i = 0; i < 100; i++) {
    writer.write({ type: "info", time: T, level: "info", message: `m${i}` });
  }
  await tick();
  assert.equal(out.writes.length, 1);
  writer.write({ type: "info", time: T, level: "info", message: "x" });
  writer.flush();
  assert.equal(out.writes.length, 2);
  writer.close();
});

Deno.test("JsonlWriter: every Kubernetes event by default, each count a line; events narrows them", () => {
  const events: RunEvent[] = [
    {
      type: "k8s_event",
      time: T,
      object: "Pod/p",
      eventType: "Normal",
      reason: "Pulled",
      message: "m",
    },
    ...[1, 2, 3].map((count): RunEvent => ({
      type: "k8s_event",
      time: T,
      object: "Pod/p",
      eventType: "Warning",
      reason: "BackOff",
      message: "m",
      count,
    })),
    { type: "status", time: T, resource: "Pod/p", state: "Running" },
  ];
  const written = (events_?: "all" | "warnings" | "none") => {
    const out = capture();
    const writer = new JsonlWriter({ stdout: out, ...(events_ ? { events: events_ } : {}) });
    for (const e of events) writer.write(e);
    writer.close();
    return out.text().split("\n").filter((l) => l !== "").map((l) => {
      const e = JSON.parse(l);
      return e.type === "k8s_event" ? `${e.reason}${e.count ?? ""}` : e.type;
    });
  };
  assert.deepEqual(written(), ["Pulled", "BackOff1", "BackOff2", "BackOff3", "status"]);
  assert.deepEqual(written("warnings"), ["BackOff1", "BackOff2", "BackOff3", "status"]);
  assert.deepEqual(written("none"), ["status"]);
});
