import assert from "node:assert/strict";
import { ExitCode } from "../../../src/errors.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { runEvents } from "../../../src/runner/run_events.ts";
import { unreachableKubeConfig } from "./_unreachable.ts";

async function collect(stream: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

Deno.test("runEvents: bad input yields the Error result (exit 2) last, and `result` resolves with it", async () => {
  const seen: RunEvent[] = [];
  const stream = runEvents({
    source: { body: "apiVersion: v1\nkind: Pod\nspec: [\n" },
    kubeConfig: unreachableKubeConfig(),
    runId: "testrun00003",
    onEvent: (e) => seen.push(e),
  });
  const events = await collect(stream);
  const result = await stream.result;
  assert.equal(events.at(-1), result);
  assert.equal(result.type, "result");
  assert.equal(result.state, "Error");
  assert.equal(result.exitCode, ExitCode.BadInput);
  assert.match(result.message ?? "", /^body: YAML document 1: line \d+/);
  assert.equal(result.runId, "testrun00003");
  assert.deepEqual(seen, events, "the caller's onEvent gets the same events");
});

Deno.test("runEvents: events are buffered until read, also after the run ended", async () => {
  const controller = new AbortController();
  controller.abort("SIGINT");
  const stream = runEvents({
    source: { image: "busybox" },
    kubeConfig: unreachableKubeConfig(),
    signal: controller.signal,
  });
  const result = await stream.result; // the run is over before anyone reads
  assert.equal(result.state, "Interrupted");
  assert.equal(result.exitCode, ExitCode.Interrupted);
  const events = await collect(stream);
  assert.deepEqual(events, [result]);
});

Deno.test("runEvents: the iteration ends after the result", async () => {
  const stream = runEvents({ source: { body: "kind: [" }, kubeConfig: unreachableKubeConfig() });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  assert.equal((first.value as RunEvent).type, "result");
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
});
