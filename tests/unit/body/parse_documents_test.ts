import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { flattenDocuments, parseDocuments } from "../../../src/body/parse_documents.ts";

const origin = { origin: "body file x.yaml" };

function parseError(text: string): string {
  try {
    parseDocuments(text, origin);
  } catch (error) {
    assert.ok(error instanceof InputError);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    return error.message;
  }
  throw new Error("expected an error");
}

Deno.test("parseDocuments: a YAML multi-document stream, empty documents skipped", () => {
  const docs = parseDocuments(
    "---\nkind: Job\n---\n---\n# only a comment\n---\nkind: ConfigMap\n...\n",
  );
  assert.deepEqual(docs, [{ kind: "Job" }, { kind: "ConfigMap" }]);
});

Deno.test("parseDocuments: YAML 1.2 core schema keeps yes/no strings", () => {
  assert.deepEqual(parseDocuments("kind: X\na: yes\nb: true\nc: 010\n"), [{
    kind: "X",
    a: "yes",
    b: true,
    c: 10,
  }]);
});

Deno.test("parseDocuments: JSON object and JSON list", () => {
  assert.deepEqual(parseDocuments('{"kind": "Pod", "metadata": {"name": "a"}}'), [{
    kind: "Pod",
    metadata: { name: "a" },
  }]);
  assert.deepEqual(parseDocuments(' [{"kind": "Pod"}, {"kind": "Service"}]'), [{ kind: "Pod" }, {
    kind: "Service",
  }]);
});

Deno.test("parseDocuments: YAML flow mappings that are not JSON", () => {
  assert.deepEqual(parseDocuments("{kind: Pod, metadata: {name: a}}"), [{
    kind: "Pod",
    metadata: { name: "a" },
  }]);
});

Deno.test("parseDocuments: a YAML list and a kind: List are flattened", () => {
  const text = [
    "- kind: A",
    "- kind: B",
    "---",
    "apiVersion: v1",
    "kind: List",
    "items:",
    "  - kind: C",
    "  - kind: List",
    "    items: [{kind: D}]",
  ].join("\n");
  assert.deepEqual(parseDocuments(text).map((d) => d.kind), ["A", "B", "C", "D"]);
});

Deno.test("parseDocuments: YAML syntax errors name the document, line and column", () => {
  assert.equal(
    parseError("kind: A\n---\nkind: B\nspec: [1,\n"),
    "body file x.yaml: YAML document 2: line 5, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
  );
  assert.equal(
    parseError("kind: A\nkind: B\n"),
    "body file x.yaml: YAML document 1: line 2, column 1: Map keys must be unique",
  );
  assert.match(
    parseError("kind: A\nb: *missing\n"),
    /^body file x\.yaml: YAML document 1: .*missing/,
  );
});

Deno.test("parseDocuments: documents that are not objects", () => {
  assert.equal(
    parseError("kind: A\n---\njust text\n"),
    "body file x.yaml: document 2: must be an object or a list of objects, got a string",
  );
  assert.equal(
    parseError("- kind: A\n- 3\n"),
    "body file x.yaml: document 1, item 2: must be an object, got a number",
  );
  assert.equal(
    parseError("kind: List\nitems: 3\n"),
    "body file x.yaml: document 1 (List): items: must be a list, got a number",
  );
});

Deno.test("parseDocuments: no documents", () => {
  for (const text of ["", "   \n", "---\n---\n", "# nothing\n", "[]", "kind: List\nitems: []\n"]) {
    assert.equal(parseError(text), "body file x.yaml: no documents (the body is empty)");
  }
});

Deno.test("flattenDocuments: objects, lists and nulls", () => {
  assert.deepEqual(flattenDocuments([{ kind: "A" }, null, [{ kind: "B" }]]), [{ kind: "A" }, {
    kind: "B",
  }]);
  assert.throws(
    () => flattenDocuments(["x"]),
    /^InputError: body: document 1: must be an object or a list of objects, got a string$/,
  );
});
