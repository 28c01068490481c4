import assert from "node:assert/strict";
import {
  checkXComCaps,
  DEFAULT_XCOM_MAX_BYTES,
  DEFAULT_XCOM_MAX_DEPTH,
  isKubeApiEventLine,
  jsonDepth,
  parseKubeApiEvent,
  parseXComValue,
  utf8Length,
} from "../../../src/logs/kube_api_event.ts";

Deno.test("parseKubeApiEvent: ordinary lines are not events", () => {
  for (
    const line of ["", "hello", "INFO ::kube_api:xcom={}", "::kube_ap:xcom={}", "x::kube_api:a=b"]
  ) {
    assert.equal(parseKubeApiEvent(line), undefined, line);
    assert.equal(isKubeApiEventLine(line), false, line);
  }
});

Deno.test("parseKubeApiEvent: valid events", () => {
  assert.deepEqual(parseKubeApiEvent('::kube_api:xcom={"a":2,"[key]":"[value]"}'), {
    ok: true,
    name: "xcom",
    value: '{"a":2,"[key]":"[value]"}',
    parsed: { a: 2, "[key]": "[value]" },
  });
  assert.deepEqual(parseKubeApiEvent("  \t::kube_api:progress_2-b=50% = half "), {
    ok: true,
    name: "progress_2-b",
    value: "50% = half ",
  });
  assert.deepEqual(parseKubeApiEvent("::kube_api:empty="), { ok: true, name: "empty", value: "" });
  assert.deepEqual(parseKubeApiEvent('::kube_api:xcom= { "a" : [1] } '), {
    ok: true,
    name: "xcom",
    value: ' { "a" : [1] } ',
    parsed: { a: [1] },
  });
});

Deno.test("parseKubeApiEvent: invalid events are results, not throws", () => {
  const bad = (line: string) => {
    const r = parseKubeApiEvent(line);
    assert.ok(r && !r.ok, line);
    return r;
  };
  assert.equal(
    bad("::kube_api:xcom").error,
    "malformed ::kube_api: event: expected ::kube_api:NAME=VALUE with NAME of [a-zA-Z0-9_-]+",
  );
  assert.equal(bad("::kube_api:my name=1").name, undefined);
  assert.equal(bad("::kube_api:=1").value, "=1");
  assert.match(bad("::kube_api:xcom={a:1}").error, /^xcom value is not valid JSON: /);
  assert.equal(
    bad("::kube_api:xcom=[1,2]").error,
    "xcom value must be a JSON object, got an array",
  );
  assert.equal(bad("::kube_api:xcom=null").error, "xcom value must be a JSON object, got null");
  assert.equal(bad('::kube_api:xcom="s"').error, "xcom value must be a JSON object, got a string");
  assert.equal(bad("::kube_api:xcom=3").error, "xcom value must be a JSON object, got a number");
  assert.equal(bad("::kube_api:xcom=").name, "xcom");
});

Deno.test("parseXComValue", () => {
  assert.deepEqual(parseXComValue("{}"), { ok: true, value: {} });
  assert.deepEqual(parseXComValue("true"), {
    ok: false,
    error: "xcom value must be a JSON object, got a boolean",
  });
});

Deno.test("jsonDepth: brackets in strings and escapes do not count; stops above the limit", () => {
  assert.equal(jsonDepth("1"), 0);
  assert.equal(jsonDepth("{}"), 1);
  assert.equal(jsonDepth('{"a":[1,{"b":"[[{"}]}'), 3);
  assert.equal(jsonDepth('{"a":"\\"[[["}'), 1);
  assert.equal(jsonDepth("[[],[[]]]"), 3);
  const hostile = "[".repeat(500_000);
  assert.equal(jsonDepth(hostile, 32), 33);
  assert.equal(jsonDepth(hostile), 500_000);
});

Deno.test("utf8Length counts UTF-8 bytes", () => {
  assert.equal(utf8Length(""), 0);
  assert.equal(utf8Length("abc"), 3);
  assert.equal(utf8Length("é€😀"), 2 + 3 + 4);
  assert.equal(utf8Length("é€😀"), new TextEncoder().encode("é€😀").length);
});

Deno.test("parseKubeApiEvent: xcom values over the size or depth caps are invalid, before any parse", () => {
  const deep = `{"a":${"[".repeat(2000)}${"]".repeat(2000)}}`;
  const r = parseKubeApiEvent(`::kube_api:xcom=${deep}`);
  assert.deepEqual(r, {
    ok: false,
    name: "xcom",
    value: deep,
    error:
      `xcom value nests deeper than the cap of ${DEFAULT_XCOM_MAX_DEPTH} levels (xcom max depth)`,
  });
  assert.equal(
    checkXComCaps('{"a":"€€"}', { maxBytes: 12 }),
    "xcom value is 14 bytes, over the cap of 12 bytes (xcom max bytes)",
  );
  assert.equal(checkXComCaps('{"a":"€€"}', { maxBytes: 14 }), undefined);
  assert.equal(checkXComCaps("[[1]]", { maxDepth: 2 }), undefined);
  assert.deepEqual(parseKubeApiEvent('::kube_api:xcom={"a":{"b":{}}}', { maxDepth: 2 }), {
    ok: false,
    name: "xcom",
    value: '{"a":{"b":{}}}',
    error: "xcom value nests deeper than the cap of 2 levels (xcom max depth)",
  });
  assert.equal(DEFAULT_XCOM_MAX_BYTES, 1024 * 1024);
  // Other events are not xcom values: no caps.
  assert.deepEqual(parseKubeApiEvent("::kube_api:p=[[[", { maxDepth: 1 }), {
    ok: true,
    name: "p",
    value: "[[[",
  });
});
