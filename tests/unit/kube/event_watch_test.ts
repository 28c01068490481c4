import assert from "node:assert/strict";
import { type KubeEvent, watchEvents } from "../../../src/kube/event_watch.ts";
import { json, type PushStream, startStubApi, until } from "./_stub_api.ts";

const START = new Date("2026-03-01T10:00:00.500Z");

function event(
  uid: string,
  involved: { uid?: string; name: string; kind?: string },
  init: { count?: number; last?: string; reason?: string } = {},
): KubeEvent {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${involved.name}.${uid}`, namespace: "ns", uid, resourceVersion: "1" },
    involvedObject: { kind: involved.kind ?? "Pod", name: involved.name, uid: involved.uid },
    reason: init.reason ?? "Scheduled",
    message: "m",
    type: "Normal",
    count: init.count ?? 1,
    lastTimestamp: init.last ?? "2026-03-01T10:00:01Z",
  };
}

Deno.test("events: only tracked objects, deduplicated by uid+count, none from before the start, late tracking flushes", async () => {
  let stream: PushStream | undefined;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      return json({
        kind: "EventList",
        apiVersion: "v1",
        metadata: { resourceVersion: "5" },
        items: [
          event("old", { uid: "job-uid", name: "build", kind: "Job" }, {
            last: "2026-03-01T09:59:59Z",
          }),
          event("e1", { uid: "job-uid", name: "build", kind: "Job" }, {
            reason: "SuccessfulCreate",
          }),
          // Same second as the start (event times have second precision): kept.
          event("e0", { uid: "job-uid", name: "build", kind: "Job" }, {
            last: "2026-03-01T10:00:00Z",
            reason: "Early",
          }),
        ],
      });
    }
    stream = s.openStream();
    return stream.response();
  });
  const ac = new AbortController();
  const got: string[] = [];
  try {
    const events = watchEvents({
      client: stub.client(),
      namespace: "ns",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      since: START,
      objects: [{ uid: "job-uid" }],
      onEvent: (e) => void got.push(`${e.involvedObject.name}:${e.reason}:${e.count}`),
    });
    await until(() => stream !== undefined);
    assert.equal(stub.requests[0].path, "/api/v1/namespaces/ns/events");
    stream!.send({
      type: "MODIFIED",
      object: event("e1", { uid: "job-uid", name: "build" }, { reason: "SuccessfulCreate" }),
    });
    stream!.send({ type: "ADDED", object: event("p1", { uid: "pod-uid", name: "build-x" }) }); // not tracked yet
    stream!.send({ type: "ADDED", object: event("z", { uid: "other", name: "unrelated" }) });
    stream!.send({
      type: "MODIFIED",
      object: event("e1", { uid: "job-uid", name: "build" }, {
        count: 2,
        reason: "SuccessfulCreate",
      }),
    });
    await until(() => got.length === 3);
    events.track({ uid: "pod-uid" });
    stream!.send({
      type: "MODIFIED",
      object: event("p2", { name: "build-x", uid: "pod-uid" }, { reason: "Pulled" }),
    });
    await until(() => got.length === 5);
    assert.deepEqual(got, [
      "build:SuccessfulCreate:1",
      "build:Early:1",
      "build:SuccessfulCreate:2",
      "build-x:Scheduled:1",
      "build-x:Pulled:1",
    ]);
    ac.abort();
    await events;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("events: refs by kind and name match events without uid", async () => {
  let stream: PushStream | undefined;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      return json({ kind: "EventList", metadata: { resourceVersion: "1" }, items: [] });
    }
    stream = s.openStream();
    return stream.response();
  });
  const ac = new AbortController();
  const got: string[] = [];
  try {
    const events = watchEvents({
      client: stub.client(),
      namespace: "ns",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      since: START,
      objects: [{ kind: "Job", name: "build" }],
      onEvent: (e) => void got.push(e.metadata.uid!),
    });
    await until(() => stream !== undefined);
    stream!.send({ type: "ADDED", object: event("a", { name: "build", kind: "Pod" }) });
    stream!.send({ type: "ADDED", object: event("b", { name: "build", kind: "Job" }) });
    await until(() => got.length === 1);
    assert.deepEqual(got, ["b"]);
    ac.abort();
    await events;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("events: track de-duplicates refs and keeps only the last trackLimit; the initial objects stay", async () => {
  let stream: PushStream | undefined;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      return json({ kind: "EventList", metadata: { resourceVersion: "1" }, items: [] });
    }
    stream = s.openStream();
    return stream.response();
  });
  const ac = new AbortController();
  const got: string[] = [];
  try {
    const events = watchEvents({
      client: stub.client(),
      namespace: "ns",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      since: START,
      objects: [{ uid: "job-uid" }],
      trackLimit: 10,
      onEvent: (e) => void got.push(e.metadata.uid!),
    });
    // One track per pod update: the same pods again and again.
    for (let update = 0; update < 50; update++) {
      for (let pod = 0; pod < 5; pod++) events.track({ uid: `pod-${pod}` });
    }
    assert.equal(events.tracked, 6);
    for (let pod = 5; pod < 100; pod++) events.track({ uid: `pod-${pod}` });
    assert.equal(events.tracked, 11);
    await until(() => stream !== undefined);
    stream!.send({ type: "ADDED", object: event("old-pod", { uid: "pod-0", name: "p0" }) });
    stream!.send({ type: "ADDED", object: event("recent-pod", { uid: "pod-99", name: "p99" }) });
    stream!.send({
      type: "ADDED",
      object: event("job", { uid: "job-uid", name: "build", kind: "Job" }),
    });
    await until(() => got.length === 2);
    assert.deepEqual(got, ["recent-pod", "job"]);
    ac.abort();
    await events;
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("events: occurrence counts are remembered for the last deliveredLimit events", async () => {
  let stream: PushStream | undefined;
  const stub = startStubApi((req, s) => {
    if (req.query.get("watch") !== "true") {
      return json({ kind: "EventList", metadata: { resourceVersion: "1" }, items: [] });
    }
    stream = s.openStream();
    return stream.response();
  });
  const ac = new AbortController();
  const got: string[] = [];
  try {
    const events = watchEvents({
      client: stub.client(),
      namespace: "ns",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      since: START,
      objects: [{ uid: "job-uid" }],
      deliveredLimit: 3,
      onEvent: (e) => void got.push(e.metadata.uid!),
    });
    await until(() => stream !== undefined);
    const send = (uid: string) =>
      stream!.send({ type: "MODIFIED", object: event(uid, { uid: "job-uid", name: "build" }) });
    for (const uid of ["a", "b", "a", "c", "d"]) send(uid); // "a" repeated while remembered: dropped
    await until(() => got.length === 4);
    send("d"); // remembered: dropped
    send("a"); // forgotten after b, c, d: delivered again
    await until(() => got.length === 5);
    assert.deepEqual(got, ["a", "b", "c", "d", "a"]);
    ac.abort();
    await events;
  } finally {
    ac.abort();
    await stub.close();
  }
});
