import assert from "node:assert/strict";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { attach } from "../../../src/runner/attach.ts";
import { unreachableKubeConfig } from "./_unreachable.ts";

Deno.test("attach: an already aborted signal ends Interrupted before asking the cluster anything", async () => {
  for (const [reason, exitCode] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    const controller = new AbortController();
    controller.abort(reason);
    const events: RunEvent[] = [];
    const result = await attach({
      runId: "r1",
      kubeConfig: unreachableKubeConfig(),
      signal: controller.signal,
      onEvent: (event) => events.push(event),
    });
    assert.equal(result.state, "Interrupted", reason);
    assert.equal(result.exitCode, exitCode, reason);
    assert.equal(result.runId, "r1");
    assert.equal(result.namespace, "jobs", "the context's namespace");
    assert.deepEqual(result.resources, []);
    assert.deepEqual(events.map((e) => e.type), ["result"], reason);
  }
});
