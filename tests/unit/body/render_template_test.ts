import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { renderTemplate, type RenderTemplateOptions } from "../../../src/body/render_template.ts";

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
});

Deno.test("renderTemplate: origin defaults to body", async () => {
  await assert.rejects(
    () => renderTemplate("<%= x( %>", { runId: "r" }),
    /^InputError: body: template line 1:/,
  );
});
