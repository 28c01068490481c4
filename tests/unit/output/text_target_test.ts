import assert from "node:assert/strict";
import { fileTarget } from "../../../src/output/text_target.ts";

Deno.test("fileTarget: writes all bytes through partial writes", () => {
  const got: number[] = [];
  const target = fileTarget({
    writeSync(p: Uint8Array) {
      const n = Math.min(3, p.length);
      got.push(...p.subarray(0, n));
      return n;
    },
  });
  target.write("héllo wörld\n");
  assert.equal(new TextDecoder().decode(new Uint8Array(got)), "héllo wörld\n");
});

Deno.test("fileTarget: a broken pipe ends output quietly; other errors throw", () => {
  let calls = 0;
  const broken = fileTarget({
    writeSync() {
      calls++;
      throw new Deno.errors.BrokenPipe("closed");
    },
  });
  broken.write("a");
  broken.write("b");
  assert.equal(calls, 1);
  const failing = fileTarget({
    writeSync() {
      throw new Error("EIO");
    },
  });
  assert.throws(() => failing.write("a"), /EIO/);
});
