import assert from "node:assert/strict";
import { stallGuard } from "../../../src/kube/_stall_guard.ts";

/** Resolves when `signal` aborts; rejects after `boundMs`. */
function aborted(signal: AbortSignal, boundMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve(signal.reason);
    const timer = setTimeout(() => reject(new Error(`not aborted within ${boundMs} ms`)), boundMs);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(signal.reason);
    }, { once: true });
  });
}

Deno.test("stallGuard: silence after arm() aborts the connection, marked stalled", async () => {
  const caller = new AbortController();
  const guard = stallGuard(caller.signal, 10, "watch");
  guard.arm();
  const reason = await aborted(guard.signal);
  assert.equal(guard.stalled, true);
  assert.equal((reason as Error).message, "watch silent for 10 ms");
  assert.equal(caller.signal.aborted, false, "the caller's signal is untouched");
  guard.dispose();
});

Deno.test("stallGuard: the caller's abort passes through with its reason, not as a stall", async () => {
  const caller = new AbortController();
  const guard = stallGuard(caller.signal, 60_000, "log stream");
  guard.arm();
  caller.abort("SIGTERM");
  assert.equal(await aborted(guard.signal), "SIGTERM");
  assert.equal(guard.stalled, false);
  guard.dispose();
});

Deno.test("stallGuard: dispose aborts the connection and stops the timer", async () => {
  const caller = new AbortController();
  const guard = stallGuard(caller.signal, 10, "watch");
  guard.arm();
  guard.dispose();
  assert.equal(guard.signal.aborted, true);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(guard.stalled, false, "no stall after dispose");
  caller.abort();
});
