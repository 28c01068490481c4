import assert from "node:assert/strict";
import { EventRepeats, isRepeatMilestone } from "../../../src/output/_event_repeats.ts";

Deno.test("isRepeatMilestone: counts 2 to 100 seen one by one print at the powers of two", () => {
  let shown = 1;
  const printed: number[] = [];
  for (let count = 2; count <= 100; count++) {
    if (isRepeatMilestone(shown, count)) {
      printed.push(count);
      shown = count;
    }
  }
  assert.deepEqual(printed, [2, 4, 8, 16, 32, 64]);
});

Deno.test("isRepeatMilestone: a count that jumps past a power of two prints; within one it does not", () => {
  assert.equal(isRepeatMilestone(4, 9), true);
  assert.equal(isRepeatMilestone(3, 7), true, "4 was passed");
  assert.equal(isRepeatMilestone(5, 7), false);
  assert.equal(isRepeatMilestone(1, 1), false);
});

Deno.test("EventRepeats: totals grow with Kubernetes' count, and by one for another Event object with the same text", () => {
  const repeats = new EventRepeats();
  assert.deepEqual(repeats.see("a", 1), { total: 1, shown: undefined });
  repeats.markShown("a", 1);
  assert.deepEqual(repeats.see("a", 3), { total: 3, shown: 1 });
  assert.deepEqual(repeats.see("a", 1), { total: 4, shown: 1 }, "another Event object");
  repeats.markShown("a", 4);
  assert.deepEqual(repeats.see("a", 9), { total: 9, shown: 4 });
  assert.deepEqual(repeats.see("b", 5), { total: 5, shown: undefined }, "first seen at count 5");
});

Deno.test("EventRepeats: forgets the least recently seen event beyond maxKeys", () => {
  const repeats = new EventRepeats({ maxKeys: 2 });
  repeats.see("a", 1);
  repeats.markShown("a", 1);
  repeats.see("b", 1);
  repeats.see("a", 2); // a is now the most recent
  repeats.see("c", 1); // forgets b
  assert.deepEqual(repeats.see("a", 3), { total: 3, shown: 1 });
  assert.deepEqual(repeats.see("b", 1), { total: 1, shown: undefined }, "b was forgotten");
});
