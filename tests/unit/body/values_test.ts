import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { loadValuesFile } from "../../../src/body/load_values_file.ts";
import { mergeValues } from "../../../src/body/merge_values.ts";
import { parseSetValues } from "../../../src/body/parse_set_values.ts";

Deno.test("parseSetValues: nested keys and Helm typing", () => {
  assert.deepEqual(parseSetValues(["a.b=1", "c=x"]), { a: { b: 1 }, c: "x" });
  assert.deepEqual(
    parseSetValues([
      "t=true",
      "f=false",
      "n=null",
      "neg=-3",
      "float=1.5",
      "zero=0",
      "lead=007",
      "empty=",
      "big=12345678901234567890",
    ]),
    {
      t: true,
      f: false,
      n: null,
      neg: -3,
      float: "1.5",
      zero: 0,
      lead: "007",
      empty: "",
      big: "12345678901234567890",
    },
  );
});

Deno.test("parseSetValues: several pairs, lists, indexes and escapes", () => {
  assert.deepEqual(parseSetValues(["a=1,b=2"]), { a: 1, b: 2 });
  assert.deepEqual(parseSetValues(["list={x,2,true}", "e={}"]), { list: ["x", 2, true], e: [] });
  assert.deepEqual(parseSetValues(["arr[1]=b", "arr[0]=a", "objs[0].name=n"]), {
    arr: ["a", "b"],
    objs: [{ name: "n" }],
  });
  assert.deepEqual(parseSetValues(["m[2]=z"]), { m: [null, null, "z"] });
  assert.deepEqual(parseSetValues(["a\\.b=1", "msg=hello\\, world", "eq=a=b"]), {
    "a.b": 1,
    msg: "hello, world",
    eq: "a=b",
  });
  assert.deepEqual(parseSetValues(["a.b=1", "a.c=2", "a.b=3"]), { a: { b: 3, c: 2 } });
  assert.deepEqual(parseSetValues(["a=1", "a.b=2"]), { a: { b: 2 } });
});

Deno.test("parseSetValues: errors", () => {
  assert.throws(
    () => parseSetValues(["novalue"]),
    (e: Error) => e instanceof InputError && e.message === `--set "novalue": expected key=value`,
  );
  assert.throws(() => parseSetValues(["=x"]), /--set "=x": empty key/);
  assert.throws(() => parseSetValues(["a..b=x"]), /bad key segment ""/);
  assert.throws(
    () => parseSetValues(["a[x]=1"]),
    /list index must be an integer from 0 to 9999, got "x"/,
  );
  assert.throws(() => parseSetValues(["a[100000]=1"]), /list index must be an integer/);
});

Deno.test("mergeValues: deep merge; lists and scalars replace", () => {
  const base = { a: { b: 1, c: 2 }, l: [1], s: "x" };
  const merged = mergeValues(base, { a: { c: 3, d: 4 }, l: [2], s: null });
  assert.deepEqual(merged, { a: { b: 1, c: 3, d: 4 }, l: [2], s: null });
  assert.deepEqual(base, { a: { b: 1, c: 2 }, l: [1], s: "x" });
});

Deno.test("loadValuesFile: YAML, JSON and empty files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/v.yaml`, "image: busybox\nnested:\n  n: 1\n");
    await Deno.writeTextFile(`${dir}/v.json`, '{"a": [1, 2]}');
    await Deno.writeTextFile(`${dir}/empty.yaml`, "# nothing\n");
    assert.deepEqual(await loadValuesFile(`${dir}/v.yaml`), { image: "busybox", nested: { n: 1 } });
    assert.deepEqual(await loadValuesFile(`${dir}/v.json`), { a: [1, 2] });
    assert.deepEqual(await loadValuesFile(`${dir}/empty.yaml`), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadValuesFile: errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/list.yaml`, "- a\n- b\n");
    await Deno.writeTextFile(`${dir}/bad.yaml`, "a: [\n");
    await Deno.writeTextFile(`${dir}/multi.yaml`, "a: 1\n---\nb: 2\n");
    await assert.rejects(
      () => loadValuesFile(`${dir}/list.yaml`),
      (e: Error) =>
        e instanceof InputError &&
        e.message === `values file ${dir}/list.yaml: must hold an object (a mapping), got a list`,
    );
    await assert.rejects(
      () => loadValuesFile(`${dir}/bad.yaml`),
      new RegExp(`^InputError: values file ${dir}/bad.yaml: line 2, column 1: `),
    );
    await assert.rejects(
      () => loadValuesFile(`${dir}/multi.yaml`),
      /holds 2 YAML documents, expected one/,
    );
    await assert.rejects(
      () => loadValuesFile(`${dir}/none.yaml`),
      new RegExp(`values file ${dir}/none.yaml: not found`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
