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

Deno.test("fileTarget.terminal: a terminal unless the file is not one or TERM is dumb", () => {
  const file = (tty: boolean) => ({
    writeSync: (p: Uint8Array) => p.length,
    isTerminal: () => tty,
  });
  const term = Deno.env.get("TERM");
  try {
    Deno.env.set("TERM", "xterm-256color");
    const info = fileTarget(file(true)).terminal?.();
    assert.ok(info !== undefined, "a terminal");
    assert.ok(info.columns === undefined || info.columns > 0, JSON.stringify(info));
    assert.equal(fileTarget(file(false)).terminal?.(), undefined);
    assert.equal(fileTarget({ writeSync: (p: Uint8Array) => p.length }).terminal?.(), undefined);
    Deno.env.set("TERM", "dumb");
    assert.equal(fileTarget(file(true)).terminal?.(), undefined);
  } finally {
    if (term === undefined) Deno.env.delete("TERM");
    else Deno.env.set("TERM", term);
  }
});
