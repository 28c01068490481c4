import assert from "node:assert/strict";
import { LineSplitter, splitLines } from "../../../src/logs/line_splitter.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function feed(chunks: Array<string | Uint8Array>, max?: number): string[] {
  const s = new LineSplitter({ maxLineLength: max });
  return [...chunks.flatMap((c) => s.push(c)), ...s.flush()];
}

Deno.test("LineSplitter: LF, CRLF, empty lines, trailing partial line", () => {
  assert.deepEqual(feed(["a\nb\r\n\nc"]), ["a", "b", "", "c"]);
  assert.deepEqual(feed(["a\n"]), ["a"]);
  assert.deepEqual(feed([""]), []);
  assert.deepEqual(feed(["\n"]), [""]);
  assert.deepEqual(feed(["x\r"]), ["x"]);
});

Deno.test("LineSplitter: CRLF split across chunks; lone CR kept", () => {
  assert.deepEqual(feed(["a\r", "\nb"]), ["a", "b"]);
  assert.deepEqual(feed(["10%\r50%\r100%\n"]), ["10%\r50%\r100%"]);
});

Deno.test("LineSplitter: partial lines across many chunks", () => {
  assert.deepEqual(feed(["he", "ll", "o\nwor", "ld\n"]), ["hello", "world"]);
  const s = new LineSplitter();
  assert.deepEqual(s.push("abc"), []);
  assert.deepEqual(s.push("def\ng"), ["abcdef"]);
  assert.deepEqual(s.flush(), ["g"]);
  assert.deepEqual(s.flush(), []);
});

Deno.test("LineSplitter: UTF-8 split across byte chunks, every split point", () => {
  const text = "héllo → 世界 🎉\nnext ü\n";
  const bytes = enc(text);
  for (let i = 0; i <= bytes.length; i++) {
    for (const j of [i, Math.min(bytes.length, i + 1), Math.min(bytes.length, i + 3)]) {
      const got = feed([bytes.slice(0, i), bytes.slice(i, j), bytes.slice(j)]);
      assert.deepEqual(got, ["héllo → 世界 🎉", "next ü"], `split at ${i},${j}`);
    }
  }
});

Deno.test("LineSplitter: invalid UTF-8 becomes U+FFFD; bytes then strings mix", () => {
  assert.deepEqual(feed([new Uint8Array([0x61, 0xff, 0x0a])]), ["a\ufffd"]);
  // An incomplete character before a string chunk is flushed as U+FFFD.
  assert.deepEqual(feed([new Uint8Array([0x61, 0xe4]), "b\n"]), ["a\ufffdb"]);
  assert.deepEqual(feed([new Uint8Array([0xe4, 0xb8])]), ["\ufffd"]);
});

Deno.test("LineSplitter: lines longer than the cap are split, memory bounded", () => {
  assert.deepEqual(feed(["abcdefgh\nxy\n"], 3), ["abc", "def", "gh", "xy"]);
  assert.deepEqual(feed(["abc", "def", "g"], 3), ["abc", "def", "g"]);
  assert.deepEqual(feed(["abc\n"], 3), ["abc"]);
  assert.deepEqual(feed(["abc\r\n"], 3), ["abc"]);
  // No surrogate pair is split.
  assert.deepEqual(feed(["ab🎉cd\n"], 3), ["ab", "🎉c", "d"]);
  // A stream with no newline never holds more than the cap.
  const s = new LineSplitter({ maxLineLength: 1000 });
  let emitted = 0;
  for (let i = 0; i < 1000; i++) emitted += s.push("x".repeat(999)).length;
  // 999,000 characters: 998 full pieces, 1,000 still pending (never more than the cap).
  assert.equal(emitted, 998);
  assert.deepEqual(s.flush().map((l) => l.length), [1000]);
  assert.throws(() => new LineSplitter({ maxLineLength: 1 }), RangeError);
});

Deno.test("splitLines: async iterable", async () => {
  async function* source() {
    yield enc("a\nb");
    yield "c\r\n";
    yield enc("d");
  }
  const lines: string[] = [];
  for await (const line of splitLines(source())) lines.push(line);
  assert.deepEqual(lines, ["a", "bc", "d"]);
});
