/**
 * A fault-injection TCP proxy for the fault tests: it forwards raw TCP from a
 * port on 127.0.0.1 to a target (the API server), so TLS passes through
 * untouched, and on demand resets every open connection, stalls the open
 * ones, or refuses new ones.
 *
 * It listens with `node:net` rather than `Deno.listen`: only a `node:net`
 * socket can be closed with a TCP RST (`socket.resetAndDestroy()`, i.e.
 * SO_LINGER 0); `Deno.Conn#close()` always sends a FIN, which is a polite end
 * of the stream rather than a broken connection.
 *
 * @module
 */

import net from "node:net";
import { parse, stringify } from "yaml";

/** Live counters of a {@linkcode FaultProxy}. */
export interface FaultProxyCounters {
  /** Connections accepted (including refused ones). */
  opened: number;
  /** Connections open now. */
  active: number;
  /** Connections aborted by `resetAll()`. */
  resets: number;
  /** Connections refused while `refuse(true)` was on. */
  refused: number;
  /** Connections stalled by `stall()` (each stall counts each connection it froze). */
  stalled: number;
  /** Connections whose upstream connect failed (target down). */
  upstreamFailures: number;
}

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where connections go (default 127.0.0.1). */
  targetHost?: string;
  targetPort: number;
}

/**
 * A running proxy.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ targetPort: 6443 });
 * const cancel = proxy.every(7_000, () => proxy.resetAll());
 * // ... connect to 127.0.0.1:proxy.port ...
 * cancel();
 * await proxy.close();
 * ```
 */
export interface FaultProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  readonly counters: Readonly<FaultProxyCounters>;
  /** Aborts every open connection (RST on both sides); returns how many. */
  resetAll(): number;
  /**
   * Stops forwarding bytes in both directions, for `ms`, on the connections
   * open now (they stay open; closes are held back too); new connections are
   * unaffected. Returns how many connections were stalled.
   */
  stall(ms: number): number;
  /** While on, new connections are accepted and reset at once. */
  refuse(on: boolean): void;
  /** Runs `action` every `ms` until the returned function or `close()` is called. */
  every(ms: number, action: () => void): () => void;
  /** Stops listening, cancels schedules and stalls, destroys every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  stalled: boolean;
  /** Removed from the open set (closed or reset). */
  gone: boolean;
  /** Work held back while stalled (chunks to forward, closes to propagate). */
  held: (() => void)[];
  /** Unstalls (after the stall timer or at close). */
  unstall?: () => void;
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `targetHost:targetPort`.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ targetPort: 6443 });
 * console.log(`proxy on 127.0.0.1:${proxy.port}`);
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const targetHost = options.targetHost ?? "127.0.0.1";
  const counters: FaultProxyCounters = {
    opened: 0,
    active: 0,
    resets: 0,
    refused: 0,
    stalled: 0,
    upstreamFailures: 0,
  };
  const pairs = new Set<Pair>();
  const schedules = new Set<ReturnType<typeof setInterval>>();
  const stallTimers = new Set<ReturnType<typeof setTimeout>>();
  let refusing = false;
  let closed = false;

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    counters.opened++;
    client.on("error", () => {});
    if (refusing || closed) {
      counters.refused++;
      reset(client);
      return;
    }
    const upstream = net.connect({
      host: targetHost,
      port: options.targetPort,
      allowHalfOpen: true,
    });
    upstream.on("error", () => {});
    let connected = false;
    upstream.once("connect", () => connected = true);
    const pair: Pair = { client, upstream, stalled: false, gone: false, held: [] };
    pairs.add(pair);
    counters.active++;
    forward(pair, client, upstream);
    forward(pair, upstream, client);
    // A side that closed takes the other one with it (an abrupt close is
    // passed on as a reset), unless the pair is stalled: then later.
    const onClose = (from: net.Socket, to: net.Socket, hadError: boolean) => () => {
      if (from === upstream && !connected && !pair.gone) counters.upstreamFailures++;
      const propagate = () => {
        drop(pair);
        if (hadError || (from === upstream && !connected)) reset(to);
        else to.end(() => to.destroy());
      };
      if (pair.stalled) pair.held.push(propagate);
      else propagate();
    };
    let clientError = false;
    let upstreamError = false;
    client.on("error", () => clientError = true);
    upstream.on("error", () => upstreamError = true);
    client.on("close", (e: boolean) => onClose(client, upstream, e || clientError)());
    upstream.on("close", (e: boolean) => onClose(upstream, client, e || upstreamError)());
  });
  server.on("error", () => {});

  /** Takes a pair out of the open set (once). */
  function drop(pair: Pair): boolean {
    if (pair.gone) return false;
    pair.gone = true;
    pairs.delete(pair);
    counters.active--;
    return true;
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });

  return {
    port,
    counters,
    resetAll() {
      const now = [...pairs];
      for (const pair of now) {
        drop(pair);
        counters.resets++;
        pair.held.length = 0;
        pair.stalled = false;
        reset(pair.client);
        reset(pair.upstream);
      }
      return now.length;
    },
    stall(ms) {
      const now = [...pairs].filter((p) => !p.stalled);
      for (const pair of now) {
        pair.stalled = true;
        counters.stalled++;
        pair.client.pause();
        pair.upstream.pause();
        const timer = setTimeout(() => {
          stallTimers.delete(timer);
          pair.unstall?.();
        }, ms);
        stallTimers.add(timer);
        pair.unstall = () => {
          pair.unstall = undefined;
          if (!pair.stalled) return;
          pair.stalled = false;
          for (const work of pair.held.splice(0)) work();
          if (!pair.upstream.writableNeedDrain && !pair.client.destroyed) pair.client.resume();
          if (!pair.client.writableNeedDrain && !pair.upstream.destroyed) pair.upstream.resume();
        };
      }
      return now.length;
    },
    refuse(on) {
      refusing = on;
    },
    every(ms, action) {
      const timer = setInterval(() => {
        try {
          action();
        } catch (error) {
          console.error("fault proxy: scheduled action failed:", error);
        }
      }, ms);
      schedules.add(timer);
      return () => {
        clearInterval(timer);
        schedules.delete(timer);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of schedules) clearInterval(timer);
      schedules.clear();
      for (const timer of stallTimers) clearTimeout(timer);
      stallTimers.clear();
      for (const pair of [...pairs]) {
        drop(pair);
        pair.held.length = 0;
        pair.stalled = false;
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forwards `from` → `to` with back-pressure; holds chunks while the pair is stalled. */
function forward(pair: Pair, from: net.Socket, to: net.Socket): void {
  const write = (chunk: Uint8Array) => {
    if (to.destroyed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => {
        if (!pair.stalled && !from.destroyed) from.resume();
      });
    }
  };
  from.on("data", (chunk: Uint8Array) => {
    if (pair.stalled) pair.held.push(() => write(chunk));
    else write(chunk);
  });
  from.on("end", () => {
    const end = () => {
      if (!to.destroyed) to.end();
    };
    if (pair.stalled) pair.held.push(end);
    else end();
  });
}

/** Closes a socket with a TCP RST when possible, else destroys it. */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    if (socket.connecting) {
      socket.destroy();
    } else {
      (socket as net.Socket & { resetAndDestroy(): void }).resetAndDestroy();
    }
  } catch {
    socket.destroy();
  }
}

/**
 * Writes a copy of a kubeconfig whose every cluster `server` points at
 * `127.0.0.1:port` (same CA and credentials: the API server's certificate has
 * the IP SAN 127.0.0.1, so TLS verification still passes). Returns its path
 * (a temporary file; remove it when done).
 *
 * @example
 * ```ts
 * const path = await writeProxyKubeconfig(".devcluster/kubeconfig", proxy.port);
 * ```
 */
export async function writeProxyKubeconfig(source: string, port: number): Promise<string> {
  const config = parse(await Deno.readTextFile(source)) as {
    clusters?: { cluster?: { server?: string } }[];
  };
  for (const entry of config.clusters ?? []) {
    if (!entry.cluster?.server) continue;
    const url = new URL(entry.cluster.server);
    url.hostname = "127.0.0.1";
    url.port = String(port);
    entry.cluster.server = url.toString().replace(/\/$/, "");
  }
  const path = await Deno.makeTempFile({ prefix: "kjo-fault-", suffix: ".kubeconfig" });
  await Deno.writeTextFile(path, stringify(config));
  return path;
}

/**
 * The `host:port` of the current cluster of a kubeconfig (what a proxy should forward to).
 *
 * @example
 * ```ts
 * const { host, port } = await kubeconfigServer(".devcluster/kubeconfig");
 * ```
 */
export async function kubeconfigServer(source: string): Promise<{ host: string; port: number }> {
  const config = parse(await Deno.readTextFile(source)) as {
    "current-context"?: string;
    contexts?: { name: string; context?: { cluster?: string } }[];
    clusters?: { name: string; cluster?: { server?: string } }[];
  };
  const context = config.contexts?.find((c) => c.name === config["current-context"]);
  const cluster = config.clusters?.find((c) => c.name === context?.context?.cluster) ??
    config.clusters?.[0];
  if (!cluster?.cluster?.server) throw new Error(`${source}: no cluster server`);
  const url = new URL(cluster.cluster.server);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port };
}
