import assert from "node:assert/strict";
import {
  isKubeApiEventLine,
  parseKubeApiEvent,
  parseXComValue,
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
