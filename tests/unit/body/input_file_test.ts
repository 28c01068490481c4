import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../src/errors.ts";
import { readInputFile } from "../../../src/body/input_file.ts";
import { withDir } from "../_temp_dir.ts";

Deno.test("readInputFile: the text; one-line errors naming the file as the user wrote it", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.txt"), "hello\n");
    assert.equal(await readInputFile(join(dir, "a.txt"), "body file"), "hello\n");
    assert.equal(await readInputFile("a.txt", "body file", join(dir, "a.txt")), "hello\n");
    const cases: Array<[Promise<string>, string]> = [
      [readInputFile(join(dir, "none"), "rules file"), `rules file ${dir}/none: not found`],
      [
        readInputFile("none", "body file", join(dir, "none")),
        `body file none: not found (${dir}/none)`,
      ],
      [readInputFile(dir, "values file"), `values file ${dir}: is a directory`],
    ];
    for (const [reading, message] of cases) {
      await assert.rejects(reading, (e) => e instanceof InputError && e.message === message);
    }
  });
});
