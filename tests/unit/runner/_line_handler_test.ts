import assert from "node:assert/strict";
import { XComCollector } from "../../../src/logs/xcom_collector.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { createLineHandler, type LineHandlerOptions } from "../../../src/runner/_line_handler.ts";

function setup(options: Partial<Omit<LineHandlerOptions, "emit" | "xcom">> = {}) {
  const events: RunEvent[] = [];
  const xcom = new XComCollector();
  const handler = createLineHandler({
    emit: (e) => events.push(e),
    xcom,
    relayLogs: true,
    relayApiEventLines: false,
    keepLastLines: 20,
    ...options,
  });
  /** Events without their `time` (checked separately). */
  const plain = () =>
    events.map((e) => {
      const { time, ...rest } = e;
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      return rest;
    });
  return { handler, events, xcom, plain };
}

Deno.test("createLineHandler: ordinary lines become log events, with the runtime timestamp when known", () => {
  const { handler, plain } = setup();
  handler.handle("pod-a", "main", { text: "hello", ts: "2026-11-29T10:00:01.123456789Z" });
  handler.handle("pod-a", "side", { text: "" });
  handler.handle("pod-a", "main", { text: 'INFO ::kube_api:xcom={"a":1}' }); // marker not at the start
  assert.deepEqual(plain(), [
    {
      type: "log",
      pod: "pod-a",
      container: "main",
      line: "hello",
      ts: "2026-11-29T10:00:01.123456789Z",
    },
    { type: "log", pod: "pod-a", container: "side", line: "" },
    { type: "log", pod: "pod-a", container: "main", line: 'INFO ::kube_api:xcom={"a":1}' },
  ]);
  assert.equal(handler.count, 3);
  assert.equal(handler.xcomEvents, 0);
});

Deno.test("createLineHandler: ::kube_api: lines become api events, not log lines", () => {
  const { handler, plain, xcom } = setup();
  handler.handle("pod-a", "main", { text: "::kube_api:progress=50%" });
  handler.handle("pod-a", "main", { text: '  ::kube_api:xcom={"rows":10}', ts: "t1" });
  assert.deepEqual(plain(), [
    { type: "api_event", name: "progress", value: "50%", pod: "pod-a", container: "main" },
    {
      type: "api_event",
      name: "xcom",
      value: '{"rows":10}',
      parsed: { rows: 10 },
      pod: "pod-a",
      container: "main",
    },
  ]);
  assert.deepEqual(xcom.toObject(), { rows: 10 });
  assert.equal(handler.xcomEvents, 1);
  assert.equal(handler.count, 2);
  assert.deepEqual(handler.errors, []);
});

Deno.test("createLineHandler: xcom events merge into the collector, later keys win, across containers", () => {
  const { handler, xcom } = setup();
  handler.handle("p1", "main", { text: '::kube_api:xcom={"a":1,"b":1}' });
  handler.handle("p2", "main", { text: '::kube_api:xcom={"b":2,"c":{"d":[1]}}' });
  handler.handle("p1", "side", { text: "::kube_api:xcom={}" });
  assert.deepEqual(xcom.toObject(), { a: 1, b: 2, c: { d: [1] } });
  assert.equal(handler.xcomEvents, 3);
});

Deno.test("createLineHandler: invalid ::kube_api: events are recorded in errors and emitted as error info", () => {
  const cases: Array<[string, RegExp]> = [
    ["::kube_api:xcom=[1,2]", /^pod-a\/main: xcom value must be a JSON object, got an array$/],
    ["::kube_api:xcom=oops", /^pod-a\/main: xcom value is not valid JSON: /],
    ["::kube_api:xcom=null", /^pod-a\/main: xcom value must be a JSON object, got null$/],
    ["::kube_api:bad name=1", /^pod-a\/main: malformed ::kube_api: event: expected /],
  ];
  for (const [text, message] of cases) {
    const { handler, plain, xcom } = setup();
    handler.handle("pod-a", "main", { text });
    assert.equal(handler.errors.length, 1, text);
    assert.match(handler.errors[0], message, text);
    assert.deepEqual(plain(), [{ type: "info", level: "error", message: handler.errors[0] }], text);
    assert.equal(xcom.size, 0, text);
    assert.equal(handler.xcomEvents, 0, text);
    assert.equal(handler.count, 1, text);
    assert.deepEqual(handler.lastLines.get("pod-a/main"), [text], text);
  }
});

Deno.test("createLineHandler: relayApiEventLines also emits ::kube_api: lines (valid or not) as log lines", () => {
  const { handler, plain, xcom } = setup({ relayApiEventLines: true });
  handler.handle("p", "c", { text: '::kube_api:xcom={"a":1}', ts: "t1" });
  handler.handle("p", "c", { text: "::kube_api:xcom=[1]" });
  assert.deepEqual(plain().map((e) => e.type), ["api_event", "log", "info", "log"]);
  assert.deepEqual(plain()[1], {
    type: "log",
    pod: "p",
    container: "c",
    line: '::kube_api:xcom={"a":1}',
    ts: "t1",
  });
  assert.deepEqual(xcom.toObject(), { a: 1 });
  assert.equal(handler.errors.length, 1);
});

Deno.test("createLineHandler: relayLogs=false emits no log events but still api events, xcom and lastLines", () => {
  for (const relayApiEventLines of [false, true]) {
    const { handler, plain, xcom } = setup({ relayLogs: false, relayApiEventLines });
    handler.handle("p", "c", { text: "plain" });
    handler.handle("p", "c", { text: '::kube_api:xcom={"a":1}' });
    handler.handle("p", "c", { text: "::kube_api:xcom=1" });
    assert.deepEqual(
      plain().map((e) => e.type),
      ["api_event", "info"],
      `relayApiEventLines ${relayApiEventLines}`,
    );
    assert.deepEqual(xcom.toObject(), { a: 1 });
    assert.equal(handler.count, 3);
    assert.deepEqual(handler.lastLines.get("p/c"), [
      "plain",
      '::kube_api:xcom={"a":1}',
      "::kube_api:xcom=1",
    ]);
  }
});

Deno.test("createLineHandler: lastLines keeps the last keepLastLines lines of each pod/container", () => {
  const cases: Array<[keep: number, lines: number, expected: string[]]> = [
    [3, 2, ["l0", "l1"]],
    [3, 3, ["l0", "l1", "l2"]],
    [3, 7, ["l4", "l5", "l6"]],
    [1, 5, ["l4"]],
  ];
  for (const [keep, n, expected] of cases) {
    const { handler } = setup({ keepLastLines: keep });
    for (let i = 0; i < n; i++) {
      handler.handle("p", "main", { text: `l${i}` });
      handler.handle("p", "side", { text: `s${i}` });
    }
    assert.deepEqual(handler.lastLines.get("p/main"), expected, `keep ${keep} of ${n}`);
    assert.deepEqual(handler.lastLines.get("p/side"), expected.map((l) => l.replace("l", "s")));
    assert.equal(handler.count, 2 * n);
  }
});

Deno.test("createLineHandler: count and lastLines are separate per handler", () => {
  const a = setup();
  const b = setup();
  a.handler.handle("p", "c", { text: "x" });
  assert.equal(a.handler.count, 1);
  assert.equal(b.handler.count, 0);
  assert.equal(b.handler.lastLines.size, 0);
});

Deno.test("createLineHandler: detectLevel adds the level a log line names; off by default", () => {
  const lines = ["ERROR could not connect", "[WARN] slow", "processed 10 rows"];
  const cases: Array<[boolean | undefined, Array<string | undefined>]> = [
    [true, ["error", "warning", undefined]],
    [false, [undefined, undefined, undefined]],
    [undefined, [undefined, undefined, undefined]],
  ];
  for (const [detectLevel, expected] of cases) {
    const { handler, events } = setup({ detectLevel });
    for (const text of lines) handler.handle("p", "c", { text });
    const levels = events.map((e) => e.type === "log" ? e.level : "not a log event");
    assert.deepEqual(levels, expected, `detectLevel ${detectLevel}`);
    for (const e of events) {
      if (e.type === "log" && e.level === undefined) assert.equal("level" in e, false);
    }
  }
});

Deno.test("createLineHandler: detectLevel leaves api events alone", () => {
  const { handler, events } = setup({ detectLevel: true });
  handler.handle("p", "c", { text: "::kube_api:ERROR=1" });
  assert.deepEqual(events.map((e) => e.type), ["api_event"]);
  assert.equal("level" in events[0], false);
});

Deno.test("createLineHandler: parseXcom false leaves xcom values raw, valid or not, and records no error", () => {
  const { handler, plain, xcom } = setup({ parseXcom: false });
  handler.handle("p", "main", { text: "::kube_api:xcom=a=1;b=2" });
  handler.handle("p", "main", { text: '::kube_api:xcom={"a":1}' });
  assert.deepEqual(plain(), [
    { type: "api_event", name: "xcom", value: "a=1;b=2", pod: "p", container: "main" },
    { type: "api_event", name: "xcom", value: '{"a":1}', pod: "p", container: "main" },
  ]);
  assert.equal(xcom.size, 0);
  assert.deepEqual(handler.errors, []);
});

Deno.test("createLineHandler: pieces of an over-long line are never events; a continuation starting with the marker is a log line", () => {
  const { handler, plain, xcom } = setup();
  handler.handle("p", "main", { text: "x".repeat(10), piece: "first" });
  handler.handle("p", "main", { text: '::kube_api:xcom={"injected":1}', piece: "continuation" });
  handler.handle("p", "main", { text: '::kube_api:xcom={"real":1}' });
  assert.deepEqual(plain(), [
    { type: "log", pod: "p", container: "main", line: "x".repeat(10) },
    { type: "log", pod: "p", container: "main", line: '::kube_api:xcom={"injected":1}' },
    {
      type: "api_event",
      name: "xcom",
      value: '{"real":1}',
      parsed: { real: 1 },
      pod: "p",
      container: "main",
    },
  ]);
  assert.deepEqual(xcom.toObject(), { real: 1 });
  assert.deepEqual(handler.errors, []);
});

Deno.test("createLineHandler: an event line cut at the line limit is an error naming pod/container, its pieces are not logged", () => {
  const { handler, plain, xcom } = setup();
  handler.handle("p", "main", { text: '::kube_api:xcom={"a":"', piece: "first" });
  handler.handle("p", "main", { text: "aaaa", piece: "continuation" });
  handler.handle("p", "main", { text: '"}', piece: "continuation" });
  handler.handle("p", "main", { text: "after" });
  assert.equal(xcom.size, 0);
  assert.deepEqual(handler.errors, [
    "p/main: ::kube_api: event line longer than 1048576 bytes (the longest line read whole); ignored",
  ]);
  assert.deepEqual(plain().map((e) => e.type === "log" ? e.line : e.type), ["info", "after"]);
});

Deno.test("createLineHandler: xcom caps on size and depth fail with the pod/container and the cap, raw values too", () => {
  for (const parseXcom of [true, false]) {
    const { handler, xcom, events } = setup({ parseXcom, xcomCaps: { maxBytes: 64, maxDepth: 3 } });
    handler.handle("p", "main", {
      text: `::kube_api:xcom={"a":${"[".repeat(2000)}${"]".repeat(2000)}}`,
    });
    handler.handle("p", "main", { text: `::kube_api:xcom={"big":"${"b".repeat(100)}"}` });
    handler.handle("p", "main", { text: '::kube_api:xcom={"ok":[[1]]}' });
    assert.deepEqual(handler.errors, [
      "p/main: xcom value is at least 4006 bytes, over the cap of 64 bytes (xcom max bytes)",
      "p/main: xcom value is at least 110 bytes, over the cap of 64 bytes (xcom max bytes)",
    ], `parseXcom ${parseXcom}`);
    assert.equal(events.filter((e) => e.type === "api_event").length, 1);
    assert.deepEqual(xcom.toObject(), parseXcom ? { ok: [[1]] } : {});
  }
  const { handler } = setup({ xcomCaps: { maxDepth: 3 } });
  handler.handle("p", "main", {
    text: `::kube_api:xcom={"a":${"[".repeat(2000)}${"]".repeat(2000)}}`,
  });
  handler.handle("p", "main", { text: '::kube_api:xcom={"a":[[[1]]]}' });
  assert.deepEqual(handler.errors, [
    "p/main: xcom value nests deeper than the cap of 3 levels (xcom max depth)",
    "p/main: xcom value nests deeper than the cap of 3 levels (xcom max depth)",
  ]);
});

Deno.test("createLineHandler: the total XCom cap of the collector fails the event that goes over it", () => {
  const events: RunEvent[] = [];
  const xcom = new XComCollector({ maxBytes: 20 });
  const handler = createLineHandler({
    emit: (e) => events.push(e),
    xcom,
    relayLogs: true,
    relayApiEventLines: false,
    keepLastLines: 5,
  });
  handler.handle("p", "main", { text: '::kube_api:xcom={"a":"12345"}' });
  handler.handle("p", "main", { text: '::kube_api:xcom={"b":"12345"}' });
  assert.deepEqual(xcom.toObject(), { a: "12345" });
  assert.deepEqual(handler.errors, [
    "p/main: xcom values would total 25 bytes, over the cap of 20 bytes (xcom max bytes)",
  ]);
  assert.equal(handler.xcomEvents, 1);
});

Deno.test("createLineHandler: isEventSource limits events to the containers it accepts; others' marker lines are log lines", () => {
  const { handler, plain, xcom } = setup({ isEventSource: (_pod, c) => c === "main" });
  handler.handle("p", "sidecar", { text: '::kube_api:xcom={"evil":1}' });
  handler.handle("p", "sidecar", { text: "::kube_api:xcom=[broken" });
  handler.handle("p", "main", { text: '::kube_api:xcom={"good":1}' });
  assert.deepEqual(xcom.toObject(), { good: 1 });
  assert.deepEqual(handler.errors, []);
  assert.deepEqual(plain().map((e) => e.type), ["log", "log", "api_event"]);
});

Deno.test("createLineHandler: invalid events: the first maxErrors are kept, the rest counted", () => {
  const { handler, events } = setup({ maxErrors: 3 });
  for (let i = 0; i < 1000; i++) handler.handle("p", "main", { text: `::kube_api:xcom=${i}` });
  assert.equal(handler.errors.length, 3);
  assert.match(handler.errors[0], /^p\/main: xcom value must be a JSON object, got a number$/);
  assert.equal(handler.errorCount, 1000);
  assert.deepEqual(handler.reportedErrors.slice(3), ["… and 997 more invalid ::kube_api: events"]);
  assert.equal(events.length, 1000, "each one is still reported as it comes");
});

Deno.test("createLineHandler: tails of finished containers: the last keepFailedTails failed and keepDoneTails others", () => {
  const { handler } = setup({ keepLastLines: 2, keepFailedTails: 2, keepDoneTails: 1 });
  for (let i = 0; i < 100; i++) {
    handler.handle(`pod-${i}`, "main", { text: `line of ${i}` });
    handler.containerDone(`pod-${i}`, "main", i % 10 === 0);
  }
  handler.handle("live", "main", { text: "still running" });
  assert.deepEqual([...handler.lastLines.keys()].sort(), [
    "live/main",
    "pod-80/main",
    "pod-90/main",
    "pod-99/main",
  ]);
  // A retired container that writes again (a restart) is live again.
  handler.handle("pod-99", "main", { text: "restarted" });
  for (let i = 100; i < 103; i++) {
    handler.handle(`pod-${i}`, "main", { text: "x" });
    handler.containerDone(`pod-${i}`, "main", false);
  }
  assert.ok(handler.lastLines.has("pod-99/main"));
  assert.deepEqual(handler.lastLines.get("pod-99/main"), ["line of 99", "restarted"]);
  assert.ok(handler.lastLines.has("pod-102/main") && !handler.lastLines.has("pod-101/main"));
});

Deno.test("createLineHandler: tail lines are kept cut to 1000 characters", () => {
  const { handler } = setup();
  handler.handle("p", "main", { text: "z".repeat(5000), piece: "first" });
  assert.equal(handler.lastLines.get("p/main")![0].length, 1000);
});
