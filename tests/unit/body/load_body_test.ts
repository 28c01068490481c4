import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../src/errors.ts";
import { loadBody } from "../../../src/body/load_body.ts";
import { defaultBody } from "../../../src/body/default_templates.ts";

const FIXTURES = new URL("../../../fixtures/", import.meta.url).pathname;

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

Deno.test("loadBody: an image gives the default Job", async () => {
  const loaded = await loadBody({
    image: "busybox",
    command: ["sh", "-c", "echo hi"],
    args: ["x"],
  });
  assert.ok("objects" in loaded);
  assert.equal(loaded.origin, "image");
  assert.deepEqual(loaded.objects, [{
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {},
    spec: {
      backoffLimit: 0,
      template: {
        metadata: {},
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "main",
            image: "busybox",
            command: ["sh", "-c", "echo hi"],
            args: ["x"],
          }],
        },
      },
    },
  }]);
});

Deno.test("loadBody: an image with kind Pod gives the default Pod", async () => {
  const loaded = await loadBody({ image: "busybox", kind: "Pod" });
  assert.ok("objects" in loaded);
  assert.deepEqual(loaded.objects, [{
    apiVersion: "v1",
    kind: "Pod",
    metadata: {},
    spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
  }]);
});

Deno.test("defaultBody copies command and args", () => {
  const command = ["echo"];
  const [job] = defaultBody({ image: "i", command });
  command.push("changed");
  // deno-lint-ignore no-explicit-any
  assert.deepEqual((job.spec as any).template.spec.containers[0].command, ["echo"]);
});

Deno.test("loadBody: exactly one source", async () => {
  await assert.rejects(
    () => loadBody({ image: "a", bodyFile: "b" } as never),
    (error: Error) =>
      error instanceof InputError && /exactly one.*got image, bodyFile/.test(error.message),
  );
  await assert.rejects(() => loadBody({} as never), /exactly one.*got none/);
});

Deno.test("loadBody: bad image sources", async () => {
  await assert.rejects(() => loadBody({ image: "" }), /image: must be a non-empty string/);
  await assert.rejects(
    () => loadBody({ image: "a", command: "echo" as never }),
    /command: must be a list of strings/,
  );
  await assert.rejects(
    () => loadBody({ image: "a", kind: "Deployment" as never }),
    /kind: must be one of Job, Pod/,
  );
});

Deno.test("loadBody: a file relative to the working directory or baseDir", async () => {
  const fromBase = await loadBody({ bodyFile: "job_hello.yaml" }, { baseDir: FIXTURES });
  assert.ok("text" in fromBase);
  assert.match(fromBase.text, /kind: Job/);
  assert.equal(fromBase.origin, "body file job_hello.yaml");

  const absolute = await loadBody({ bodyFile: join(FIXTURES, "job_hello.yaml") });
  assert.ok("text" in absolute);

  const cwd = Deno.cwd();
  Deno.chdir(FIXTURES);
  try {
    const fromCwd = await loadBody({ bodyFile: "./pod_sidecar.yaml" });
    assert.ok("text" in fromCwd && fromCwd.text.includes("kind: Pod"));
  } finally {
    Deno.chdir(cwd);
  }
});

Deno.test("loadBody: a missing file is an InputError naming it", async () => {
  await assert.rejects(
    () => loadBody({ bodyFile: "nope/missing.yaml" }, { baseDir: "/tmp" }),
    (error: Error) =>
      error instanceof InputError &&
      error.message === "body file nope/missing.yaml: not found (/tmp/nope/missing.yaml)",
  );
  await assert.rejects(() => loadBody({ bodyFile: FIXTURES }), /is a directory|cannot read/);
});

Deno.test("loadBody: '-' reads the given stdin stream", async () => {
  const loaded = await loadBody({ bodyFile: "-" }, { stdin: streamOf("kind: Pod\n") });
  assert.deepEqual(loaded, { text: "kind: Pod\n", origin: "stdin" });
});

Deno.test("loadBody: '-' reads the process stdin", async () => {
  const script = `
    import { loadBody } from ${
    JSON.stringify(new URL("../../../src/body/load_body.ts", import.meta.url).href)
  };
    const loaded = await loadBody({ bodyFile: "-" });
    console.log(JSON.stringify(loaded));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("apiVersion: v1\nkind: Pod\n"));
  await writer.close();
  const output = await child.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
    text: "apiVersion: v1\nkind: Pod\n",
    origin: "stdin",
  });
});

Deno.test("loadBody: inline string, object and list (copied)", async () => {
  assert.deepEqual(await loadBody({ body: "kind: Pod" }), { text: "kind: Pod", origin: "body" });
  const object = { kind: "Pod", metadata: { name: "a" } };
  const loaded = await loadBody({ body: object });
  assert.ok("objects" in loaded);
  assert.deepEqual(loaded.objects, [object]);
  assert.notEqual(loaded.objects[0], object);
  const list = await loadBody({ body: [object, object] });
  assert.ok("objects" in list && list.objects.length === 2);
  await assert.rejects(
    () => loadBody({ body: 42 as never }),
    /body: must be a string, an object or a list of objects, got a number/,
  );
});
