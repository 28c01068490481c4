import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import {
  checkDepth,
  checkText,
  decodeText,
  INPUT_LIMITS,
  parseJsonLimited,
  parseYamlStream,
  parseYamlValue,
  readStreamLimited,
  readTextFileLimited,
} from "../../../src/body/safe_parse.ts";
import { loadBody } from "../../../src/body/load_body.ts";
import { parseSetValues } from "../../../src/body/parse_set_values.ts";

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"), error.message);
    return error.message;
  }
  throw new Error("expected an InputError");
}

Deno.test("checkDepth: up to maxDepth levels pass, one more names the field", () => {
  checkDepth(nested(INPUT_LIMITS.maxDepth), "v");
  assert.equal(
    errorOf(() => checkDepth({ a: { b: nested(INPUT_LIMITS.maxDepth) } }, "values")),
    "values: a.b.k[0].k[0].k[0]…: nested deeper than 100 levels",
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.match(errorOf(() => checkDepth(cyclic, "body")), /^body: self\.self.*nested deeper/);
});

Deno.test("parseYamlStream: a few aliases work, an alias bomb does not", () => {
  assert.deepEqual(parseYamlStream("a: &a [1]\nb: *a\nc: *a\n", "v"), [{
    a: [1],
    b: [1],
    c: [1],
  }]);
  let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (const [name, previous] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"]]) {
    bomb += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]\n`;
  }
  assert.equal(
    errorOf(() => parseYamlStream(bomb, "values file v.yaml", { multi: false })),
    "values file v.yaml: too many YAML alias expansions (at most 100; an alias bomb?)",
  );
  assert.equal(
    errorOf(() => parseYamlStream("a: 1\n---\nb: *nope\n", "body")),
    "body: YAML document 2: undefined YAML alias *nope",
  );
});

Deno.test("parseYamlStream: deep nesting (flow or block) is an error, not a crash", () => {
  const flow = "[".repeat(50_000) + "]".repeat(50_000);
  assert.match(errorOf(() => parseYamlStream(flow, "body")), /^body: YAML document 1: nested/);
  const block = "a:" + Array.from({ length: 120 }, (_, i) => `\n${" ".repeat(i + 1)}k:`).join("") +
    " 1\n";
  assert.match(
    errorOf(() => parseYamlStream(block, "body")),
    /^body: YAML document 1: a\.k\.k\.k.*…: nested deeper than 100 levels$/,
  );
});

Deno.test("parseYamlStream: size and document count", () => {
  assert.equal(
    errorOf(() => parseYamlStream("x".repeat(INPUT_LIMITS.maxBytes + 1), "stdin")),
    `stdin: larger than ${INPUT_LIMITS.maxBytes} characters (${INPUT_LIMITS.maxBytes + 1})`,
  );
  const many = Array(INPUT_LIMITS.maxDocuments + 1).fill("a: 1\n").join("---\n");
  assert.equal(
    errorOf(() => parseYamlStream(many, "body")),
    `body: holds ${
      INPUT_LIMITS.maxDocuments + 1
    } YAML documents, at most ${INPUT_LIMITS.maxDocuments}`,
  );
});

Deno.test("parseYamlValue: one document or none", () => {
  assert.equal(parseYamlValue("", "config file c.yaml"), null);
  assert.equal(parseYamlValue("# nothing\n", "config file c.yaml"), null);
  assert.deepEqual(parseYamlValue("a: 1\n", "config file c.yaml"), { a: 1 });
  assert.equal(
    errorOf(() => parseYamlValue("a: 1\n---\nb: 1\n", "config file c.yaml")),
    "config file c.yaml: holds 2 YAML documents, expected one",
  );
  assert.equal(
    errorOf(() => parseYamlValue("a: 1\na: 2\n", "config file c.yaml")),
    "config file c.yaml: line 2, column 1: Map keys must be unique",
  );
});

Deno.test("parseJsonLimited: invalid JSON is undefined; deep JSON and duplicate keys are errors", () => {
  assert.equal(parseJsonLimited("{a: 1}", "body"), undefined);
  assert.deepEqual(
    parseJsonLimited('{"a": {"k": 1}, "b": [{"k": 1}, {"k": "\\"k\\""}], "k\\"": 2, "k": 3}', "b"),
    { a: { k: 1 }, b: [{ k: 1 }, { k: '"k"' }], 'k"': 2, k: 3 },
  );
  assert.equal(
    errorOf(() => parseJsonLimited('{\n  "a": [{"x": 1, "y": 2, "x": 3}]\n}', "body")),
    'body: line 2, column 26: duplicate key "x"',
  );
  assert.equal(
    errorOf(() => parseJsonLimited('{"a\\u0062": 1, "ab": 2}', "body")),
    'body: line 1, column 16: duplicate key "ab"',
  );
  assert.match(
    errorOf(() => parseJsonLimited("[".repeat(200_000) + "]".repeat(200_000), "body")),
    /^body: (\[0\])+…: nested deeper than 100 levels$|^body: nested too deeply/,
  );
});

Deno.test("checkText: raw control characters are binary data, tabs and line ends are text", () => {
  checkText('a:\t1\r\nb: "\\u0000"\n', "stdin");
  assert.equal(
    errorOf(() => checkText("a: 1\nb: x\u007fy\n", "stdin")),
    "stdin: line 2, column 5: control character U+007F (binary data?)",
  );
  assert.equal(
    errorOf(() => parseYamlStream("\u0000\u0001", "body")),
    "body: line 1, column 1: control character U+0000 (binary data?)",
  );
  assert.equal(
    errorOf(() => parseJsonLimited('{"a": "\u001b"}', "body")),
    "body: line 1, column 8: control character U+001B (binary data?)",
  );
});

Deno.test("decodeText: UTF-8 only, a byte order mark is dropped", () => {
  const utf8 = new TextEncoder().encode("\ufeffkind: Pod");
  assert.equal(decodeText(utf8, "stdin"), "kind: Pod");
  assert.equal(
    errorOf(() => decodeText(new Uint8Array([0xff, 0xfe, 0x6b, 0x00]), "stdin")),
    "stdin: is UTF-16 text; kjo reads UTF-8",
  );
  assert.equal(
    errorOf(() => decodeText(new Uint8Array([0x6b, 0xc3, 0x28, 0x00, 0xff]), "stdin")),
    "stdin: is not UTF-8 text (binary data?)",
  );
});

Deno.test("readStreamLimited and readTextFileLimited stop after the limit", async () => {
  // An endless stream: reading must stop, not fill the memory.
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1024 * 1024).fill(0x61));
    },
  });
  await assert.rejects(
    () => readStreamLimited(endless, "stdin"),
    (e: Error) =>
      e instanceof InputError && e.message === `stdin: larger than ${INPUT_LIMITS.maxBytes} bytes`,
  );
  assert.ok(pulled <= INPUT_LIMITS.maxBytes / (1024 * 1024) + 3, `pulled ${pulled} chunks`);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ok.yaml`, "a: 1\n");
    assert.equal(await readTextFileLimited(`${dir}/ok.yaml`, "f"), "a: 1\n");
    await assert.rejects(() => readTextFileLimited(`${dir}/none.yaml`, "f"), Deno.errors.NotFound);
    await assert.rejects(() => readTextFileLimited(dir, "f"), Deno.errors.IsADirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadBody: a deep or cyclic object body is an error before it is copied", async () => {
  const cyclic: Record<string, unknown> = { kind: "ConfigMap" };
  cyclic.data = cyclic;
  await assert.rejects(
    () => loadBody({ body: cyclic }),
    (e: Error) => e instanceof InputError && /^body: data\.data.*nested deeper/.test(e.message),
  );
  await assert.rejects(
    () => loadBody({ body: [nested(5000) as Record<string, unknown>] }),
    (e: Error) => e instanceof InputError && /^body: \[0\].*nested deeper/.test(e.message),
  );
});

Deno.test("parseSetValues: oversize keys, paths and values", () => {
  assert.equal(
    errorOf(() => parseSetValues([`${"k".repeat(INPUT_LIMITS.maxSetKeyChars + 1)}=1`])),
    `--set "${"k".repeat(60)}…": key longer than ${INPUT_LIMITS.maxSetKeyChars} characters (${
      INPUT_LIMITS.maxSetKeyChars + 1
    })`,
  );
  assert.equal(
    errorOf(() => parseSetValues([`a=${"v".repeat(INPUT_LIMITS.maxSetValueChars + 1)}`])),
    `--set "a": value longer than ${INPUT_LIMITS.maxSetValueChars} characters (${
      INPUT_LIMITS.maxSetValueChars + 1
    })`,
  );
  const deep = Array(INPUT_LIMITS.maxDepth + 1).fill("a").join(".");
  assert.match(errorOf(() => parseSetValues([`${deep}=1`])), /key nested deeper than 100 levels/);
  const atLimit = Array(INPUT_LIMITS.maxDepth).fill("a").join(".");
  checkDepth(parseSetValues([`${atLimit}=1`]), "values");
});
