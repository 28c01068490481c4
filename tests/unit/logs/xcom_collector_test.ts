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

Deno.test("XComCollector: maxBytes caps the merged JSON; an object over it is refused whole", () => {
  const x = new XComCollector({ maxBytes: 30 });
  assert.equal(x.bytes, 2);
  assert.equal(x.add({ a: "12345" }), undefined);
  assert.equal(x.bytes, JSON.stringify(x.toObject()).length);
  const merged = JSON.stringify({ a: "12345", b: 1, c: "x".repeat(20) }).length; // 46
  assert.equal(
    x.add({ b: 1, c: "x".repeat(20) }),
    `xcom values would total ${merged} bytes, over the cap of 30 bytes (xcom max bytes)`,
  );
  assert.deepEqual(x.toObject(), { a: "12345" }, "nothing of a refused object is kept");
  // Replacing a key frees its old size.
  assert.equal(x.add({ a: "1".repeat(20) }), undefined);
  assert.equal(x.bytes, JSON.stringify(x.toObject()).length);
  assert.equal(x.add({ a: 1, b: 2 }), undefined);
  assert.deepEqual(x.toObject(), { a: 1, b: 2 });
  assert.equal(x.bytes, JSON.stringify(x.toObject()).length);
  assert.equal(x.addEvent(parseKubeApiEvent(`::kube_api:xcom={"z":"${"z".repeat(40)}"}`)!), false);
  assert.equal(x.maxBytes, 30);
});

Deno.test("XComCollector: many keys stay within the cap (memory is bounded by it)", () => {
  const x = new XComCollector({ maxBytes: 1000 });
  let refused = 0;
  for (let i = 0; i < 10_000; i++) if (x.add({ [`key${i}`]: i }) !== undefined) refused++;
  assert.ok(x.bytes <= 1000);
  assert.equal(x.size + refused, 10_000);
  assert.equal(x.bytes, JSON.stringify(x.toObject()).length);
});
