import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import {
  customKindRules,
  loadCustomKindRules,
  parseCustomKindRules,
} from "../../../src/kinds/custom_kind_rules.ts";
import type { StateVerdict } from "../../../src/kinds/resource_state.ts";
import { widget } from "./_status_samples.ts";

const RULES = `
kinds:
  - apiVersion: example.com/v1
    kind: Widget
    succeeded: [{ path: status.phase, equals: Done }]
    failed:
      - { path: status.phase, in: [Error, Failed] }
      - { path: "status.conditions[type=Degraded].status", equals: True }
    running: [{ path: status.phase, equals: Running }]
    reasonPath: status.reason
    messagePath: status.message
  - apiVersion: example.com/v1
    kind: Gadget
    succeeded:
      - all:
          - { path: status.ready, equals: true }
          - { path: status.result, exists: true }
    failed: [{ path: status.error, exists: true }]
    running: [{ path: status.observedGeneration, notEquals: 0 }]
`;

Deno.test("parseCustomKindRules: compiles each kind", () => {
  const rules = parseCustomKindRules(RULES, "rules.yaml");
  assert.deepEqual(rules.map((r) => `${r.apiVersion} ${r.kind}`), [
    "example.com/v1 Widget",
    "example.com/v1 Gadget",
  ]);
});

Deno.test("custom rule: states, precedence, reason and message", () => {
  const [w, g] = parseCustomKindRules(RULES, "rules.yaml");
  const table: Array<[Record<string, unknown> | undefined, StateVerdict]> = [
    [undefined, { state: "Pending" }],
    [{}, { state: "Pending" }],
    [{ phase: "Creating" }, { state: "Pending" }],
    [{ phase: "Running" }, { state: "Running" }],
    [{ phase: "Done" }, { state: "Succeeded", message: 'status.phase is "Done"' }],
    [{ phase: "Error", reason: "Crashed", message: "it broke" }, {
      state: "Failed",
      reason: "Crashed",
      message: "it broke",
    }],
    [{ phase: "Failed" }, { state: "Failed", message: 'status.phase is "Failed"' }],
    // failed > succeeded: a Done widget that is Degraded=True fails.
    [
      {
        phase: "Done",
        conditions: [{ type: "Ready", status: "True" }, { type: "Degraded", status: "True" }],
      },
      { state: "Failed", message: 'status.conditions[type=Degraded].status is "True"' },
    ],
    // status "False" does not match `equals: True`.
    [{ phase: "Running", conditions: [{ type: "Degraded", status: "False" }] }, {
      state: "Running",
    }],
  ];
  for (const [status, expected] of table) {
    assert.deepEqual(w.rule(widget(status)), expected, JSON.stringify(status));
  }
  const gadget = (status: Record<string, unknown>) => ({ ...widget(status), kind: "Gadget" });
  assert.deepEqual(g.rule(gadget({ ready: true })), { state: "Pending" });
  assert.deepEqual(g.rule(gadget({ ready: true, observedGeneration: 1 })), { state: "Running" });
  assert.deepEqual(g.rule(gadget({ observedGeneration: 0 })), { state: "Pending" });
  assert.deepEqual(
    g.rule(gadget({ ready: true, result: { rows: 3 } })),
    { state: "Succeeded", message: 'status.ready is true and status.result is {"rows":3}' },
  );
  assert.deepEqual(g.rule(gadget({ error: "disk full" })), {
    state: "Failed",
    message: 'status.error is "disk full"',
  });
});

Deno.test("custom rule: lenient scalar comparison and path selectors", () => {
  const [rule] = customKindRules({
    kinds: [{
      apiVersion: "v1alpha1",
      kind: "Thing",
      succeeded: [{ path: "status.count", equals: "3" }, {
        path: 'metadata.annotations["example.com/done"]',
        equals: "yes",
      }],
      failed: [{ path: "status.items[1].code", in: [1, 2] }, {
        path: "status.gone",
        exists: false,
      }],
    }],
  }, "inline");
  const thing = (status: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
    apiVersion: "v1alpha1",
    kind: "Thing",
    metadata: { name: "t", annotations },
    status: { gone: 1, ...status },
  });
  assert.equal(rule.rule(thing({ count: 3 })).state, "Succeeded");
  assert.equal(rule.rule(thing({}, { "example.com/done": "yes" })).state, "Succeeded");
  assert.equal(rule.rule(thing({ items: [{ code: 0 }, { code: "2" }] })).state, "Failed");
  assert.equal(rule.rule(thing({ items: [{ code: 0 }, { code: 0 }] })).state, "Pending");
  assert.equal(rule.rule({ ...thing({}), status: {} }).state, "Failed");
  // Prototype fields are not object fields.
  const [proto] = customKindRules({
    kinds: [{
      apiVersion: "v1",
      kind: "X",
      succeeded: [{ path: "status.constructor", exists: true }],
    }],
  }, "inline");
  assert.equal(
    proto.rule({ apiVersion: "v1", kind: "X", metadata: {}, status: {} }).state,
    "Pending",
  );
});

function rejects(text: string, expected: string) {
  assert.throws(() => parseCustomKindRules(text, "rules.yaml"), (e: unknown) => {
    assert.ok(e instanceof InputError, String(e));
    assert.equal(e.exitCode, 2);
    assert.equal(e.message, expected);
    return true;
  });
}

Deno.test("parseCustomKindRules: errors name the file, entry and field", () => {
  const head = "kinds:\n  - apiVersion: example.com/v1\n    kind: Widget\n";
  const w = "rules file rules.yaml: kinds[0] (example.com/v1 Widget): ";
  rejects("", "rules file rules.yaml: must be a mapping with a kinds list");
  rejects("kinds: []", "rules file rules.yaml: kinds: must be a non-empty list");
  rejects("kind: [x]", "rules file rules.yaml: kind: unknown key (expected kinds)");
  rejects(
    "kinds:\n  - kind: Widget\n    succeeded: [{path: a, equals: b}]",
    "rules file rules.yaml: kinds[0]: apiVersion: must be a non-empty string",
  );
  rejects(head, `${w}succeeded, failed: at least one is required, else a run could never end`);
  rejects(
    head + "    succeded: []",
    `${w}succeded: unknown key (expected one of apiVersion, kind, succeeded, failed, running, reasonPath, messagePath)`,
  );
  rejects(
    head + "    failed: { path: a, equals: b }",
    `${w}failed: must be a non-empty list of conditions`,
  );
  rejects(
    head + "    failed: [{ path: status.phase, in: [] }]",
    `${w}failed[0].in: must be a non-empty list of scalars`,
  );
  rejects(
    head + "    failed: [{ path: status.phase, in: [[a]] }]",
    `${w}failed[0].in: must be a non-empty list of scalars`,
  );
  rejects(
    head + "    failed: [{ path: status.phase, equals: a, in: [b] }]",
    `${w}failed[0]: needs exactly one of equals, notEquals, in, exists (got equals, in)`,
  );
  rejects(
    head + "    failed: [{ path: status.phase }]",
    `${w}failed[0]: needs exactly one of equals, notEquals, in, exists`,
  );
  rejects(
    head + "    failed: [{ path: status.phase, equal: x }]",
    `${w}failed[0].equal: unknown key (expected path with one of equals, notEquals, in, exists, or all)`,
  );
  rejects(
    head + "    failed: [{ equals: x }]",
    `${w}failed[0].path: must be a field path such as status.phase`,
  );
  rejects(
    head + "    failed: [{ path: 'status..phase', equals: x }]",
    `${w}failed[0].path: empty field name in path`,
  );
  rejects(
    head + "    failed: [{ path: 'status.c[type]', equals: x }]",
    `${w}failed[0].path: bad selector "[type]": use [N], ["key"] or [field=value]`,
  );
  rejects(
    head + "    failed: [{ path: 'status.c[0', equals: x }]",
    `${w}failed[0].path: unclosed "[" in path`,
  );
  rejects(
    head + "    failed: [{ path: a, exists: yes }]",
    `${w}failed[0].exists: must be true or false`,
  );
  rejects(
    head + "    failed: [{ path: a, equals: { b: 1 } }]",
    `${w}failed[0].equals: must be a string, number, boolean or null`,
  );
  rejects(
    head + "    failed: [{ all: [] }]",
    `${w}failed[0].all: must be a non-empty list of conditions`,
  );
  rejects(
    head + "    failed: [{ all: [{ path: a }] }]",
    `${w}failed[0].all[0]: needs exactly one of equals, notEquals, in, exists`,
  );
  rejects(
    head + "    failed: [{ path: a, all: [] }]",
    `${w}failed[0]: all cannot be combined with other keys`,
  );
  rejects(
    head + "    failed: [{ path: a, exists: true }]\n    reasonPath: 3",
    `${w}reasonPath: must be a field path such as status.phase`,
  );
  rejects(
    head + "    failed: [{ path: a, exists: true }]\n" + head.slice(7) +
      "    failed: [{ path: a, exists: true }]",
    "rules file rules.yaml: kinds[1] (example.com/v1 Widget): kind: duplicates kinds[0]",
  );
});

Deno.test("parseCustomKindRules: YAML syntax errors give line and column", () => {
  assert.throws(
    () => parseCustomKindRules("kinds:\n  - apiVersion: [unclosed\n", "bad.yaml"),
    (e: unknown) =>
      e instanceof InputError && /^rules file bad\.yaml: .*line \d+, column \d+/.test(e.message),
  );
  assert.throws(
    () => parseCustomKindRules("kinds: []\nkinds: []\n", "dup.yaml"),
    (e: unknown) =>
      e instanceof InputError && e.message.startsWith("rules file dup.yaml: ") &&
      !e.message.includes("\n"),
  );
});

Deno.test("loadCustomKindRules: reads a file; a missing file is an InputError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/rules.yaml`;
    await Deno.writeTextFile(path, RULES);
    assert.equal((await loadCustomKindRules(path)).length, 2);
    await assert.rejects(loadCustomKindRules(`${dir}/nope.yaml`), (e: unknown) => {
      return e instanceof InputError &&
        e.message === `rules file ${dir}/nope.yaml: not found`;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
