import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { renderTemplate, type RenderTemplateOptions } from "../../../src/body/render_template.ts";
import { parseDocuments } from "../../../src/body/parse_documents.ts";
import { parseSetValues } from "../../../src/body/parse_set_values.ts";
import { INPUT_LIMITS } from "../../../src/body/safe_parse.ts";

const base = { runId: "run-1", origin: "body file t.yaml" };

async function renderError(
  text: string,
  options: Partial<RenderTemplateOptions> = {},
): Promise<string> {
  try {
    await renderTemplate(text, { ...base, ...options });
  } catch (error) {
    assert.ok(error instanceof InputError);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    return error.message;
  }
  throw new Error("expected an error");
}

Deno.test("renderTemplate: values under it.job, plus it.run_id and it.namespace", async () => {
  const out = await renderTemplate(
    "image: <%= it.job.image %>\nrun: <%= it.run_id %>\nns: <%= it.namespace %>\nn: <%= it.job.nested.n + 1 %>\n",
    { ...base, values: { image: "busybox", nested: { n: 1 } }, namespace: "jobs" },
  );
  assert.equal(out, "image: busybox\nrun: run-1\nns: jobs\nn: 2\n");
});

Deno.test("renderTemplate: no escaping, and it.job defaults to {}", async () => {
  assert.equal(await renderTemplate(`a: "<%= '<&>' %>"`, base), `a: "<&>"`);
  assert.equal(await renderTemplate(`a: <%= Object.keys(it.job).length %>`, base), "a: 0");
});

Deno.test("renderTemplate: it.resource_name uses the given function", async () => {
  const out = await renderTemplate(`name: <%= it.resource_name("cfg", "ConfigMap") %>`, {
    ...base,
    resourceName: (name, kind) => `p-${name}-${kind}`,
  });
  assert.equal(out, "name: p-cfg-ConfigMap");
});

Deno.test("renderTemplate: lines holding only a <% %> tag leave no blank line", async () => {
  const text = [
    "env:",
    "<% for (const [k, v] of Object.entries(it.job.env)) { %>",
    "  - name: <%= k %>",
    "    value: <%= v %>",
    "  <% } %>  ",
    "after: 1",
    "inline: <% if (true) { %>yes<% } %>",
    "",
  ].join("\n");
  const out = await renderTemplate(text, { ...base, values: { env: { A: "1", B: "2" } } });
  assert.equal(
    out,
    "env:\n  - name: A\n    value: 1\n  - name: B\n    value: 2\nafter: 1\ninline: yes\n",
  );
});

Deno.test("renderTemplate: a JavaScript syntax error names the line", async () => {
  assert.equal(
    await renderError("a: 1\nb: 2\nc: <%= foo( %>\n"),
    "body file t.yaml: template line 3: Unexpected token ';'",
  );
  assert.equal(
    await renderError("a\n<% if (1) { %>\nb\n<% } %>\n<% } %>\n"),
    "body file t.yaml: template line 5: Unexpected token '}'",
  );
});

Deno.test("renderTemplate: an unclosed block names the last tag", async () => {
  assert.match(
    await renderError("a\n<% if (1) { %>\nb\n"),
    /^body file t\.yaml: template: a block is never closed .*line 2\)$/,
  );
});

Deno.test("renderTemplate: unclosed tags and strings name line and column", async () => {
  assert.equal(
    await renderError("a\n  <%= 'abc %>\n"),
    "body file t.yaml: template line 2, column 7: unclosed string",
  );
  assert.equal(
    await renderError("a\nb <%= it.run_id\n"),
    "body file t.yaml: template line 2, column 3: unclosed tag",
  );
});

Deno.test("renderTemplate: an error while rendering names the line", async () => {
  assert.equal(
    await renderError("a: 1\nb: <%= it.job.missing.field %>\n"),
    "body file t.yaml: template line 2: Cannot read properties of undefined (reading 'field')",
  );
  assert.equal(
    await renderError("<% throw new Error('boom') %>"),
    "body file t.yaml: template line 1: boom",
  );
});

Deno.test("renderTemplate: include and layout cannot read files", async () => {
  assert.equal(
    await renderError("<%~ include('/etc/passwd') %>"),
    "body file t.yaml: template line 1: include and layout are not available in kjo templates",
  );
  assert.equal(
    await renderError("<% layout('/etc/hostname') %>body"),
    "body file t.yaml: template line 1: include and layout are not available in kjo templates",
  );
});

Deno.test("renderTemplate: origin defaults to body", async () => {
  await assert.rejects(
    () => renderTemplate("<%= x( %>", { runId: "r" }),
    /^InputError: body: template line 1:/,
  );
});

// The sandbox: templates only produce text.

const NO_PERMISSION = /^body file t\.yaml: template line 1: templates run without permissions \(/;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("renderTemplate: a template cannot write a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/written`;
    assert.match(
      await renderError(`<% Deno.writeTextFileSync(${JSON.stringify(path)}, "x") %>`),
      new RegExp(`${NO_PERMISSION.source}Requires write access to "${path}"\\)$`),
    );
    assert.match(
      await renderError(
        `<% process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(path)}, "x") %>`,
      ),
      NO_PERMISSION,
    );
    assert.equal(await exists(path), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderTemplate: a template cannot read a file", async () => {
  const path = new URL(import.meta.url).pathname;
  assert.match(
    await renderError(`<%= Deno.readTextFileSync(${JSON.stringify(path)}) %>`),
    new RegExp(`${NO_PERMISSION.source}Requires read access to "${path}"\\)$`),
  );
  assert.match(
    await renderError(`<%= process.getBuiltinModule("fs").readFileSync("/etc/hostname") %>`),
    NO_PERMISSION,
  );
});

Deno.test("renderTemplate: a template cannot read the environment", async () => {
  Deno.env.set("KJO_TEMPLATE_TEST_SECRET", "s3cret");
  try {
    assert.match(
      await renderError(`<%= Deno.env.get("KJO_TEMPLATE_TEST_SECRET") %>`),
      /templates run without permissions \(Requires env access to "KJO_TEMPLATE_TEST_SECRET"\)$/,
    );
    assert.match(await renderError(`<%= process.env.KJO_TEMPLATE_TEST_SECRET %>`), NO_PERMISSION);
    assert.match(await renderError(`<%= JSON.stringify(Deno.env.toObject()) %>`), NO_PERMISSION);
  } finally {
    Deno.env.delete("KJO_TEMPLATE_TEST_SECRET");
  }
});

Deno.test("renderTemplate: a template cannot use the network", async () => {
  let connections = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    connections++;
    return new Response("no");
  });
  try {
    const address = `127.0.0.1:${server.addr.port}`;
    assert.match(
      await renderError(`<% new WebSocket("ws://${address}/") %>`),
      new RegExp(`${NO_PERMISSION.source}Requires net access to "${address}"\\)$`),
    );
    assert.match(await renderError(`<% Deno.listen({ port: 0 }) %>`), NO_PERMISSION);
    assert.equal(connections, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("renderTemplate: a template cannot run a subprocess or load a library", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // An absolute program (the sandbox has no PATH), told to create a file.
    const program = JSON.stringify(Deno.execPath());
    const args = JSON.stringify(["eval", `Deno.writeTextFileSync("${dir}/touched", "x")`]);
    assert.match(
      await renderError(`<% new Deno.Command(${program}, { args: ${args} }).outputSync() %>`),
      new RegExp(`${NO_PERMISSION.source}Requires run access to "${Deno.execPath()}"\\)$`),
    );
    assert.match(
      await renderError(
        `<% process.getBuiltinModule("child_process").execFileSync(${program}, ${args}) %>`,
      ),
      NO_PERMISSION,
    );
    assert.match(await renderError(`<% Deno.dlopen("libc.so.6", {}) %>`), NO_PERMISSION);
    assert.equal(await exists(`${dir}/touched`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderTemplate: a template cannot ask for permissions or see kjo's globals", async () => {
  assert.equal(
    await renderTemplate(
      `<%= ["read", "write", "net", "env", "run", "ffi", "sys"].map((name) => Deno.permissions.requestSync({ name }).state).join(",") %>`,
      base,
    ),
    "denied,denied,denied,denied,denied,denied,denied",
  );
  (globalThis as Record<string, unknown>).kjoTemplateTestMarker = "parent";
  try {
    assert.equal(
      await renderTemplate(`<%= typeof globalThis.kjoTemplateTestMarker %>`, base),
      "undefined",
    );
  } finally {
    delete (globalThis as Record<string, unknown>).kjoTemplateTestMarker;
  }
});

Deno.test("renderTemplate: exiting or writing to the sandbox's output is an error", async () => {
  assert.match(
    await renderError("a: 1\n<% Deno.exit(0) %>"),
    /^body file t\.yaml: template: ended without a result \(exit code 0\)$/,
  );
  assert.equal(
    await renderError(`<% process.stdout.write("forged\\n") %>`),
    "body file t.yaml: template: the template wrote to the sandbox's output directly",
  );
});

Deno.test("renderTemplate: an endless loop is stopped after the time limit", async () => {
  assert.equal(
    await renderError("a: 1\n<% while (true) {} %>", { timeoutMs: 500 }),
    "body file t.yaml: template: did not finish within 0.5 s (an endless loop?)",
  );
});

Deno.test("renderTemplate: output and memory are bounded", async () => {
  assert.match(
    await renderError(`<%= "x".repeat(${INPUT_LIMITS.maxBytes + 1}) %>`),
    new RegExp(`^body file t\\.yaml: template: the output is larger than ${INPUT_LIMITS.maxBytes}`),
  );
  assert.match(
    // A long time limit: the heap limit must be what stops it, even on a busy machine.
    await renderError("<% const a = []; while (true) a.push(new Array(1e6).fill(1)); %>", {
      timeoutMs: 120_000,
    }),
    /^body file t\.yaml: template: ran out of memory \(limit \d+ MiB\)$/,
  );
});

Deno.test("renderTemplate: it.quote keeps a --set value one YAML string", async () => {
  const values = parseSetValues(["name=x\n  privileged: true", "odd=a\u2028b\u007f: c"]);
  const template =
    "kind: Pod\nmetadata:\n  name: <%= NAME %>\n  odd: <%= it.quote(it.job.odd) %>\n";
  const quoted = parseDocuments(
    await renderTemplate(template.replace("NAME", "it.quote(it.job.name)"), { ...base, values }),
  );
  assert.deepEqual(quoted, [
    { kind: "Pod", metadata: { name: "x\n  privileged: true", odd: "a\u2028b\u007f: c" } },
  ]);
  // What it.quote prevents: the raw value adds a field.
  const raw = parseDocuments(
    await renderTemplate(template.replace("NAME", "it.job.name"), { ...base, values }),
  );
  assert.equal((raw[0].metadata as Record<string, unknown>).privileged, true);
  assert.equal(
    await renderTemplate(
      `<%= it.quote({ a: [1, null, true] }) %> <%= it.quote("\\\"") %> <%= it.quote(1.5) %>`,
      base,
    ),
    `{"a":[1,null,true]} "\\\"" 1.5`,
  );
  assert.equal(
    await renderError("a: 1\nb: <%= it.quote(it.job.missing) %>"),
    "body file t.yaml: template line 2: it.quote: the value is undefined (a missing value?)",
  );
});

Deno.test("renderTemplate: text without a tag is returned as it is (no sandbox needed)", async () => {
  const text = "a: 1\r\n  b: '\\n'\t\r\n% not a tag %>\r";
  const expected = "a: 1\n  b: '\\n'\t\n% not a tag %>\n";
  assert.equal(await renderTemplate(text, base), expected);
  // The same as the sandbox renders it.
  assert.equal(await renderTemplate(`${text}<%= "" %>`, base), expected);
});

Deno.test("renderTemplate: values that are not JSON data are bad input", async () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.match(
    await renderError("<%= 1 %>", { values: cyclic }),
    /^body file t\.yaml: template values: self\.self.*nested deeper than 100 levels$/,
  );
  assert.equal(
    await renderError("<%= 1 %>", { values: { n: 1n } }),
    "body file t.yaml: template values: must be JSON data (Do not know how to serialize a BigInt)",
  );
});
