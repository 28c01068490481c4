import assert from "node:assert/strict";
import { LineSplitter } from "../../../src/kube/_line_splitter.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("LineSplitter: lines across chunks, UTF-8 split inside a character, CRLF", () => {
  const splitter = new LineSplitter();
  const all = bytes("a€b\r\nsecond\nthi");
  const texts: string[] = [];
  for (let i = 0; i < all.length; i++) {
    for (const piece of splitter.push(all.subarray(i, i + 1))) texts.push(piece.text);
  }
  assert.deepEqual(texts, ["a€b", "second"]);
  assert.equal(splitter.pendingBytes, 3);
  assert.deepEqual(splitter.flush(), { text: "thi", continuation: false, truncated: false });
  assert.equal(splitter.flush(), undefined);
});

Deno.test("LineSplitter: over-long lines are cut at character boundaries, the same for any chunking", () => {
  const line = "ab€€€€cd\nnext\n";
  const cut = (chunkSize: number) => {
    const splitter = new LineSplitter(5);
    const all = bytes(line);
    const out: string[] = [];
    for (let i = 0; i < all.length; i += chunkSize) {
      for (const p of splitter.push(all.subarray(i, i + chunkSize))) {
        out.push(`${p.continuation ? "+" : ""}${p.text}`);
      }
    }
    return out;
  };
  const expected = ["ab€", "+€", "+€", "+€cd", "next"];
  for (const size of [1, 2, 3, 7, 100]) assert.deepEqual(cut(size), expected, `chunk size ${size}`);
});

Deno.test("LineSplitter: a prefix (timestamp) does not count against the first piece", () => {
  const splitter = new LineSplitter(4, { prefixed: true });
  const out = splitter.push(bytes("2026-01-01T00:00:00Z abcdefghij\n")).map((p) => p.text);
  assert.deepEqual(out, ["2026-01-01T00:00:00Z abcd", "efgh", "ij"]);
});

Deno.test("LineSplitter: pieces of a cut line say whether they continue one and whether one goes on", () => {
  const splitter = new LineSplitter(4);
  const pieces = splitter.push(bytes("abcdefghij\nwhole\nxyzw\n"));
  assert.deepEqual(pieces, [
    { text: "abcd", continuation: false, truncated: true },
    { text: "efgh", continuation: true, truncated: true },
    { text: "ij", continuation: true, truncated: false },
    { text: "whol", continuation: false, truncated: true },
    { text: "e", continuation: true, truncated: false },
    { text: "xyzw", continuation: false, truncated: false },
  ]);
  // An unterminated rest after a cut is the last continuation piece.
  splitter.push(bytes("1234567"));
  assert.deepEqual(splitter.flush(), { text: "567", continuation: true, truncated: false });
});
