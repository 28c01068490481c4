import assert from "node:assert/strict";
import { PendingEvents } from "../../../src/follower/_pending_events.ts";
import type { KubeEvent } from "../../../src/kube/kube_event.ts";

function event(key: string, uid: string, reason = "Scheduled"): KubeEvent {
  return {
    metadata: { name: `e-${key}`, uid: key },
    involvedObject: { kind: "Pod", name: `p-${uid}`, uid },
    reason,
  } as KubeEvent;
}

Deno.test("PendingEvents: take returns the events about one uid, oldest first, and forgets them", () => {
  const pending = new PendingEvents(10);
  pending.add(event("1", "a"));
  pending.add(event("2", "b"));
  pending.add(event("3", "a", "Pulled"));
  assert.deepEqual(pending.take("a").map((e) => e.metadata.uid), ["1", "3"]);
  assert.deepEqual(pending.take("a"), []);
  assert.deepEqual(pending.size, 1);
  assert.deepEqual(pending.take("b").map((e) => e.metadata.uid), ["2"]);
  assert.deepEqual(pending.size, 0);
});

Deno.test("PendingEvents: a newer copy of an event replaces the older and counts as newest", () => {
  const pending = new PendingEvents(2);
  pending.add(event("1", "a", "Pulling"));
  pending.add(event("2", "b"));
  pending.add(event("1", "a", "Pulled")); // same key, moves to the end
  pending.add(event("3", "c")); // over the limit: the oldest ("2") goes
  assert.deepEqual(pending.size, 2);
  assert.deepEqual(pending.take("b"), []);
  assert.deepEqual(pending.take("a").map((e) => e.reason), ["Pulled"]);
  assert.deepEqual(pending.take("c").map((e) => e.metadata.uid), ["3"]);
});

Deno.test("PendingEvents: past the limit the oldest event is dropped, also from its uid's index", () => {
  const pending = new PendingEvents(1);
  pending.add(event("1", "a"));
  pending.add(event("2", "a"));
  assert.deepEqual(pending.take("a").map((e) => e.metadata.uid), ["2"]);
  pending.add(event("3", "b"));
  pending.clear();
  assert.deepEqual(pending.size, 0);
  assert.deepEqual(pending.take("b"), []);
});
