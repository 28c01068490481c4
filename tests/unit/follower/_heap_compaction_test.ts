import assert from "node:assert/strict";
import { HeapCompaction } from "../../../src/follower/_heap_compaction.ts";

Deno.test("HeapCompaction: collects after `every` joins, and at a burst's end after `atBurstEnd`", () => {
  const compaction = new HeapCompaction({ every: 3, atBurstEnd: 2 });
  compaction.joined(false);
  compaction.joined(false);
  assert.equal(compaction.collections, 0);
  compaction.joined(false); // the third join in a row
  assert.equal(compaction.collections, 1);
  compaction.joined(true); // the burst ends after one join: too few to bother
  assert.equal(compaction.collections, 1);
  compaction.joined(true);
  assert.equal(compaction.collections, 2);
});

Deno.test("HeapCompaction: a collection frees the garbage of a burst at once", () => {
  const compaction = new HeapCompaction({ every: 1, atBurstEnd: 1 });
  compaction.joined(true);
  const before = Deno.memoryUsage().heapUsed;
  let garbage: unknown[] | undefined = Array.from(
    { length: 300_000 },
    (_, i) => ({ i, s: `x${i}` }),
  );
  assert.ok(Deno.memoryUsage().heapUsed > before + 10_000_000, "the garbage was made");
  garbage = undefined;
  compaction.joined(true);
  assert.equal(garbage, undefined);
  assert.ok(
    Deno.memoryUsage().heapUsed < before + 5_000_000,
    `heap after: ${Deno.memoryUsage().heapUsed - before} bytes above before`,
  );
});
