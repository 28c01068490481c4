import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { describeYamlError } from "../../../src/body/yaml_error.ts";

Deno.test("describeYamlError: line, column and the first line of the reason", () => {
  const error = parseDocument("a: 1\nb: [1, 2\n").errors[0];
  const text = describeYamlError(error);
  assert.match(text, /^line \d+, column \d+: /);
  assert.ok(!text.includes("\n"));
  assert.equal(
    describeYamlError({ message: "Bad thing at line 3, column 4:\n  detail" }),
    "Bad thing",
  );
});
