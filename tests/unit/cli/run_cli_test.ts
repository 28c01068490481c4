// Bad input of every kind through the whole CLI: exit 2, one line on stderr
// naming the input, never a stack trace or exit 3, and (for `kjo run`) not a
// single request to the API server.
import assert from "node:assert/strict";
import { INPUT_LIMITS } from "../../../src/body/safe_parse.ts";
import { json, startStubApi } from "../kube/_stub_api.ts";
import { kjo, stubKubeConfigFile } from "./_cli.ts";

const encoder = new TextEncoder();

/** `name: a: &a [x,...]` alias bomb: 9^7 expansions from a few hundred bytes. */
function aliasBomb(): string {
  let text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  let previous = "a";
  for (const name of ["b", "c", "d", "e", "f", "g", "h"]) {
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]\n`;
    previous = name;
  }
  return text;
}

const DEEP_JSON = "[".repeat(100_000) + "]".repeat(100_000);
const DEEP_BODY = `{"apiVersion": "v1", "kind": "ConfigMap", "data": ${'{"a": '.repeat(500)}1${
  "}".repeat(501)
}`;
const DEEP_YAML = "a:" +
  Array.from({ length: 150 }, (_, i) => `\n${" ".repeat(i + 1)}k:`).join("") +
  " 1\n";
const CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";

/** Files the table refers to by name, written to a temporary directory. */
const FILES: Record<string, string | Uint8Array> = {
  "alias_bomb.yaml": aliasBomb(),
  "deep.json": DEEP_JSON,
  "deep_body.json": DEEP_BODY,
  "deep.yaml": DEEP_YAML,
  "binary.yaml": Uint8Array.from({ length: 2048 }, (_, i) => i % 256),
  "utf16.yaml": new Uint8Array([0xff, 0xfe, ...encoder.encode("a")]),
  "huge.yaml": `a: ${"x".repeat(INPUT_LIMITS.maxBytes)}\n`,
  "controls.yaml": 'apiVersion: v1\nkind: ConfigMap\ndata: {a: "x\u0000\u0001"}\n',
  "bom.json": `\ufeff${JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })}`,
  "empty.yaml": "",
  "empty_documents.yaml": "---\n---\n",
  "comments.yaml": "# only a comment\n",
  "scalar.yaml": "hello\n",
  "number.json": "42",
  "list_of_scalars.yaml": `- ${CONFIG_MAP.replaceAll("\n", "\n  ")}\n- 3\n`,
  "null_item.json": `[${JSON.stringify({ apiVersion: "v1", kind: "ConfigMap" })}, null]`,
  "bad_list.yaml": "apiVersion: v1\nkind: List\nitems: {a: 1}\n",
  "duplicate.yaml": "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: c}\n",
  "duplicate.json": '{"apiVersion": "v1", "kind": "ConfigMap",\n "kind": "Secret"}',
  "undefined_alias.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *x}\n",
  "tabs.yaml": "apiVersion: v1\n\tkind: ConfigMap\n",
  "truncated.json": '{"apiVersion": "v1", "kind": ',
  "many.yaml": Array.from(
    { length: INPUT_LIMITS.maxDocuments + 1 },
    (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`,
  ).join("---\n"),
  "no_kind.yaml": "apiVersion: v1\nmetadata: {name: c}\n",
  "kind_number.yaml": "apiVersion: v1\nkind: 5\n",
  "metadata_string.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: hello\n",
  "name_number.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 5}\n",
  "labels_list.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: [a]}\n",
  "label_number.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {a: 5}}\n",
  "annotations_null.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, annotations: {a: null}}\n",
  "containers_string.yaml":
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: busybox}\n",
  "template_loop_free_error.yaml": "a: <%= it.job.missing.field %>\n",
  "template_syntax.yaml": "a: <%= foo( %>\n",
  "template_write.yaml": `<% Deno.writeTextFileSync("/tmp/kjo-bad-input-test", "x") %>\n`,
  "values_list.yaml": "- a\n",
  "values_two.yaml": "a: 1\n---\nb: 2\n",
  "config_unknown.yaml": "no_such_setting: 1\n",
  "config_list.yaml": "- delete_policy: Never\n",
  "config_duplicate.yaml": "delete_policy: Never\ndelete_policy: Always\n",
  "config_bad_value.yaml": "delete_policy: Sometimes\n",
  "rules_scalar.yaml": "hello\n",
  "rules_no_kinds.yaml": "kinds: []\n",
  "rules_bad_path.yaml":
    "kinds:\n  - apiVersion: example.com/v1\n    kind: W\n    succeeded: [{ path: 'status[', equals: x }]\n",
};

/** Args after the subcommand, and what stderr's one line must match. */
type Case = [string[], RegExp];

/** Bodies (`-f FILE`, `--body`), values, `--set` and config files, through `kjo render`. */
const RENDER_CASES: Case[] = [
  [
    ["-f", "alias_bomb.yaml"],
    /^kjo: body file alias_bomb\.yaml: YAML document 1: too many YAML alias expansions/,
  ],
  [
    ["-f", "deep.json"],
    /^kjo: body file deep\.json: \[0\]\[0\].*…: nested deeper than 100 levels$/,
  ],
  [
    ["-f", "deep_body.json"],
    /^kjo: body file deep_body\.json: data\.a\.a.*…: nested deeper than 100 levels$/,
  ],
  [
    ["-f", "deep.yaml"],
    /^kjo: body file deep\.yaml: YAML document 1: a\.k\.k.*: nested deeper than 100 levels$/,
  ],
  [["--body", DEEP_JSON], /^kjo: body: \[0\]\[0\].*nested deeper than 100 levels$/],
  [["-f", "binary.yaml"], /^kjo: body file binary\.yaml: is not UTF-8 text \(binary data\?\)$/],
  [["-f", "utf16.yaml"], /^kjo: body file utf16\.yaml: is UTF-16 text; kjo reads UTF-8$/],
  [["-f", "huge.yaml"], /^kjo: body file huge\.yaml: larger than 16777216 bytes$/],
  [
    ["-f", "controls.yaml"],
    /^kjo: body file controls\.yaml: line 3, column 13: control character U\+0000 \(binary data\?\)$/,
  ],
  // A byte order mark is fine; the Pod is still missing its spec.
  [["-f", "bom.json"], /^kjo: document 1 \(Pod\/p-\w+\): spec: is required$/],
  [["-f", "empty.yaml"], /^kjo: body file empty\.yaml: no documents \(the body is empty\)$/],
  [["-f", "empty_documents.yaml"], /^kjo: body file empty_documents\.yaml: no documents/],
  [["-f", "comments.yaml"], /^kjo: body file comments\.yaml: no documents/],
  [["--body", ""], /^kjo: (body: no documents|no body)/],
  [
    ["-f", "scalar.yaml"],
    /^kjo: body file scalar\.yaml: document 1: must be an object or a list of objects, got a string$/,
  ],
  [
    ["-f", "number.json"],
    /^kjo: body file number\.json: document 1: must be an object or a list of objects, got a number$/,
  ],
  [
    ["-f", "list_of_scalars.yaml"],
    /^kjo: body file list_of_scalars\.yaml: document 1, item 2: must be an object, got a number$/,
  ],
  [
    ["-f", "null_item.json"],
    /^kjo: body file null_item\.json: document 1, item 2: must be an object, got null$/,
  ],
  [
    ["-f", "bad_list.yaml"],
    /^kjo: body file bad_list\.yaml: document 1 \(List\): items: must be a list, got an object$/,
  ],
  [
    ["-f", "duplicate.yaml"],
    /^kjo: body file duplicate\.yaml: YAML document 1: line 3, column 1: Map keys must be unique$/,
  ],
  [
    ["-f", "duplicate.json"],
    /^kjo: body file duplicate\.json: line 2, column 2: duplicate key "kind"$/,
  ],
  [
    ["-f", "undefined_alias.yaml"],
    /^kjo: body file undefined_alias\.yaml: YAML document 1: undefined YAML alias \*x$/,
  ],
  [["-f", "tabs.yaml"], /^kjo: body file tabs\.yaml: YAML document 1: line 2, column 1: /],
  [
    ["-f", "truncated.json"],
    /^kjo: body file truncated\.json: YAML document 1: line 1, column \d+: /,
  ],
  [["-f", "many.yaml"], /^kjo: body file many\.yaml: holds 1001 YAML documents, at most 1000$/],
  [["-f", "no_kind.yaml"], /^kjo: document 1: kind: is required \(a non-empty string\)$/],
  [["-f", "kind_number.yaml"], /^kjo: document 1: kind: must be a non-empty string, got a number$/],
  [
    ["-f", "metadata_string.yaml"],
    /^kjo: document 1 \(ConfigMap\): metadata: must be an object, got a string$/,
  ],
  [
    ["-f", "name_number.yaml"],
    /^kjo: document 1 \(ConfigMap\): metadata\.name: must be a string, got a number$/,
  ],
  [
    ["-f", "labels_list.yaml"],
    /^kjo: document 1 \(ConfigMap\/c\): metadata\.labels: must be an object, got a list$/,
  ],
  [
    ["-f", "label_number.yaml"],
    /^kjo: document 1 \(ConfigMap\/c\): metadata\.labels\.a: must be a string, got a number$/,
  ],
  [
    ["-f", "annotations_null.yaml"],
    /^kjo: document 1 \(ConfigMap\/c\): metadata\.annotations\.a: must be a string, got null$/,
  ],
  [
    ["-f", "containers_string.yaml"],
    /^kjo: document 1 \(Pod\/[^)]*\): spec\.containers: must be a list, got a string$/,
  ],
  [
    ["-f", "template_loop_free_error.yaml"],
    /^kjo: body file template_loop_free_error\.yaml: template line 1: Cannot read properties of undefined/,
  ],
  [["-f", "template_syntax.yaml"], /^kjo: body file template_syntax\.yaml: template line 1: /],
  [
    ["-f", "template_write.yaml"],
    /^kjo: body file template_write\.yaml: template line 1: templates run without permissions \(Requires write access/,
  ],
  [
    ["--image", "busybox", "--values", "alias_bomb.yaml"],
    /^kjo: values file alias_bomb\.yaml: too many YAML alias expansions/,
  ],
  [
    ["--image", "busybox", "--values", "deep.json"],
    /^kjo: values file deep\.json: nested too deeply \(at most 100 levels\)$/,
  ],
  [
    ["--image", "busybox", "--values", "deep.yaml"],
    /^kjo: values file deep\.yaml: a\.k\.k.*: nested deeper than 100 levels$/,
  ],
  [
    ["--image", "busybox", "--values", "binary.yaml"],
    /^kjo: values file binary\.yaml: is not UTF-8 text/,
  ],
  [
    ["--image", "busybox", "--values", "huge.yaml"],
    /^kjo: values file huge\.yaml: larger than 16777216 bytes$/,
  ],
  [
    ["--image", "busybox", "--values", "values_list.yaml"],
    /^kjo: values file values_list\.yaml: must hold an object \(a mapping\), got a list$/,
  ],
  [
    ["--image", "busybox", "--values", "values_two.yaml"],
    /^kjo: values file values_two\.yaml: holds 2 YAML documents, expected one$/,
  ],
  [
    ["--image", "busybox", "--values", "duplicate.yaml"],
    /^kjo: values file duplicate\.yaml: line 3, column 1: Map keys must be unique$/,
  ],
  [
    ["--image", "busybox", "--values", "missing.yaml"],
    /^kjo: values file missing\.yaml: not found$/,
  ],
  [
    ["--image", "busybox", "--set", `${"k".repeat(INPUT_LIMITS.maxSetKeyChars + 1)}=1`],
    /^kjo: --set "k{60}…": key longer than 1024 characters \(1025\)$/,
  ],
  [
    ["--image", "busybox", "--set", `${Array(101).fill("a").join(".")}=1`],
    /^kjo: --set "a\.a\.a.*…": key nested deeper than 100 levels \(101\)$/,
  ],
  [[
    "--image",
    "busybox",
    "--set",
    "a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]=1",
  ], /^kjo: --set "a\[0\].*": key nested deeper than 100 levels \(102\)$/],
  [
    ["--image", "busybox", "--set", "a[100000]=1"],
    /^kjo: --set "a\[100000\]=1": list index must be an integer from 0 to 9999/,
  ],
  [["--image", "busybox", "--set", "noequals"], /^kjo: --set "noequals": expected key=value$/],
  [["--image", "busybox", "--set", "=1"], /^kjo: --set "=1": empty key$/],
  [
    ["--image", "busybox", "--config", "alias_bomb.yaml"],
    /^kjo: config file alias_bomb\.yaml: too many YAML alias expansions/,
  ],
  [
    ["--image", "busybox", "--config", "deep.json"],
    /^kjo: config file deep\.json: nested too deeply/,
  ],
  [
    ["--image", "busybox", "--config", "binary.yaml"],
    /^kjo: config file binary\.yaml: is not UTF-8 text/,
  ],
  [
    ["--image", "busybox", "--config", "config_unknown.yaml"],
    /^kjo: config file config_unknown\.yaml: unknown key "no_such_setting"/,
  ],
  [
    ["--image", "busybox", "--config", "config_list.yaml"],
    /^kjo: config file config_list\.yaml: must hold a mapping of settings$/,
  ],
  [
    ["--image", "busybox", "--config", "config_duplicate.yaml"],
    /^kjo: config file config_duplicate\.yaml: line 2, column 1: Map keys must be unique$/,
  ],
  [
    ["--image", "busybox", "--config", "config_bad_value.yaml"],
    /^kjo: config file config_bad_value\.yaml: delete_policy: must be one of/,
  ],
  [
    ["--image", "busybox", "--config", "values_two.yaml"],
    /^kjo: config file values_two\.yaml: holds 2 YAML documents, expected one$/,
  ],
];

/** Rules files and bodies through `kjo run` against a stub API server. */
const RUN_CASES: Case[] = [
  [
    ["--image", "busybox", "--rules", "alias_bomb.yaml"],
    /^kjo: rules file alias_bomb\.yaml: too many YAML alias expansions/,
  ],
  [
    ["--image", "busybox", "--rules", "deep.json"],
    /^kjo: rules file deep\.json: nested too deeply/,
  ],
  [
    ["--image", "busybox", "--rules", "deep.yaml"],
    /^kjo: rules file deep\.yaml: a\.k\.k.*: nested deeper than 100 levels$/,
  ],
  [
    ["--image", "busybox", "--rules", "binary.yaml"],
    /^kjo: rules file binary\.yaml: is not UTF-8 text/,
  ],
  [
    ["--image", "busybox", "--rules", "huge.yaml"],
    /^kjo: rules file huge\.yaml: larger than 16777216 bytes$/,
  ],
  [
    ["--image", "busybox", "--rules", "rules_scalar.yaml"],
    /^kjo: rules file rules_scalar\.yaml: must be a mapping with a kinds list$/,
  ],
  [
    ["--image", "busybox", "--rules", "rules_no_kinds.yaml"],
    /^kjo: rules file rules_no_kinds\.yaml: kinds: must be a non-empty list$/,
  ],
  [
    ["--image", "busybox", "--rules", "rules_bad_path.yaml"],
    /^kjo: rules file rules_bad_path\.yaml: kinds\[0\] \(example\.com\/v1 W\): /,
  ],
  [
    ["--image", "busybox", "--rules", "duplicate.yaml"],
    /^kjo: rules file duplicate\.yaml: line 3, column 1: Map keys must be unique$/,
  ],
  [
    ["--image", "busybox", "--rules", "missing.yaml"],
    /^kjo: rules file missing\.yaml: not found$/,
  ],
  [
    ["--image", "busybox", "--set", `${"k".repeat(INPUT_LIMITS.maxSetKeyChars + 1)}=1`],
    /^kjo: --set "k{60}…": key longer than 1024 characters/,
  ],
];

/**
 * Bodies through `kjo run`: the run reports the error as its result (the
 * wording is checked through `kjo render` above); here exit 2 and no request.
 */
const RUN_BODY_CASES: string[][] = [
  ["-f", "alias_bomb.yaml"],
  ["-f", "deep.json"],
  ["-f", "binary.yaml"],
  ["-f", "duplicate.json"],
  ["-f", "template_write.yaml"],
  ["-f", "many.yaml"],
];

async function withInputFiles(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kjo-bad-input-" });
  const cwd = Deno.cwd();
  try {
    for (const [name, content] of Object.entries(FILES)) {
      if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
      else await Deno.writeFile(`${dir}/${name}`, content);
    }
    Deno.chdir(dir);
    await test(dir);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(dir, { recursive: true });
  }
}

function assertOneLine(args: string[], result: { code: number; stderr: string }, expected: RegExp) {
  const shown = args.map((a) => (a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(" ");
  assert.equal(result.code, 2, `${shown}: exit ${result.code}: ${result.stderr.slice(0, 500)}`);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, `${shown}: ${result.stderr}`);
  assert.match(result.stderr.trimEnd(), expected, shown);
  assert.ok(result.stderr.length < 600, `${shown}: a short line: ${result.stderr.slice(0, 600)}`);
}

Deno.test("runCli: malformed bodies, values, --set and config files are one line, exit 2 (render)", async () => {
  await withInputFiles(async () => {
    for (const [args, expected] of RENDER_CASES) {
      const result = await kjo("render", "--run-id", "r1", ...args);
      assertOneLine(args, result, expected);
      assert.equal(result.stdout, "");
    }
  });
  await assert.rejects(() => Deno.stat("/tmp/kjo-bad-input-test"), Deno.errors.NotFound);
});

Deno.test("runCli: malformed rules files and bodies are one line, exit 2, and send no request (run)", async () => {
  const stub = startStubApi(() => json({ kind: "Status", status: "Failure", code: 500 }, 500));
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    await withInputFiles(async () => {
      for (const [args, expected] of RUN_CASES) {
        const result = await kjo("run", "--kubeconfig", kubeconfig, "-n", "ns", ...args);
        assertOneLine(args, result, expected);
        assert.deepEqual(stub.requests.map((r) => `${r.method} ${r.path}`), [], args.join(" "));
      }
      for (const args of RUN_BODY_CASES) {
        const result = await kjo("run", "--kubeconfig", kubeconfig, "-n", "ns", ...args);
        assert.equal(result.code, 2, args.join(" "));
        assert.deepEqual(stub.requests.map((r) => `${r.method} ${r.path}`), [], args.join(" "));
      }
    });
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
});
