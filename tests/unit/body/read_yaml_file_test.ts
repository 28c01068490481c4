import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../src/errors.ts";
import { readYamlFile } from "../../../src/body/read_yaml_file.ts";
import { withDir } from "../_temp_dir.ts";

async function readError(path: string): Promise<string> {
  try {
    await readYamlFile(path, "values file");
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"), error.message);
    return error.message;
  }
  throw new Error("expected an error");
}

Deno.test("readYamlFile: the value of a YAML or JSON file; null when empty", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.yaml"), "a: 1\nb: [x, y]\n");
    await Deno.writeTextFile(join(dir, "b.json"), '{"a": {"b": true}}');
    await Deno.writeTextFile(join(dir, "empty.yaml"), "");
    assert.deepEqual(await readYamlFile(join(dir, "a.yaml"), "values file"), {
      a: 1,
      b: ["x", "y"],
    });
    assert.deepEqual(await readYamlFile(join(dir, "b.json"), "config file"), { a: { b: true } });
    assert.equal(await readYamlFile(join(dir, "empty.yaml"), "values file"), null);
  });
});

Deno.test("readYamlFile: errors name the file and the reason on one line", async () => {
  await withDir(async (dir) => {
    assert.equal(
      await readError(join(dir, "none.yaml")),
      `values file ${dir}/none.yaml: not found`,
    );
    assert.equal(await readError(dir), `values file ${dir}: is a directory`);
    await Deno.writeTextFile(join(dir, "bad.yaml"), "a: 1\n- b\n");
    assert.match(
      await readError(join(dir, "bad.yaml")),
      new RegExp(`^values file ${dir}/bad.yaml: line 2, column 1: `),
    );
    await Deno.writeTextFile(join(dir, "two.yaml"), "a: 1\n---\nb: 2\n");
    assert.match(
      await readError(join(dir, "two.yaml")),
      new RegExp(`^values file ${dir}/two.yaml: `),
    );
  });
});
