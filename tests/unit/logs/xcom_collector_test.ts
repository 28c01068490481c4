import assert from "node:assert/strict";
import { parseKubeApiEvent } from "../../../src/logs/kube_api_event.ts";
import { XComCollector } from "../../../src/logs/xcom_collector.ts";

Deno.test("XComCollector: later keys win, shallow merge", () => {
  const x = new XComCollector();
  x.add({ a: 1, nested: { p: 1, q: 1 } });
  x.add({ b: 2, nested: { p: 2 } });
  x.add({ a: 3 });
  assert.deepEqual(x.toObject(), { a: 3, nested: { p: 2 }, b: 2 });
  assert.equal(x.size, 3);
});

Deno.test("XComCollector: addEvent takes only valid xcom events", () => {
  const x = new XComCollector();
  const lines = [
    '::kube_api:xcom={"a":1}',
    "::kube_api:xcom=[1]",
    '::kube_api:other={"b":1}',
    '::kube_api:xcom={"c":2}',
  ];
  const taken = lines.map((l) => x.addEvent(parseKubeApiEvent(l)!));
  assert.deepEqual(taken, [true, false, false, true]);
  assert.deepEqual(x.toObject(), { a: 1, c: 2 });
});

Deno.test("XComCollector: __proto__ is a plain key, no prototype pollution", () => {
  const x = new XComCollector();
  x.addEvent(parseKubeApiEvent('::kube_api:xcom={"__proto__":{"polluted":true},"k":1}')!);
  const out = x.toObject();
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((out as { polluted?: unknown }).polluted, undefined);
  assert.equal(JSON.stringify(out), '{"__proto__":{"polluted":true},"k":1}');
  // The returned object is a copy.
  out.k = 9;
  assert.equal(x.toObject().k, 1);
});
