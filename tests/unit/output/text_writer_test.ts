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
