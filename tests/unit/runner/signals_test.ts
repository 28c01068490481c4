import assert from "node:assert/strict";
import { ExitCode } from "../../../src/errors.ts";
import {
  exitCodeForSignal,
  type StopSignal,
  trapStopSignals,
} from "../../../src/runner/signals.ts";

Deno.test("exitCodeForSignal: 130 for SIGINT, 143 for SIGTERM", () => {
  const cases: Array<[StopSignal, number]> = [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ];
  for (const [signal, code] of cases) assert.equal(exitCodeForSignal(signal), code, signal);
  assert.equal(exitCodeForSignal("SIGINT"), ExitCode.Interrupted);
  assert.equal(exitCodeForSignal("SIGTERM"), ExitCode.Terminated);
});

Deno.test("trapStopSignals: SIGTERM aborts the controller with the signal name; dispose removes the listeners", async () => {
  // Record the listeners trapStopSignals adds and removes (still really adding them).
  const added: Array<[string, () => void]> = [];
  const removed: Array<[string, () => void]> = [];
  const { addSignalListener, removeSignalListener } = Deno;
  Deno.addSignalListener = (signal, handler) => {
    added.push([signal, handler]);
    addSignalListener(signal, handler);
  };
  Deno.removeSignalListener = (signal, handler) => {
    removed.push([signal, handler]);
    removeSignalListener(signal, handler);
  };
  const controller = new AbortController();
  let dispose: (() => void) | undefined;
  try {
    dispose = trapStopSignals(controller);
    assert.deepEqual(added.map(([signal]) => signal).sort(), ["SIGINT", "SIGTERM"]);
    const aborted = new Promise<void>((resolve) =>
      controller.signal.addEventListener("abort", () => resolve(), { once: true })
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no abort within 5 s")), 5_000);
    });
    Deno.kill(Deno.pid, "SIGTERM");
    await Promise.race([aborted, timeout]).finally(() => clearTimeout(timer));
    assert.equal(controller.signal.reason, "SIGTERM");
    assert.deepEqual(removed, [], "listeners stay until dispose");
    dispose();
    dispose = undefined;
    assert.deepEqual(removed, added, "dispose removes exactly the listeners it added");
  } finally {
    dispose?.();
    Deno.addSignalListener = addSignalListener;
    Deno.removeSignalListener = removeSignalListener;
  }
});
