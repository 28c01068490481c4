import assert from "node:assert/strict";
import { parseEnvFile } from "../../../src/cli/_options.ts";
import { InputError } from "../../../src/errors.ts";
import { fixture, kjo } from "./_cli.ts";

Deno.test("parseEnvFile: NAME=VALUE lines, comments and blank lines skipped, '=' kept in values", () => {
  assert.deepEqual(parseEnvFile("A=1\n\n# note\nB=x=y\r\nC=\n", "f"), { A: "1", B: "x=y", C: "" });
});

Deno.test("parseEnvFile: a JSON object; non-string values as JSON, null as empty", () => {
  assert.deepEqual(parseEnvFile('{"A": "s p", "N": 2, "Z": null}', "f"), {
    A: "s p",
    N: "2",
    Z: "",
  });
});

Deno.test("parseEnvFile: a line without NAME= and a JSON list are errors naming the file", () => {
  assert.throws(() => parseEnvFile("A=1\noops\n", "env.txt"), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /--env-file env\.txt: line 2: must be NAME=VALUE/);
    return true;
  });
  assert.throws(() => parseEnvFile("[1]", "env.json"), /env\.json: must be a JSON object/);
});

Deno.test("render --env-file: values reach the container env; --env wins over the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/env`;
    await Deno.writeTextFile(file, "SECRET=from file\nBOTH=file\n");
    const out = await kjo(
      "render",
      "-o",
      "json",
      "-f",
      fixture("job_hello.yaml"),
      "--run-id",
      "r1",
      "--env-file",
      file,
      "--env",
      "BOTH=flag",
    );
    assert.equal(out.code, 0, out.stderr);
    const env = JSON.parse(out.stdout)[0].spec.template.spec.containers[0].env;
    const byName = Object.fromEntries(
      env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    assert.equal(byName.SECRET, "from file");
    assert.equal(byName.BOTH, "flag");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("render --env-file: a missing file exits 2 naming it", async () => {
  const out = await kjo(
    "render",
    "-f",
    fixture("job_hello.yaml"),
    "--env-file",
    "/nonexistent/kjo-env",
  );
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--env-file \/nonexistent\/kjo-env: not found/);
});
