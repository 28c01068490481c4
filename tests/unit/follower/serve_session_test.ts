import assert from "node:assert/strict";
import { type ServeEvent, ServeSession } from "../../../src/follower/serve_session.ts";
import { stubKubeConfig, until } from "../kube/_stub_api.ts";
import { FakeCluster, job, JOB_SUCCEEDED, JOBS, pod, PODS } from "./_fake_cluster.ts";

function setup() {
  const fake = new FakeCluster();
  const out: ServeEvent[] = [];
  const session = new ServeSession({
    write: (event) => out.push(JSON.parse(JSON.stringify(event))),
    defaults: { connection: { kubeConfig: stubKubeConfig(fake.port) }, deletePolicy: "Always" },
  });
  const resultOf = (id: string | number) =>
    out.find((e) => e.type === "result" && e.id === id) as
      | (ServeEvent & { state: string; exitCode: number; message?: string })
      | undefined;
  return {
    fake,
    session,
    out,
    resultOf,
    close: async () => {
      await session.close();
      await fake.close();
    },
  };
}

Deno.test("ServeSession: follow, detach, cleanup and ping; every event carries its request id", async () => {
  const { fake, session, out, resultOf, close } = setup();
  try {
    for (const runId of ["a", "b", "c"]) fake.put(JOBS, job(runId));
    fake.put(PODS, pod("c"));
    fake.logs.set("pod-a/main", "2026-11-30T00:00:01.000000000Z line of a\n");
    session.handle('{"op":"follow","id":1,"runId":"a","logs":true}');
    session.handle('{"op":"follow","id":"two","runId":"b"}');
    session.handle('{"op":"follow","id":1,"runId":"b"}');
    await until(() => fake.openWatches(PODS).length === 1, 5_000, "shared watches");
    session.handle('{"op":"ping","id":"p"}');
    fake.put(PODS, pod("a", 0));
    fake.put(JOBS, job("a", JOB_SUCCEEDED));
    await until(() => resultOf(1) !== undefined, 5_000, "result of 1");
    session.handle('{"op":"detach","id":"two"}');
    session.handle('{"op":"detach","id":99}');
    session.handle('{"op":"cleanup","id":3,"runId":"c"}');
    await until(() => resultOf("two") !== undefined && resultOf(3) !== undefined);

    assert.equal(resultOf(1)!.state, "Succeeded");
    assert.deepEqual(
      out.filter((e) => e.type === "log").map((e) => [e.id, (e as { line: string }).line]),
      [[1, "line of a"]],
    );
    assert.equal(resultOf("two")!.state, "Detached");
    assert.ok(fake.objects.get(JOBS)!.has("job-b"), "detach deletes nothing");
    assert.equal(resultOf(3)!.state, "Deleted");
    assert.ok(!fake.objects.get(JOBS)!.has("job-c"));
    assert.ok(!fake.objects.get(JOBS)!.has("job-a"), "delete policy Always (serve's default)");
    const errors = out.filter((e) => e.type === "error").map((
      e,
    ) => [e.id, (e as { message: string }).message]);
    assert.deepEqual(errors, [
      [1, "follow: id 1 is in use by a request in progress"],
      [99, "detach: no follow with id 99"],
    ]);
    const pong = out.find((e) => e.type === "pong") as {
      id: string;
      follows: number;
      namespaces: number;
    };
    assert.deepEqual([pong.id, pong.follows, pong.namespaces], ["p", 2, 1]);
    for (const event of out) {
      if (event.type !== "pong" && event.type !== "error") {
        assert.ok([1, "two", 3].includes(event.id), JSON.stringify(event));
      }
    }
    // Each id is closed by exactly one result, its last event.
    for (const id of [1, "two", 3]) {
      const mine = out.filter((e) => e.id === id && e.type !== "error");
      assert.equal(mine.filter((e) => e.type === "result").length, 1);
      assert.equal(mine.at(-1)!.type, "result");
    }
    assert.equal(session.size, 0);
  } finally {
    await close();
  }
});

Deno.test("ServeSession: a malformed request gets an error event and the session goes on", async () => {
  const { fake, session, out, close } = setup();
  try {
    session.handle("not json");
    session.handle('{"op":"follow","id":5}');
    session.handle("");
    session.handle('{"op":"ping"}');
    assert.deepEqual(out.map((e) => e.type), ["error", "error", "pong"]);
    assert.match((out[0] as { message: string }).message, /^not JSON/);
    assert.equal(out[1].id, 5);
    assert.equal(fake.stub.requests.length, 0);
  } finally {
    await close();
  }
});

Deno.test("ServeSession: an unusable cluster is a result for that id; close() detaches every follow", async () => {
  const { fake, session, resultOf, close } = setup();
  try {
    session.handle(
      '{"op":"follow","id":"bad","runId":"a","cluster":{"kubeconfig":"/nonexistent/kubeconfig"}}',
    );
    await until(() => resultOf("bad") !== undefined);
    assert.equal(resultOf("bad")!.state, "Error");
    assert.equal(resultOf("bad")!.exitCode, 2);
    assert.match(resultOf("bad")!.message!, /nonexistent/);

    fake.put(JOBS, job("a"));
    session.handle('{"op":"follow","id":"keep","runId":"a"}');
    await until(() => fake.openWatches(PODS).length === 1, 5_000, "shared watches");
    await session.close();
    assert.equal(resultOf("keep")!.state, "Detached");
    assert.ok(fake.objects.get(JOBS)!.has("job-a"));
    assert.equal(fake.stub.seen("DELETE", /.*/).length, 0);
    session.handle('{"op":"follow","id":"late","runId":"a"}');
    assert.equal(resultOf("late"), undefined);
  } finally {
    await close();
  }
});
