import assert from "node:assert/strict";
import { ClusterError } from "../../../src/errors.ts";
import {
  floorToSecond,
  followContainerLog,
  type LogLine,
  type LogReconnect,
  parseTimestampNs,
} from "../../../src/kube/log_follow.ts";
import { type PushStream, startStubApi, status, type StubApi, until } from "./_stub_api.ts";

const LOG_PATH = "/api/v1/namespaces/ns/pods/p1/log";

/** The container's whole log: [timestamp, text]; several lines share timestamps. */
const LOG: [string, string][] = [
  ["2026-03-01T10:00:04.100000000Z", "starting"],
  ["2026-03-01T10:00:05.5Z", "same-ts 1"],
  ["2026-03-01T10:00:05.5Z", "same-ts 2"],
  ["2026-03-01T10:00:05.5Z", "same-ts 3"],
  ["2026-03-01T10:00:05.700000001Z", "later in the same second"],
  ["2026-03-01T10:00:06Z", "héllo wörld ✓"],
  ["2026-03-01T10:00:07.25Z", "done"],
];

const encode = (s: string) => new TextEncoder().encode(s);

/** The followed container of most tests: `main` of pod `p1` in `ns`, through `stub`. */
function containerP1(stub: StubApi, ac: AbortController) {
  return {
    client: stub.client(),
    namespace: "ns",
    pod: "p1",
    container: "main",
    signal: ac.signal,
  };
}

/** The lines a kubelet would send for `sinceTime` (whole seconds, inclusive). */
function linesSince(sinceTime: string | null): string[] {
  const since = sinceTime ? parseTimestampNs(sinceTime)! : -1n;
  return LOG.filter(([ts]) => parseTimestampNs(ts)! >= since).map(([ts, text]) =>
    `${ts} ${text}\n`
  );
}

Deno.test("parseTimestampNs and floorToSecond", () => {
  assert.equal(parseTimestampNs("1970-01-01T00:00:01.5Z"), 1_500_000_000n);
  assert.equal(parseTimestampNs("1970-01-01T01:00:00+01:00"), 0n);
  assert.equal(
    parseTimestampNs("2026-03-01T10:00:05.000000001Z")! - parseTimestampNs("2026-03-01T10:00:05Z")!,
    1n,
  );
  assert.equal(parseTimestampNs("not a time"), undefined);
  assert.equal(floorToSecond("2026-03-01T10:00:05.999999999Z"), "2026-03-01T10:00:05Z");
  assert.equal(floorToSecond("2026-03-01T12:00:05.5+02:00"), "2026-03-01T10:00:05Z");
});

Deno.test("log: a stream broken after several lines with one timestamp resumes with sinceTime and relays each line once", async () => {
  const streams: PushStream[] = [];
  const stub = startStubApi((req, s) => {
    const stream = s.openStream();
    streams.push(stream);
    const response = stream.response({ "content-type": "text/plain" });
    const lines = linesSince(req.query.get("sinceTime"));
    if (streams.length === 1) {
      // Up to the second of the three "same-ts" lines, then a broken connection;
      // the UTF-8 of a later line is split across chunks on the second stream.
      setTimeout(() => {
        stream.send(lines.slice(0, 3).join(""));
        stream.send("2026-03-01T10:00:05.5Z same-t"); // half a line: must not be relayed
        setTimeout(() => stream.break(), 20);
      }, 5);
    } else {
      setTimeout(() => {
        const bytes = encode(lines.join(""));
        const cut = bytes.indexOf(0xc3) + 1; // inside "é"
        stream.send(bytes.slice(0, cut));
        setTimeout(() => {
          stream.send(bytes.slice(cut));
          stream.end();
        }, 10);
      }, 5);
    }
    return response;
  });
  const ac = new AbortController();
  const got: LogLine[] = [];
  const reconnects: LogReconnect[] = [];
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 5_000,
      backoff: { minMs: 5, maxMs: 10 },
      isContainerDone: () => streams.length >= 2,
      onLine: (l) => void got.push(l),
      onReconnect: (r) => void reconnects.push(r),
    });
    assert.equal(await follow, "completed");
    assert.deepEqual(got.map((l) => l.line), LOG.map(([, text]) => text));
    assert.deepEqual(got.map((l) => l.ts), LOG.map(([ts]) => ts));
    const requests = stub.seen("GET", LOG_PATH);
    assert.equal(requests.length, 2);
    assert.equal(requests[0].query.get("follow"), "true");
    assert.equal(requests[0].query.get("timestamps"), "true");
    assert.equal(requests[0].query.get("container"), "main");
    assert.equal(requests[0].query.has("sinceTime"), false);
    assert.equal(requests[1].query.get("sinceTime"), "2026-03-01T10:00:05Z");
    assert.equal(reconnects[0].reason, "error");
    assert.equal(follow.stats.reconnects, 1);
    assert.equal(follow.stats.skipped, 2, "the two same-ts lines relayed before the break");
    assert.deepEqual(follow.stats.position, { ts: "2026-03-01T10:00:07.25Z", count: 1 });
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: many breaks, one after every line, still relay every line exactly once in order", async () => {
  let connections = 0;
  const stub = startStubApi((req, s) => {
    connections++;
    const stream = s.openStream();
    const response = stream.response();
    const lines = linesSince(req.query.get("sinceTime"));
    // Each connection re-sends the second of sinceTime, then one new line, then breaks.
    const alreadySent = LOG.length - lines.length;
    const upTo = Math.min(lines.length, connections - alreadySent);
    setTimeout(() => {
      stream.send(lines.slice(0, Math.max(upTo, 0)).join(""));
      setTimeout(() => (connections > LOG.length ? stream.end() : stream.break()), 5);
    }, 2);
    return response;
  });
  const ac = new AbortController();
  const got: string[] = [];
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 5_000,
      backoff: { minMs: 1, maxMs: 5 },
      isContainerDone: () => connections > LOG.length,
      onLine: (l) => void got.push(l.line),
    });
    assert.equal(await follow, "completed");
    assert.deepEqual(got, LOG.map(([, text]) => text));
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: a normal end while the container runs reconnects; waiting-to-start 400 is retried; a stall reconnects", async () => {
  let connections = 0;
  let done = false;
  const stub = startStubApi((req, s) => {
    connections++;
    if (connections === 1) {
      return status(
        400,
        "BadRequest",
        'container "main" in pod "p1" is waiting to start: ContainerCreating',
      );
    }
    const stream = s.openStream();
    const response = stream.response();
    const lines = linesSince(req.query.get("sinceTime"));
    if (connections === 2) {
      setTimeout(() => {
        stream.send(lines[0]);
        stream.end(); // ended, but the container is still running
      }, 2);
    } else if (connections === 3) {
      setTimeout(() => stream.send(lines.slice(0, 2).join("")), 2); // then silence: a stall
    } else {
      setTimeout(() => {
        done = true;
        stream.send(lines.join("") + "2026-03-01T10:00:08Z last line without newline");
        stream.end();
      }, 2);
    }
    return response;
  });
  const ac = new AbortController();
  const got: string[] = [];
  const reasons: string[] = [];
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 250,
      backoff: { minMs: 5, maxMs: 10 },
      isContainerDone: () => done,
      onLine: (l) => void got.push(l.line),
      onReconnect: (r) => void reasons.push(r.reason),
    });
    assert.equal(await follow, "completed");
    assert.deepEqual(reasons, ["waiting", "closed", "stall"]);
    assert.deepEqual(got, [...LOG.map(([, text]) => text), "last line without newline"]);
    assert.equal(follow.stats.stalls, 1);
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: lines longer than the limit are split, identically after a resume", async () => {
  const long = "x".repeat(25) + "é".repeat(10); // 45 bytes of text
  let connections = 0;
  const stub = startStubApi((_req, s) => {
    connections++;
    const stream = s.openStream();
    const response = stream.response();
    setTimeout(() => {
      const full = `2026-03-01T10:00:01Z ${long}\n2026-03-01T10:00:02Z short\n`;
      if (connections === 1) {
        stream.send(full.slice(0, 45)); // the first 20-byte piece, part of the next, then a break
        setTimeout(() => stream.break(), 5);
      } else {
        stream.send(full);
        stream.end();
      }
    }, 2);
    return response;
  });
  const ac = new AbortController();
  const got: LogLine[] = [];
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 5_000,
      maxLineBytes: 20,
      backoff: { minMs: 1, maxMs: 5 },
      isContainerDone: () => connections >= 2,
      onLine: (l) => void got.push(l),
    });
    assert.equal(await follow, "completed");
    const pieces = got.map((l) => l.line);
    assert.deepEqual(pieces, [
      "x".repeat(20),
      "x".repeat(5) + "é".repeat(7),
      "é".repeat(3),
      "short",
    ]);
    assert.ok(got.slice(0, 3).every((l) => l.ts === "2026-03-01T10:00:01Z"));
    assert.equal(
      follow.stats.skipped,
      1,
      "the piece relayed before the break is not relayed again",
    );
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: pieces of an over-long line are marked first/continuation; a continuation never carries a timestamp of its own", async () => {
  // The second piece starts with the event marker, the third with something shaped like a timestamp.
  const long = "a".repeat(20) + '::kube_api:xcom={"x":1}' + "2026-03-01T10:00:09Z tail";
  const stub = startStubApi((_req, s) => {
    const stream = s.openStream();
    const response = stream.response();
    setTimeout(() => {
      stream.send(`2026-03-01T10:00:01Z ${long}\n2026-03-01T10:00:02Z whole\n`);
      stream.end();
    }, 2);
    return response;
  });
  const ac = new AbortController();
  const got: LogLine[] = [];
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 5_000,
      maxLineBytes: 20,
      backoff: { minMs: 1, maxMs: 5 },
      isContainerDone: () => true,
      onLine: (l) => void got.push(l),
    });
    assert.equal(await follow, "completed");
    assert.deepEqual(got, [
      { ts: "2026-03-01T10:00:01Z", line: "a".repeat(20), piece: "first" },
      { ts: "2026-03-01T10:00:01Z", line: '::kube_api:xcom={"x"', piece: "continuation" },
      { ts: "2026-03-01T10:00:01Z", line: ":1}2026-03-01T10:00:", piece: "continuation" },
      { ts: "2026-03-01T10:00:01Z", line: "09Z tail", piece: "continuation" },
      { ts: "2026-03-01T10:00:02Z", line: "whole" },
    ]);
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: 404 ends with pod-gone, 403 rejects with ClusterError, abort resolves aborted", async () => {
  let mode = "404";
  const stub = startStubApi((_req, s) => {
    if (mode === "404") return status(404, "NotFound", 'pods "p1" not found');
    if (mode === "403") return status(403, "Forbidden", "pods/log is forbidden");
    return s.openStream().response();
  });
  const ac = new AbortController();
  const options = {
    namespace: "ns",
    pod: "p1",
    container: "main",
    stallTimeoutMs: 5_000,
    isContainerDone: () => false,
    onLine: () => {},
  };
  try {
    const client = stub.client();
    assert.equal(await followContainerLog({ ...options, client, signal: ac.signal }), "pod-gone");
    mode = "403";
    await assert.rejects(
      followContainerLog({ ...options, client, signal: ac.signal }),
      (e) =>
        e instanceof ClusterError && /needs verb "get" on resource "pods\/log"/.test(e.message),
    );
    mode = "open";
    const follow = followContainerLog({ ...options, client, signal: ac.signal });
    await until(() => stub.requests.length === 3);
    ac.abort();
    assert.equal(await follow, "aborted");
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: sinceTime drops older lines in the same second; resumeFrom continues a position", async () => {
  const stub = startStubApi((req, s) => {
    const stream = s.openStream();
    const response = stream.response();
    setTimeout(() => {
      stream.send(linesSince(req.query.get("sinceTime")).join(""));
      stream.end();
    }, 2);
    return response;
  });
  const ac = new AbortController();
  try {
    const client = stub.client();
    const base = {
      client,
      namespace: "ns",
      pod: "p1",
      container: "main",
      signal: ac.signal,
      stallTimeoutMs: 5_000,
      isContainerDone: () => true,
    };
    const a: string[] = [];
    await followContainerLog({
      ...base,
      sinceTime: "2026-03-01T10:00:05.6Z",
      onLine: (l) => void a.push(l.line),
    });
    assert.equal(stub.requests[0].query.get("sinceTime"), "2026-03-01T10:00:05Z");
    assert.deepEqual(a, ["later in the same second", "héllo wörld ✓", "done"]);

    const b: string[] = [];
    await followContainerLog({
      ...base,
      resumeFrom: { ts: "2026-03-01T10:00:05.5Z", count: 2 },
      onLine: (l) => void b.push(l.line),
    });
    assert.deepEqual(b, ["same-ts 3", "later in the same second", "héllo wörld ✓", "done"]);
  } finally {
    ac.abort();
    await stub.close();
  }
});

Deno.test("log: a follow backing off after errors reconnects as soon as the container ends, not after the back-off", async () => {
  let calls = 0;
  const stub = startStubApi(() => {
    calls++;
    if (calls === 1) {
      // As a kubelet out of inotify instances answers a follow.
      return status(500, "InternalError", "failed to create fsnotify watcher: too many open files");
    }
    return new Response(linesSince(null).join(""), { headers: { "content-type": "text/plain" } });
  });
  const ac = new AbortController();
  const got: LogLine[] = [];
  let done = false;
  const started = Date.now();
  try {
    const follow = followContainerLog({
      ...containerP1(stub, ac),
      stallTimeoutMs: 5_000,
      backoff: { minMs: 60_000, maxMs: 60_000 }, // a wait the test would not survive
      isContainerDone: () => done,
      onLine: (l) => void got.push(l),
    });
    await until(() => calls === 1);
    setTimeout(() => (done = true), 300); // the pod watch then shows the container terminated
    assert.equal(await follow, "completed");
    assert.deepEqual(got.map((l) => l.line), LOG.map(([, text]) => text));
    assert.equal(calls, 2);
    const waited = Date.now() - started;
    assert.ok(waited < 10_000, `reconnected after ${waited} ms, not after the 60 s back-off`);
  } finally {
    ac.abort();
    await stub.close();
  }
});
