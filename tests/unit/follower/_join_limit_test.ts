import assert from "node:assert/strict";
import { JoinLimit } from "../../../src/follower/_join_limit.ts";

Deno.test("JoinLimit: at most `slots` holders; a release passes the slot to the first waiter", async () => {
  const limit = new JoinLimit(2);
  const first = await limit.acquire();
  const second = await limit.acquire();
  const order: string[] = [];
  const third = limit.acquire().then((release) => (order.push("third"), release));
  const fourth = limit.acquire().then((release) => (order.push("fourth"), release));
  await Promise.resolve();
  assert.equal(limit.waiting, 2);
  assert.deepEqual(order, []);
  first!();
  first!(); // a second call releases nothing more
  const thirdRelease = await third;
  assert.deepEqual(order, ["third"]);
  assert.equal(limit.waiting, 1);
  second!();
  (await fourth)!();
  thirdRelease!();
  assert.deepEqual(order, ["third", "fourth"]);
  // Both slots are free again.
  const a = await limit.acquire();
  const b = await limit.acquire();
  assert.ok(a && b);
});

Deno.test("JoinLimit: a waiter whose signal aborts gets undefined and leaves the queue", async () => {
  const limit = new JoinLimit(1);
  const held = await limit.acquire();
  const stop = new AbortController();
  const waiting = limit.acquire(stop.signal);
  assert.equal(limit.waiting, 1);
  stop.abort("detach");
  assert.equal(await waiting, undefined);
  assert.equal(limit.waiting, 0);
  assert.equal(await limit.acquire(AbortSignal.abort()), undefined);
  held!();
  assert.ok(await limit.acquire(), "the slot went back, not to the aborted waiter");
});
