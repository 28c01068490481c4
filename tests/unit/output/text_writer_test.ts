import assert from "node:assert/strict";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { formatLogLine, TextWriter } from "../../../src/output/text_writer.ts";
import { capture, tick } from "./_capture.ts";

const T = "2026-11-29T10:00:01.000Z";

function setup(options: Partial<ConstructorParameters<typeof TextWriter>[0]> = {}) {
  const stdout = capture();
  const stderr = capture();
  const writer = new TextWriter({ stdout, stderr, ...options });
  return { stdout, stderr, writer };
}

const log = (pod: string, line: string, ts?: string): RunEvent => ({
  type: "log",
  time: T,
  pod,
  container: "main",
  line,
  ...(ts ? { ts } : {}),
});

Deno.test("TextWriter: every event type, plain", () => {
  const { stdout, stderr, writer } = setup();
  const events: RunEvent[] = [
    { type: "info", time: T, level: "info", message: "applied Job/build-x1y2 in default" },
    { type: "info", time: T, level: "debug", message: "watch resumed" },
    { type: "status", time: T, resource: "Job/build-x1y2", state: "Running" },
    log("build-x1y2-8kq2d", "hello", "2026-11-29T10:00:00.123456789Z"),
    {
      type: "api_event",
      time: T,
      name: "xcom",
      value: '{"a":2}',
      parsed: { a: 2 },
      pod: "build-x1y2-8kq2d",
      container: "main",
    },
    {
      type: "k8s_event",
      time: T,
      object: "Pod/build-x1y2-8kq2d",
      eventType: "Warning",
      reason: "BackOff",
      message: "Back-off restarting failed container",
      count: 3,
    },
    {
      type: "info",
      time: T,
      level: "warning",
      message: "xcom value must be a JSON object, got an array",
    },
    {
      type: "status",
      time: T,
      resource: "Job/build-x1y2",
      state: "Failed",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
    },
    {
      type: "result",
      time: T,
      state: "Failed",
      exitCode: 1,
      reason: "BackoffLimitExceeded",
      summary: ["Pod/build-x1y2-8kq2d: Failed", "  main: terminated, exit code 3 (Error)"],
      xcom: { a: 2 },
      resources: ["Job/build-x1y2"],
    },
  ];
  for (const e of events) writer.write(e);
  writer.close();
  assert.equal(stdout.text(), "build-x1y2-8kq2d/main | hello\n");
  assert.equal(
    stderr.text(),
    [
      "[kjo] applied Job/build-x1y2 in default",
      "[kjo] Job/build-x1y2: Running",
      "[kjo] event Pod/build-x1y2-8kq2d Warning BackOff: Back-off restarting failed container (x3)",
      "[kjo] warning: xcom value must be a JSON object, got an array",
      "[kjo] Job/build-x1y2: Failed (BackoffLimitExceeded: Job has reached the specified backoff limit)",
      "[kjo] Failed: Job/build-x1y2 (BackoffLimitExceeded), exit code 1",
      "[kjo]   Pod/build-x1y2-8kq2d: Failed",
      "[kjo]     main: terminated, exit code 3 (Error)",
      '[kjo] xcom: {"a":2}',
      "",
    ].join("\n"),
  );
});

Deno.test("TextWriter: timestamps, api events, debug, custom prefix", () => {
  const { stdout, stderr, writer } = setup({
    timestamps: true,
    apiEvents: true,
    debug: true,
    prefix: "kjo:",
  });
  writer.write(log("p", "hello", "2026-11-29T10:00:00.123456789Z"));
  writer.write(log("p", "no ts"));
  writer.write({
    type: "api_event",
    time: T,
    name: "progress",
    value: "50%",
    pod: "p",
    container: "main",
  });
  writer.write({ type: "info", time: T, level: "debug", message: "watch resumed" });
  writer.write({
    type: "result",
    time: T,
    state: "Succeeded",
    exitCode: 0,
    xcom: {},
    resources: [],
  });
  writer.close();
  assert.equal(
    stdout.text(),
    "p/main | 2026-11-29T10:00:00.123456789Z hello\np/main | no ts\np/main | ::kube_api:progress=50%\n",
  );
  assert.equal(stderr.text(), "kjo: debug: watch resumed\nkjo: Succeeded, exit code 0\n");
});

Deno.test("TextWriter: colour on a TTY, stable per pod", () => {
  const { stdout, stderr, writer } = setup({ color: { stdout: true, stderr: false } });
  writer.write(log("pod-a", "one"));
  writer.write(log("pod-a", "two"));
  writer.write({ type: "status", time: T, resource: "Pod/pod-a", state: "Running" });
  writer.close();
  const [one, two] = stdout.text().split("\n");
  const esc = "\x1b";
  assert.match(
    one,
    new RegExp(`^${esc}\\[9\\dmpod-a${esc}\\[0m/${esc}\\[3\\dmmain${esc}\\[0m \\| one$`),
  );
  assert.equal(one.replace(" one", ""), two.replace(" two", ""));
  assert.equal(stderr.text(), "[kjo] Pod/pod-a: Running\n");
  assert.equal(formatLogLine({ pod: "p", container: "c", line: "x" }), "p/c | x");
});

Deno.test("TextWriter: coloured stderr marks states and warnings", () => {
  const { stderr, writer } = setup({ color: true });
  writer.write({ type: "status", time: T, resource: "Job/j", state: "Failed" });
  writer.write({
    type: "k8s_event",
    time: T,
    object: "Pod/p",
    eventType: "Warning",
    reason: "Failed",
    message: "x",
  });
  writer.close();
  assert.equal(
    stderr.text(),
    "\x1b[2m[kjo]\x1b[0m Job/j: \x1b[31mFailed\x1b[0m\n" +
      "\x1b[2m[kjo]\x1b[0m event Pod/p \x1b[33mWarning\x1b[0m Failed: x\n",
  );
});

Deno.test("TextWriter: batches writes and keeps stdout/stderr order", async () => {
  const order: string[] = [];
  const stdout = { write: (t: string) => void order.push(`out:${t}`) };
  const stderr = { write: (t: string) => void order.push(`err:${t}`) };
  const writer = new TextWriter({ stdout, stderr });
  for (let i = 0; i < 3; i++) writer.write(log("p", `a${i}`));
  writer.write({ type: "status", time: T, resource: "Pod/p", state: "Running" });
  writer.write(log("p", "b"));
  await tick();
  assert.deepEqual(order, [
    "out:p/main | a0\np/main | a1\np/main | a2\n",
    "err:[kjo] Pod/p: Running\n",
    "out:p/main | b\n",
  ]);
  writer.close();
});

const k8sEvent = (
  reason: string,
  count?: number,
  options: { eventType?: string; message?: string; object?: string } = {},
): RunEvent => ({
  type: "k8s_event",
  time: T,
  object: options.object ?? "Pod/p",
  eventType: options.eventType ?? "Warning",
  reason,
  message: options.message ?? `${reason} message`,
  ...(count === undefined ? {} : { count }),
});

const normalEvents = ["Scheduled", "Pulled", "Created", "Started"].map((reason) =>
  k8sEvent(reason, undefined, { eventType: "Normal" })
);

Deno.test("TextWriter: events shows Warning events by default, Normal ones with all, none with none", () => {
  const shown = (events?: "all" | "warnings" | "none") => {
    const { stderr, writer } = setup(events ? { events } : {});
    for (const e of [...normalEvents, k8sEvent("BackOff")]) writer.write(e);
    writer.close();
    return stderr.text().split("\n").filter((l) => l !== "").map((l) => l.split(" ")[4]);
  };
  assert.deepEqual(shown(), ["BackOff:"]);
  assert.deepEqual(shown("warnings"), ["BackOff:"]);
  assert.deepEqual(shown("all"), ["Scheduled:", "Pulled:", "Created:", "Started:", "BackOff:"]);
  assert.deepEqual(shown("none"), []);
});

Deno.test("TextWriter: not on a terminal, a repeated event prints at counts 1, 2, 4, 8 (not 3, 5-7, 9)", () => {
  const { stderr, writer } = setup();
  for (let count = 1; count <= 9; count++) writer.write(k8sEvent("FailedMount", count));
  writer.write(k8sEvent("FailedMount", 1)); // another Event object, same text: the 10th, folded
  writer.write(k8sEvent("FailedMount", 1, { object: "Pod/q" })); // another object: its own event
  writer.close();
  assert.equal(
    stderr.text(),
    [
      "[kjo] event Pod/p Warning FailedMount: FailedMount message",
      "[kjo] event Pod/p Warning FailedMount: FailedMount message (x2)",
      "[kjo] event Pod/p Warning FailedMount: FailedMount message (x4)",
      "[kjo] event Pod/p Warning FailedMount: FailedMount message (x8)",
      "[kjo] event Pod/q Warning FailedMount: FailedMount message",
      "",
    ].join("\n"),
  );
});

/** A captured stream that says it is a terminal `columns` wide. */
function terminal(columns?: number) {
  return { ...capture(), terminal: () => (columns === undefined ? {} : { columns }) };
}

Deno.test("TextWriter: on a terminal, a repeat replaces its line in place while it is the last line", () => {
  const stdout = capture();
  const stderr = terminal(200);
  const writer = new TextWriter({ stdout, stderr });
  const up = "\r\x1b[1A\x1b[J";
  const line = (count: number) =>
    `[kjo] event Pod/p Warning BackOff: BackOff message${count > 1 ? ` (x${count})` : ""}\n`;
  writer.write(k8sEvent("BackOff", 1));
  writer.write(k8sEvent("BackOff", 2));
  writer.write(k8sEvent("BackOff", 3));
  writer.flush();
  assert.equal(stderr.text(), line(1) + up + line(2) + up + line(3));
  // A log line in between: the event's line is no longer last; a repeat is a
  // new line at a power of two (4), and replaces that line afterwards (5).
  writer.write(log("p", "working"));
  writer.write(k8sEvent("BackOff", 4));
  writer.write(k8sEvent("BackOff", 5));
  writer.write(log("p", "still working"));
  writer.write(k8sEvent("BackOff", 6)); // neither last nor a power of two: folded
  writer.close();
  assert.equal(stderr.text(), line(1) + up + line(2) + up + line(3) + line(4) + up + line(5));
  assert.equal(stdout.text(), "p/main | working\np/main | still working\n");
});

Deno.test("TextWriter: an in-place update moves up over every row of a wrapped line", () => {
  const stderr = terminal(20);
  const writer = new TextWriter({ stdout: capture(), stderr, color: true });
  // "[kjo] event Pod/p Warning FailedMount: FailedMount message" is 58 characters
  // without colour codes: 3 rows of 20.
  writer.write(k8sEvent("FailedMount", 1));
  writer.write(k8sEvent("FailedMount", 2));
  writer.close();
  const [, second] = stderr.text().split("\n");
  assert.ok(second.startsWith("\r\x1b[3A\x1b[J"), JSON.stringify(second));
});

Deno.test("TextWriter: an event whose text holds control characters is not updated in place", () => {
  const stderr = terminal(200);
  const writer = new TextWriter({ stdout: capture(), stderr });
  for (let count = 1; count <= 3; count++) {
    writer.write(k8sEvent("Failed", count, { message: "line one\nline two" }));
  }
  writer.close();
  assert.ok(!stderr.text().includes("\x1b["), JSON.stringify(stderr.text()));
  assert.equal(stderr.text().split("[kjo]").length - 1, 2, "counts 1 and 2 only");
});

Deno.test("TextWriter: two Event objects with the same text are one event seen twice", () => {
  const { stderr, writer } = setup({ events: "all" });
  const pulled = () =>
    k8sEvent("Pulled", undefined, { eventType: "Normal", message: "pulled busybox" });
  writer.write(pulled()); // the init container's image
  writer.write(pulled()); // the main container's, a separate Event object
  writer.close();
  assert.equal(
    stderr.text(),
    "[kjo] event Pod/p Normal Pulled: pulled busybox\n" +
      "[kjo] event Pod/p Normal Pulled: pulled busybox (x2)\n",
  );
});
