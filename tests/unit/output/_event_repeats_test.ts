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

Deno.test("EventRepeats: remembers the shown count per key and forgets the oldest beyond maxKeys", () => {
  const repeats = new EventRepeats({ maxKeys: 2 });
  assert.equal(repeats.shown("a"), undefined);
  repeats.markShown("a", 1);
  repeats.markShown("b", 1);
  repeats.markShown("a", 4); // a is now the newest
  repeats.markShown("c", 1); // forgets b, the oldest
  assert.equal(repeats.shown("a"), 4);
  assert.equal(repeats.shown("b"), undefined);
  assert.equal(repeats.shown("c"), 1);
});
