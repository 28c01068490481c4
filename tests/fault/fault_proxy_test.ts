// Self-tests of the fault-injection proxy against a local echo server: no
// cluster needed, a few seconds in all.
import assert from "node:assert/strict";
import { kubeconfigServer, startFaultProxy, writeProxyKubeconfig } from "./_fault_proxy.ts";

/** An echo server on 127.0.0.1 (Deno.listen): every byte comes back. */
function startEcho(): { port: number; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      (async () => {
        const buf = new Uint8Array(16 * 1024);
        try {
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            await conn.write(buf.subarray(0, n));
          }
        } catch { /* reset */ }
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await serving;
    },
  };
}

const text = new TextEncoder();

/** Reads once with a time limit: the bytes, `null` at EOF, `"timeout"`, or the error's name. */
async function readOnce(conn: Deno.Conn, ms: number): Promise<string | null> {
  const buf = new Uint8Array(1024);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), ms)
  );
  const read = conn.read(buf).then(
    (n) => (n === null ? null : new TextDecoder().decode(buf.subarray(0, n))),
    (error) => `error:${(error as Error).name}`,
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function roundTrip(conn: Deno.Conn, message: string, ms = 2_000): Promise<string | null> {
  await conn.write(text.encode(message));
  return await readOnce(conn, ms);
}

function closeQuietly(conn: Deno.Conn) {
  try {
    conn.close();
  } catch { /* already closed */ }
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "fault proxy: forwards bytes both ways and counts connections",
  ...opts,
  async fn() {
    const echo = startEcho();
    const proxy = await startFaultProxy({ targetPort: echo.port });
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(conn, "hello"), "hello");
      assert.equal(proxy.counters.opened, 1);
      assert.equal(proxy.counters.active, 1);
      closeQuietly(conn);
    } finally {
      await proxy.close();
      await echo.close();
    }
  },
});

Deno.test({
  name: "fault proxy: resetAll aborts open connections with a reset; new ones work",
  ...opts,
  async fn() {
    const echo = startEcho();
    const proxy = await startFaultProxy({ targetPort: echo.port });
    try {
      const a = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      const b = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(a, "a"), "a");
      assert.equal(await roundTrip(b, "b"), "b");
      assert.equal(proxy.resetAll(), 2);
      assert.equal(proxy.counters.resets, 2);
      assert.equal(proxy.counters.active, 0);
      assert.equal(await readOnce(a, 2_000), "error:ConnectionReset");
      closeQuietly(a);
      closeQuietly(b);
      const c = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(c, "c"), "c");
      closeQuietly(c);
    } finally {
      await proxy.close();
      await echo.close();
    }
  },
});

Deno.test({
  name: "fault proxy: stall freezes the open connections only, then lets the held bytes through",
  ...opts,
  async fn() {
    const echo = startEcho();
    const proxy = await startFaultProxy({ targetPort: echo.port });
    try {
      const old = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(old, "before"), "before");
      const started = Date.now();
      assert.equal(proxy.stall(1_500), 1);
      const during = roundTrip(old, "during", 4_000);
      // A connection opened during the stall is not affected.
      const fresh = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(fresh, "fresh"), "fresh");
      // The old one is still open and gets its echo once the stall ends.
      assert.equal(await during, "during");
      assert.ok(Date.now() - started >= 1_400, `echo came after ${Date.now() - started} ms`);
      assert.equal(await roundTrip(old, "after"), "after");
      assert.equal(proxy.counters.stalled, 1);
      closeQuietly(old);
      closeQuietly(fresh);
    } finally {
      await proxy.close();
    }
    await echo.close();
  },
});

Deno.test({
  name: "fault proxy: refuse resets new connections until turned off; every() repeats an action",
  ...opts,
  async fn() {
    const echo = startEcho();
    const proxy = await startFaultProxy({ targetPort: echo.port });
    try {
      proxy.refuse(true);
      // The reset may already fail the connect, or the first read.
      const answer = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }).then(
        async (refused) => {
          const read = await readOnce(refused, 2_000);
          closeQuietly(refused);
          return read;
        },
        (error) => `error:${(error as Error).name}`,
      );
      assert.ok(answer === null || answer.startsWith("error:"), String(answer));
      assert.equal(proxy.counters.refused, 1);
      proxy.refuse(false);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
      assert.equal(await roundTrip(conn, "ok"), "ok");
      let runs = 0;
      const cancel = proxy.every(100, () => {
        runs++;
        proxy.resetAll();
      });
      await new Promise((resolve) => setTimeout(resolve, 450));
      cancel();
      const seen = runs;
      assert.ok(seen >= 3, `ran ${seen} times`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(runs, seen, "still running after cancel");
      assert.equal(proxy.counters.resets, 1);
      closeQuietly(conn);
    } finally {
      await proxy.close();
      await echo.close();
    }
  },
});

Deno.test({
  name: "fault proxy: a target that is down resets the client's connection",
  ...opts,
  async fn() {
    const echo = startEcho();
    const port = echo.port;
    await echo.close();
    const proxy = await startFaultProxy({ targetPort: port });
    try {
      const answer = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port }).then(
        async (conn) => {
          const read = await readOnce(conn, 2_000);
          closeQuietly(conn);
          return read;
        },
        (error) => `error:${(error as Error).name}`,
      );
      assert.ok(answer === null || answer.startsWith("error:"), String(answer));
      assert.equal(proxy.counters.upstreamFailures, 1);
    } finally {
      await proxy.close();
    }
  },
});

Deno.test("fault proxy: the kubeconfig copy points every cluster at the proxy", async () => {
  const source = await Deno.makeTempFile({ suffix: ".kubeconfig" });
  try {
    await Deno.writeTextFile(
      source,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: c",
        "  cluster:",
        "    server: https://127.0.0.1:34515",
        "    certificate-authority-data: Q0E=",
        "contexts:",
        "- name: x",
        "  context: { cluster: c, user: u }",
        "current-context: x",
        "users:",
        "- name: u",
        "  user: { token: t }",
        "",
      ].join("\n"),
    );
    assert.deepEqual(await kubeconfigServer(source), { host: "127.0.0.1", port: 34515 });
    const copy = await writeProxyKubeconfig(source, 40001);
    try {
      assert.deepEqual(await kubeconfigServer(copy), { host: "127.0.0.1", port: 40001 });
      const written = await Deno.readTextFile(copy);
      assert.match(written, /certificate-authority-data: Q0E=/);
      assert.match(written, /token: t/);
    } finally {
      await Deno.remove(copy);
    }
  } finally {
    await Deno.remove(source);
  }
});
