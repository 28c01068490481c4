/**
 * A scriptable stand-in for the Kubernetes API server, for unit tests:
 * `Deno.serve` on 127.0.0.1 (random port, plain HTTP), a handler per test,
 * every request recorded, and streams the test pushes lines into, ends
 * cleanly, breaks, or leaves silent.
 *
 * @module
 */

import { KubeConfig } from "@kubernetes/client-node";
import {
  createKubeClient,
  type KubeClient,
  type KubeClientOptions,
} from "../../../src/kube/kube_client.ts";

/** A request the stub received. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  authorization: string | null;
  /** The client's port: requests on one kept connection share it. */
  remotePort: number;
}

/** The handler of a test; `seen` is the recorded request. */
export type StubHandler = (seen: SeenRequest, stub: StubApi) => Response | Promise<Response>;

/**
 * A response body the test writes to as it wants.
 *
 * @example
 * ```ts
 * const s = stub.openStream();
 * s.send({ type: "ADDED", object: pod });
 * s.end();
 * ```
 */
export class PushStream {
  #controller?: ReadableStreamDefaultController<Uint8Array>;
  #finished = false;
  /** Resolves when the client went away (the server saw the stream cancelled). */
  readonly cancelled: Promise<void>;
  #onCancel!: () => void;

  constructor() {
    this.cancelled = new Promise((resolve) => (this.#onCancel = resolve));
  }

  /** A 200 response streaming what the test pushes. */
  response(headers: Record<string, string> = { "content-type": "application/json" }): Response {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.#finished = true;
        this.#onCancel();
      },
    });
    return new Response(body, { status: 200, headers });
  }

  /** Writes a JSON line (objects) or raw text/bytes. */
  send(data: unknown): void {
    if (this.#finished || !this.#controller) return;
    const bytes = data instanceof Uint8Array
      ? data
      : new TextEncoder().encode(typeof data === "string" ? data : JSON.stringify(data) + "\n");
    try {
      this.#controller.enqueue(bytes);
    } catch { /* client gone */ }
  }

  /** Ends the body normally. */
  end(): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      this.#controller?.close();
    } catch { /* already closed */ }
    this.#onCancel();
  }

  /** Drops the connection in the middle of the body. */
  break(): void {
    if (this.#finished) return;
    this.#finished = true;
    try {
      this.#controller?.error(new Error("stub: connection broken on purpose"));
    } catch { /* already closed */ }
    this.#onCancel();
  }
}

/**
 * A running stub API server.
 *
 * @example
 * ```ts
 * const stub = startStubApi((req) => json({ kind: "PodList", items: [] }));
 * const client = stub.client();
 * // ...
 * await stub.close();
 * ```
 */
export class StubApi {
  readonly requests: SeenRequest[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #abort = new AbortController();
  readonly #streams = new Set<PushStream>();
  readonly #clients: KubeClient[] = [];
  #handler: StubHandler;

  constructor(handler: StubHandler, port = 0) {
    this.#handler = handler;
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      signal: this.#abort.signal,
      onListen: () => {},
      onError: (err) => {
        if (!String(err).includes("broken on purpose")) console.error("stub error", err);
        return new Response("stub failure", { status: 500 });
      },
    }, async (req, info) => {
      const url = new URL(req.url);
      const text = await req.text();
      let body: unknown;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const seen: SeenRequest = {
        method: req.method,
        path: url.pathname,
        query: url.searchParams,
        body,
        authorization: req.headers.get("authorization"),
        remotePort: (info.remoteAddr as Deno.NetAddr).port,
      };
      this.requests.push(seen);
      return await this.#handler(seen, this);
    });
  }

  /** Port the stub listens on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /** Replaces the handler. */
  setHandler(handler: StubHandler): void {
    this.#handler = handler;
  }

  /** A new stream tracked by the stub (closed on {@linkcode close}). */
  openStream(): PushStream {
    const stream = new PushStream();
    this.#streams.add(stream);
    return stream;
  }

  /** A client whose kube config points at the stub with a bearer token. */
  client(options: KubeClientOptions = {}): KubeClient {
    const client = createKubeClient(stubKubeConfig(this.port), {
      retryBackoff: { minMs: 10, maxMs: 50 },
      ...options,
    });
    this.#clients.push(client);
    return client;
  }

  /** Requests matching a method and path. */
  seen(method: string, path: string | RegExp): SeenRequest[] {
    return this.requests.filter((r) =>
      r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path))
    );
  }

  /** Ends every stream, closes the clients and stops the server. */
  async close(): Promise<void> {
    for (const client of this.#clients) client.close();
    for (const stream of this.#streams) stream.end();
    this.#abort.abort();
    await this.#server.finished;
  }
}

/**
 * Starts a stub API server.
 *
 * @example
 * ```ts
 * const stub = startStubApi(() => json({}));
 * ```
 */
export function startStubApi(handler: StubHandler, port = 0): StubApi {
  return new StubApi(handler, port);
}

/**
 * A kube config for `http://127.0.0.1:PORT` with a bearer token user.
 *
 * @example
 * ```ts
 * const kc = stubKubeConfig(8080);
 * ```
 */
export function stubKubeConfig(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "stub", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "tester", token: "test-token" }],
    contexts: [{ name: "stub", cluster: "stub", user: "tester", namespace: "ns" }],
    currentContext: "stub",
  });
  return kc;
}

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * return json({ kind: "Status", code: 404 }, 404);
 * ```
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * A Kubernetes `Status` error response.
 *
 * @example
 * ```ts
 * return status(403, "Forbidden", "pods is forbidden");
 * ```
 */
export function status(code: number, reason: string, message: string, details?: unknown): Response {
  return json({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code,
    reason,
    message,
    details,
  }, code);
}

/**
 * A free TCP port on 127.0.0.1 (nothing listens on it when this returns).
 *
 * @example
 * ```ts
 * const port = freePort();
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Waits until `predicate` holds (polling), failing after `timeoutMs`.
 *
 * @example
 * ```ts
 * await until(() => events.length === 3);
 * ```
 */
export async function until(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
