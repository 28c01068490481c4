import assert from "node:assert/strict";
import { ApiError, ConnectionError } from "../../../src/kube/api_error.ts";
import { freePort, json, startStubApi, status, stubKubeConfig, until } from "./_stub_api.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";

Deno.test("request sends the bearer token and query, parses JSON", async () => {
  const stub = startStubApi(() => json({ kind: "PodList", items: [] }));
  try {
    const client = stub.client();
    assert.equal(client.server, `http://127.0.0.1:${stub.port}`);
    assert.equal(client.contextNamespace, "ns");
    const list = await client.request<{ kind: string }>({
      path: "/api/v1/namespaces/ns/pods",
      query: { labelSelector: "a=b", limit: 5, skip: undefined },
    });
    assert.equal(list.kind, "PodList");
    const [seen] = stub.requests;
    assert.equal(seen.authorization, "Bearer test-token");
    assert.equal(seen.query.get("labelSelector"), "a=b");
    assert.equal(seen.query.get("limit"), "5");
    assert.equal(seen.query.has("skip"), false);
  } finally {
    await stub.close();
  }
});

Deno.test("GET is retried on 503 and 429, then succeeds", async () => {
  let calls = 0;
  const stub = startStubApi(() => {
    calls++;
    if (calls === 1) return status(503, "ServiceUnavailable", "busy");
    if (calls === 2) return status(429, "TooManyRequests", "slow down");
    return json({ ok: true });
  });
  try {
    const result = await stub.client().request<{ ok: boolean }>({ path: "/x" });
    assert.deepEqual(result, { ok: true });
    assert.equal(calls, 3);
  } finally {
    await stub.close();
  }
});

Deno.test("retries are bounded and the last error is thrown", async () => {
  const stub = startStubApi(() => status(500, "InternalError", "etcd down"));
  try {
    await assert.rejects(
      stub.client({ maxRetries: 2 }).request({ path: "/x" }),
      (err) => err instanceof ApiError && err.status === 500 && /etcd down/.test(err.message),
    );
    assert.equal(stub.requests.length, 3);
  } finally {
    await stub.close();
  }
});

Deno.test("POST is not retried on 500 (it may have been applied)", async () => {
  const stub = startStubApi(() => status(500, "InternalError", "boom"));
  try {
    await assert.rejects(stub.client().request({ method: "POST", path: "/x", body: {} }), ApiError);
    assert.equal(stub.requests.length, 1);
  } finally {
    await stub.close();
  }
});

Deno.test("4xx is not retried", async () => {
  const stub = startStubApi(() => status(404, "NotFound", "nope"));
  try {
    await assert.rejects(
      stub.client().request({ path: "/x" }),
      (e) => e instanceof ApiError && e.status === 404,
    );
    assert.equal(stub.requests.length, 1);
  } finally {
    await stub.close();
  }
});

Deno.test("connection refused is a ConnectionError that was not sent, also for POST after retries", async () => {
  const client = createKubeClient(stubKubeConfig(freePort()), {
    maxRetries: 1,
    retryBackoff: { minMs: 5, maxMs: 10 },
  });
  try {
    await assert.rejects(
      client.request({ method: "POST", path: "/x", body: {} }),
      (err) => err instanceof ConnectionError && err.sent === false && err.code === "ECONNREFUSED",
    );
  } finally {
    client.close();
  }
});

Deno.test("POST is retried when the connection was refused and reaches a server that comes up", async () => {
  const port = freePort();
  const client = createKubeClient(stubKubeConfig(port), {
    maxRetries: 20,
    retryBackoff: { minMs: 20, maxMs: 40 },
  });
  let stub: ReturnType<typeof startStubApi> | undefined;
  const later = setTimeout(() => {
    stub = startStubApi(() => json({ created: true }, 201), port);
  }, 150);
  try {
    const result = await client.request({ method: "POST", path: "/x", body: { a: 1 } });
    assert.deepEqual(result, { created: true });
    assert.equal(stub!.requests.length, 1);
    assert.deepEqual(stub!.requests[0].body, { a: 1 });
  } finally {
    clearTimeout(later);
    client.close();
    await stub?.close();
  }
});

Deno.test("a request that gets no answer times out", async () => {
  const stub = startStubApi(async (_req, s) => {
    await new Promise((r) => setTimeout(r, 400));
    return s.openStream().response();
  });
  try {
    const started = Date.now();
    await assert.rejects(
      stub.client({ requestTimeoutMs: 100, maxRetries: 0 }).request({ path: "/slow" }),
      (err) => err instanceof ConnectionError && err.timedOut,
    );
    assert.ok(Date.now() - started < 380, "timed out before the server answered");
  } finally {
    await stub.close();
  }
});

Deno.test("abort stops a request and its retries with the abort reason", async () => {
  const stub = startStubApi(() => status(503, "ServiceUnavailable", "busy"));
  try {
    const ac = new AbortController();
    const pending = stub.client({ retryBackoff: { minMs: 200, maxMs: 200 }, maxRetries: 10 })
      .request({ path: "/x", signal: ac.signal });
    setTimeout(() => ac.abort(new Error("stop")), 50);
    await assert.rejects(pending, /stop/);
    // Retries stop with the abort: fewer than 1 + 10 attempts, and none later.
    const sent = stub.requests.length;
    assert.ok(sent >= 1 && sent < 11, `${sent} attempts`);
    await new Promise((r) => setTimeout(r, 400)); // two back-offs

    assert.equal(stub.requests.length, sent, "no retry after the abort");
  } finally {
    await stub.close();
  }
});

Deno.test("stream: body chunks arrive; a broken body throws ConnectionError; non-200 throws ApiError", async () => {
  let step = 0;
  const stub = startStubApi((_req, s) => {
    step++;
    if (step === 3) return status(410, "Expired", "too old");
    const stream = s.openStream();
    setTimeout(() => {
      stream.send("one\n");
      setTimeout(() => (step === 1 ? stream.end() : stream.break()), 20);
    }, 10);
    return stream.response();
  });
  try {
    const client = stub.client();
    const collect = async () => {
      const res = await client.stream({ path: "/s" });
      let text = "";
      for await (const chunk of res.body) text += new TextDecoder().decode(chunk);
      return text;
    };
    assert.equal(await collect(), "one\n");
    await assert.rejects(collect(), ConnectionError);
    await assert.rejects(
      client.stream({ path: "/s" }),
      (e) => e instanceof ApiError && e.status === 410,
    );
  } finally {
    await stub.close();
  }
});

Deno.test("stream: abort ends the read with the abort reason", async () => {
  const stub = startStubApi((_req, s) => {
    const stream = s.openStream();
    setTimeout(() => stream.send("x\n"), 5);
    return stream.response();
  });
  try {
    const ac = new AbortController();
    const res = await stub.client().stream({ path: "/s", signal: ac.signal });
    const iterator = res.body[Symbol.asyncIterator]();
    await iterator.next();
    setTimeout(() => ac.abort(new Error("user stop")), 20);
    await assert.rejects(iterator.next(), /user stop/);
  } finally {
    await stub.close();
  }
});

Deno.test("GETs share one kept connection; other methods and streams open their own", async () => {
  const stub = startStubApi((seen) =>
    seen.query.get("watch") ? stub.openStream().response() : json({ kind: "Status" })
  );
  try {
    const client = stub.client();
    for (let i = 0; i < 3; i++) await client.request({ path: "/api/v1/namespaces/ns/pods" });
    await client.request({ method: "POST", path: "/api/v1/namespaces/ns/pods", body: {} });
    await client.request({ method: "POST", path: "/api/v1/namespaces/ns/pods", body: {} });
    const stop = new AbortController();
    await client.stream({
      path: "/api/v1/namespaces/ns/pods",
      query: { watch: 1 },
      signal: stop.signal,
    });
    stop.abort();
    const ports = (method: string) =>
      stub.requests.filter((r) => r.method === method && !r.query.get("watch")).map((r) =>
        r.remotePort
      );
    assert.equal(new Set(ports("GET")).size, 1, "the three GETs came on one connection");
    const posts = ports("POST");
    assert.equal(new Set(posts).size, 2, "each POST on a new connection");
    const watch = stub.requests.find((r) => r.query.get("watch"))!;
    assert.ok(!ports("GET").includes(watch.remotePort), "the watch has its own connection");
    client.close();
  } finally {
    await stub.close();
  }
});

Deno.test("a request aborted in flight is sent once, also after GETs kept a connection", async () => {
  let release!: () => void;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const stub = startStubApi(async (seen) => {
    if (seen.path.endsWith("/slow")) await slow;
    return json({ kind: "Status" });
  });
  try {
    const client = stub.client();
    await client.request({ path: "/api/v1/namespaces/ns/pods" }); // keeps a connection
    for (const method of ["POST", "DELETE"] as const) {
      const stop = new AbortController();
      const sent = client.request({
        method,
        path: `/api/v1/namespaces/ns/pods/${method}/slow`,
        body: method === "POST" ? {} : undefined,
        signal: stop.signal,
      });
      await until(() => stub.requests.some((r) => r.method === method));
      stop.abort("SIGTERM");
      await assert.rejects(sent);
    }
    release();
    await client.request({ path: "/api/v1/namespaces/ns/pods" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      stub.requests.map((r) => r.method),
      ["GET", "POST", "DELETE", "GET"],
      "no request went out twice",
    );
    client.close();
  } finally {
    release();
    await stub.close();
  }
});
