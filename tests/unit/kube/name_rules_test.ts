import assert from "node:assert/strict";
import {
  isDns1035Label,
  isDnsLabel,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
} from "../../../src/kube/name_rules.ts";

Deno.test("isDnsLabel: lowercase alphanumerics and '-', alphanumeric ends, at most 63", () => {
  for (const ok of ["a", "web-1", "1web", "a".repeat(63)]) assert.ok(isDnsLabel(ok), ok);
  for (const bad of ["", "Web", "a_b", "a.b", "-a", "a-", "a".repeat(64)]) {
    assert.ok(!isDnsLabel(bad), bad);
  }
});

Deno.test("isDns1035Label: a DNS-1123 label that starts with a letter", () => {
  assert.ok(isDns1035Label("web-1"));
  assert.ok(!isDns1035Label("1web"));
  assert.ok(!isDns1035Label("w".repeat(64)));
});

Deno.test("isDnsSubdomain: dot-separated DNS labels, at most 253", () => {
  for (const ok of ["a", "app.example.com", "a-1.b-2", `${"a".repeat(63)}.${"b".repeat(63)}`]) {
    assert.ok(isDnsSubdomain(ok), ok);
  }
  const long = Array.from({ length: 4 }, () => "a".repeat(63)).join("."); // 255
  for (const bad of ["", "a..b", ".a", "a.", "A.b", "a_b", "a.-b", long]) {
    assert.ok(!isDnsSubdomain(bad), bad);
  }
});

Deno.test("isLabelValue: empty, or at most 63 of [A-Za-z0-9-_.] with alphanumeric ends", () => {
  for (const ok of ["", "r-123", "A_b.c", "x".repeat(63)]) assert.ok(isLabelValue(ok), ok);
  for (const bad of ["has space", "-a", "a.", "a/b", "x".repeat(64)]) {
    assert.ok(!isLabelValue(bad), bad);
  }
});

Deno.test("isLabelKey: optional DNS subdomain prefix and '/', then a 63-character name", () => {
  for (const ok of ["app", "kjo/run-id", "example.com/My_Key.v2", "n".repeat(63)]) {
    assert.ok(isLabelKey(ok), ok);
  }
  for (const bad of ["", "-x", "/x", "a/", "Bad_Prefix/x", "a/b/c", "n".repeat(64)]) {
    assert.ok(!isLabelKey(bad), bad);
  }
});
