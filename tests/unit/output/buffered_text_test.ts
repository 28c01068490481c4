import assert from "node:assert/strict";
import { BufferedText } from "../../../src/output/buffered_text.ts";
import { capture, tick } from "./_capture.ts";

Deno.test("BufferedText: batches writes of one task into one target write", async () => {
  const target = capture();
  const b = new BufferedText(target);
  for (let i = 0; i < 1000; i++) b.write(`line ${i}\n`);
  assert.equal(target.writes.length, 0);
  await tick();
  assert.equal(target.writes.length, 1);
  assert.equal(target.text().split("\n").length, 1001);
  b.write("after\n");
  b.close();
  assert.equal(target.writes.length, 2);
  b.write("ignored after close\n");
  await tick();
  assert.equal(target.writes.length, 2);
});

Deno.test("BufferedText: flushes when the buffer is full", () => {
  const target = capture();
  const b = new BufferedText(target, { maxBufferedChars: 10 });
  b.write("12345");
  b.write("67890");
  assert.equal(target.writes.length, 0);
  b.write("x");
  assert.deepEqual(target.writes, ["1234567890x"]);
  b.close();
});

Deno.test("BufferedText: delayMs uses a timer, cleared by close", async () => {
  const target = capture();
  const b = new BufferedText(target, { delayMs: 20 });
  b.write("a");
  await tick();
  assert.equal(target.writes.length, 0);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(target.writes, ["a"]);
  b.write("b");
  b.close(); // no timer left behind (the test sanitizer would complain)
  assert.deepEqual(target.writes, ["a", "b"]);
});

Deno.test("BufferedText: an error of a scheduled flush surfaces on the next call", async () => {
  let fail = true;
  const b = new BufferedText({
    write() {
      if (fail) throw new Error("disk full");
    },
  });
  b.write("a");
  await tick();
  fail = false;
  assert.throws(() => b.write("b"), /disk full/);
  b.close();
});
