import assert from "node:assert/strict";
import { eventTimeMs, type KubeEvent } from "../../../src/kube/kube_event.ts";

function event(fields: Partial<KubeEvent>, created?: string): KubeEvent {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "e", ...(created ? { creationTimestamp: created } : {}) },
    involvedObject: {},
    ...fields,
  };
}

Deno.test("eventTimeMs: the last occurrence first, then the series, the event time, the first time, the creation", () => {
  const t = (s: string) => Date.parse(s);
  assert.equal(
    eventTimeMs(event({
      lastTimestamp: "2026-01-01T00:00:05Z",
      firstTimestamp: "2026-01-01T00:00:01Z",
    })),
    t("2026-01-01T00:00:05Z"),
  );
  assert.equal(
    eventTimeMs(event({
      series: { count: 3, lastObservedTime: "2026-01-01T00:00:04.500000Z" },
      eventTime: "2026-01-01T00:00:02.000000Z",
    })),
    t("2026-01-01T00:00:04.500Z"),
  );
  assert.equal(
    eventTimeMs(event({ eventTime: "2026-01-01T00:00:02.250000Z" })),
    t("2026-01-01T00:00:02.250Z"),
  );
  assert.equal(
    eventTimeMs(event({ firstTimestamp: "2026-01-01T00:00:01Z" })),
    t("2026-01-01T00:00:01Z"),
  );
  assert.equal(eventTimeMs(event({}, "2026-01-01T00:00:09Z")), t("2026-01-01T00:00:09Z"));
});

Deno.test("eventTimeMs: no time field, or an unreadable one, is undefined", () => {
  assert.equal(eventTimeMs(event({})), undefined);
  assert.equal(eventTimeMs(event({ lastTimestamp: "yesterday-ish" })), undefined);
});
