/**
 * The Kubernetes client kjo's runner uses: client-node API objects plus a raw
 * request function with kjo's timeouts and retry rules, and raw streaming GETs
 * for watches and log follows.
 *
 * Raw requests go through `node:http`/`node:https` with the options
 * `KubeConfig.applyToHTTPSOptions` produces (CA, client certificate, bearer
 * token, exec/auth-provider plugins, basic auth, impersonation, proxy agent).
 * `node:http` is used rather than client-node's undici `fetch` because under
 * Deno the latter does not report a connection the server closes in the
 * middle of a body (the read just hangs), which a resumable watch or log
 * follow must see at once.
 *
 * @module
 */

import http from "node:http";
import https from "node:https";
import { Buffer } from "node:buffer";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterError, errorText, InputError } from "../errors.ts";
import { ApiError, ConnectionError, isUnsentCode, type KubeStatus } from "./api_error.ts";
import { type BackoffBounds, backoffDelay, sleep } from "./_backoff.ts";
import { ConnectionPool } from "./_connection_pool.ts";

/**
 * Options of {@linkcode createKubeClient}.
 */
export interface KubeClientOptions {
  /**
   * Time limit of one non-streaming request attempt, in ms.
   *
   * @default {30_000}
   */
  requestTimeoutMs?: number;
  /**
   * Retries after the first attempt of a retryable request.
   *
   * @default {4}
   */
  maxRetries?: number;
  /**
   * Back-off between retries (jittered).
   *
   * @default {{ minMs: 250, maxMs: 5_000 }}
   */
  retryBackoff?: BackoffBounds;
  /**
   * TCP keepalive idle time of every connection, in ms.
   *
   * @default {30_000}
   */
  tcpKeepAliveMs?: number;
  /**
   * How long an idle connection is kept for the next GET request, in ms; 0
   * opens a new connection for every request. Other methods and streams
   * always open their own.
   *
   * @default {4_000}
   */
  idleConnectionMs?: number;
  /**
   * `User-Agent` header.
   *
   * @default {"kjo"}
   */
  userAgent?: string;
}

/**
 * Which failures a request may be repeated after.
 * - `safe`: connection errors, timeouts, 429 and 5xx (idempotent requests).
 * - `unsent`: only errors proving the server never got the request
 *   (connection refused, DNS failure) and 429 (rejected before processing).
 * - `none`: never.
 */
export type RetryMode = "safe" | "unsent" | "none";

/**
 * Query parameters; `undefined` values are left out.
 */
export type Query = Record<string, string | number | boolean | undefined>;

/**
 * One non-streaming API request.
 */
export interface ApiRequest {
  /**
   * HTTP method.
   *
   * @default {"GET"}
   */
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below the server URL, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Query;
  /** JSON body. */
  body?: unknown;
  /**
   * Content type of the body.
   *
   * @default {"application/json"}
   */
  contentType?: string;
  /** Aborts the request (and its retries). */
  signal?: AbortSignal;
  /**
   * Time limit of this request's attempts, in ms; the client's `requestTimeoutMs` when absent.
   */
  timeoutMs?: number;
  /**
   * Retry rule: `safe` for GET and DELETE, `unsent` otherwise when absent.
   */
  retry?: RetryMode;
}

/**
 * One streaming GET (watch, log follow).
 */
export interface StreamRequest {
  path: string;
  query?: Query;
  /** Aborting it closes the connection; reads then throw. */
  signal?: AbortSignal;
  /**
   * Time limit until the response headers arrive, in ms; the client's `requestTimeoutMs` when absent.
   */
  headersTimeoutMs?: number;
}

/**
 * A 200 answer to a {@linkcode StreamRequest}.
 */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * The body as it arrives. Iteration throws a {@linkcode ConnectionError}
   * when the connection breaks before the body ended, or the abort reason.
   */
  body: AsyncIterable<Uint8Array>;
}

/**
 * What the rest of kjo needs to talk to one cluster.
 */
export interface KubeClient {
  /** The kube config the client was built from. */
  readonly kubeConfig: KubeConfig;
  /** URL of the current cluster, without a trailing slash. */
  readonly server: string;
  /** Namespace of the current context, if it names one. */
  readonly contextNamespace?: string;
  /** Effective settings. */
  readonly settings: Readonly<Required<KubeClientOptions>>;
  /** Sends a JSON request with timeout and retries; resolves with the parsed body. */
  request<T = unknown>(req: ApiRequest): Promise<T>;
  /** Opens a streaming GET; rejects with {@linkcode ApiError} unless the status is 200. */
  stream(req: StreamRequest): Promise<StreamResponse>;
  /** Aborts every request still open. The client must not be used afterwards. */
  close(): void;
}

const DEFAULTS: Required<KubeClientOptions> = {
  requestTimeoutMs: 30_000,
  maxRetries: 4,
  retryBackoff: { minMs: 250, maxMs: 5_000 },
  tcpKeepAliveMs: 30_000,
  idleConnectionMs: 4_000,
  userAgent: "kjo",
};

/**
 * Builds a {@linkcode KubeClient} for the current context of `kubeConfig`.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "@kubernetes/client-node";
 * import { createKubeClient } from "./kube_client.ts";
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromString(JSON.stringify({
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
 *   users: [{ name: "u", user: { token: "t" } }],
 *   contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
 *   "current-context": "ctx",
 * }));
 * const client = createKubeClient(kubeConfig, { requestTimeoutMs: 10_000 });
 * ```
 */
export function createKubeClient(
  kubeConfig: KubeConfig,
  options: KubeClientOptions = {},
): KubeClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new InputError(
      `kube config: context "${kubeConfig.getCurrentContext() ?? ""}" names no cluster`,
    );
  }
  const server = cluster.server.replace(/\/+$/, "");
  const settings: Required<KubeClientOptions> = { ...DEFAULTS, ...stripUndefined(options) };
  const open = new Set<http.ClientRequest>();
  let closed = false;
  const protocol = new URL(server).protocol;
  const pool = new ConnectionPool({ idleMs: settings.idleConnectionMs, maxIdle: 16 });
  const fresh = new ConnectionPool({ idleMs: 0, maxIdle: 0 });

  /** `reuse`: the request may go over a kept connection (see {@linkcode ConnectionPool}). */
  async function connectionOptions(reuse: boolean): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    try {
      await kubeConfig.applyToHTTPSOptions(opts);
    } catch (err) {
      // client-node refuses http:// servers unless skipTLSVerify is set; kubectl
      // allows them. Its credentials were applied before that check failed.
      const plainRefused = server.startsWith("http:") &&
        /HTTP protocol is not allowed/.test(errorText(err));
      if (!plainRefused) {
        throw new ClusterError(`kube config: cannot get credentials: ${errorText(err)}`, {
          cause: err,
        });
      }
    }
    if (reuse) opts.agent = pool.agentFor(opts, protocol);
    else if (!opts.agent) opts.agent = fresh.agentFor(opts, protocol);
    return opts;
  }

  function buildUrl(path: string, query?: Query): URL {
    const url = new URL(server + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends once; resolves when the response headers arrived. */
  async function send(init: {
    method: string;
    url: URL;
    body?: string;
    contentType?: string;
    signal?: AbortSignal;
    timeoutMs: number;
    track: (req: http.ClientRequest) => void;
    /** Whether the request may use a kept connection (a plain GET, not a stream). */
    reuse: boolean;
  }): Promise<http.IncomingMessage> {
    if (closed) throw new ClusterError("the Kubernetes client is closed");
    init.signal?.throwIfAborted();
    const opts = await connectionOptions(init.reuse);
    init.signal?.throwIfAborted();
    const headers: Record<string, string> = {
      ...(opts.headers as Record<string, string> | undefined),
      Accept: "application/json",
      "User-Agent": settings.userAgent,
    };
    if (init.body !== undefined) {
      headers["Content-Type"] = init.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(init.body));
    }
    const mod = init.url.protocol === "https:" ? https : http;
    return await new Promise<http.IncomingMessage>((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(classify(err, { timedOut, signal: init.signal }));
      };
      const req = mod.request(init.url, { ...opts, method: init.method, headers }, (res) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(res);
      });
      init.track(req);
      req.on("error", fail);
      req.on("socket", (socket) => {
        socket.setKeepAlive?.(true, settings.tcpKeepAliveMs);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error("request timed out"));
      }, init.timeoutMs);
      const onAbort = () => req.destroy(asError(abortReason(init.signal)));
      init.signal?.addEventListener("abort", onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        init.signal?.removeEventListener("abort", onAbort);
      };
      req.on("close", cleanup);
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
  }

  function classify(err: unknown, ctx: { timedOut: boolean; signal?: AbortSignal }): unknown {
    if (ctx.signal?.aborted) return abortReason(ctx.signal);
    if (err instanceof ClusterError) return err;
    const code = (err as { code?: string })?.code;
    if (ctx.timedOut) {
      return new ConnectionError(server, { sent: true, timedOut: true }, { cause: err });
    }
    return new ConnectionError(
      server,
      { code, sent: !isUnsentCode(code), detail: errorText(err) },
      {
        cause: err,
      },
    );
  }

  function tracker(): { track: (req: http.ClientRequest) => void; release: () => void } {
    let current: http.ClientRequest | undefined;
    return {
      track(req) {
        current = req;
        open.add(req);
        req.on("close", () => open.delete(req));
      },
      release() {
        if (current) open.delete(current);
      },
    };
  }

  async function requestOnce<T>(req: ApiRequest): Promise<T> {
    const method = req.method ?? "GET";
    const url = buildUrl(req.path, req.query);
    const timeoutMs = req.timeoutMs ?? settings.requestTimeoutMs;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const t = tracker();
    // One deadline for headers and body together.
    const deadlineCtl = new AbortController();
    const deadline = deadlineCtl.signal;
    const deadlineTimer = setTimeout(
      () => deadlineCtl.abort(new DOMException("request timed out", "TimeoutError")),
      timeoutMs,
    );
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    try {
      const res = await send({
        method,
        url,
        body,
        contentType: req.contentType,
        signal,
        timeoutMs,
        // Deno's node:http sends a request again when it is destroyed in
        // flight on a kept connection (2.9); only a repeated GET is harmless.
        reuse: method === "GET",
        track: t.track,
      }).catch((err) => {
        if (deadline.aborted && !req.signal?.aborted) {
          throw new ConnectionError(server, { sent: true, timedOut: true }, { cause: err });
        }
        throw err;
      });
      let text: string;
      try {
        text = await readAll(res);
      } catch (err) {
        if (req.signal?.aborted) throw abortReason(req.signal);
        throw new ConnectionError(server, {
          sent: true,
          timedOut: deadline.aborted,
          code: (err as { code?: string })?.code ?? "ECONNRESET",
        }, { cause: err });
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        if (text.trim() === "") return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch (err) {
          throw new ClusterError(`${method} ${req.path}: the server sent a body that is not JSON`, {
            cause: err,
          });
        }
      }
      throw apiErrorFrom(status, res.headers, text, method, req.path);
    } finally {
      clearTimeout(deadlineTimer);
      t.release();
    }
  }

  async function request<T>(req: ApiRequest): Promise<T> {
    const method = req.method ?? "GET";
    const mode: RetryMode = req.retry ??
      (method === "GET" || method === "DELETE" ? "safe" : "unsent");
    for (let attempt = 0;; attempt++) {
      try {
        return await requestOnce<T>(req);
      } catch (err) {
        if (req.signal?.aborted) throw abortReason(req.signal);
        if (attempt >= settings.maxRetries || !mayRetry(err, mode)) throw err;
        let delay = backoffDelay(attempt, settings.retryBackoff);
        if (err instanceof ApiError && err.retryAfterMs !== undefined) {
          delay = Math.min(Math.max(delay, err.retryAfterMs), settings.retryBackoff.maxMs * 2);
        }
        if (!(await sleep(delay, req.signal))) throw abortReason(req.signal);
      }
    }
  }

  async function stream(req: StreamRequest): Promise<StreamResponse> {
    const url = buildUrl(req.path, req.query);
    const t = tracker();
    let res: http.IncomingMessage;
    try {
      res = await send({
        method: "GET",
        url,
        signal: req.signal,
        timeoutMs: req.headersTimeoutMs ?? settings.requestTimeoutMs,
        track: t.track,
        // A stream holds its connection until it ends; a repeated watch or
        // log request (see above) would stay open on the server.
        reuse: false,
      });
    } catch (err) {
      t.release();
      throw err;
    }
    res.on("error", () => {}); // surfaced through the iterator
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      let text = "";
      try {
        text = await readAll(res);
      } catch { /* the status is what matters */ }
      t.release();
      throw apiErrorFrom(status, res.headers, text, "GET", req.path);
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
    }
    const signal = req.signal;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of res) {
          yield chunk instanceof Uint8Array ? chunk : new TextEncoder().encode(String(chunk));
        }
        if (!res.complete) throw new Error("the connection closed before the body ended");
      } catch (err) {
        if (signal?.aborted) throw abortReason(signal);
        throw new ConnectionError(server, {
          sent: true,
          code: (err as { code?: string })?.code ?? "ECONNRESET",
        }, { cause: err });
      } finally {
        res.destroy();
        t.release();
      }
    }
    return { status, headers, body: body() };
  }

  return {
    kubeConfig,
    server,
    contextNamespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace,
    settings,
    request,
    stream,
    close() {
      closed = true;
      for (const req of open) req.destroy(new Error("client closed"));
      open.clear();
      pool.destroy();
      fresh.destroy();
    },
  };
}

function mayRetry(err: unknown, mode: RetryMode): boolean {
  if (mode === "none") return false;
  if (err instanceof ApiError) {
    if (err.status === 429) return true;
    return mode === "safe" && [500, 502, 503, 504].includes(err.status);
  }
  if (err instanceof ConnectionError) return mode === "safe" || !err.sent;
  return false;
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("error", reject);
    res.on("aborted", () => reject(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
    res.on("end", () => {
      if (res.complete) resolve(Buffer.concat(chunks).toString("utf8"));
      else reject(Object.assign(new Error("incomplete body"), { code: "ECONNRESET" }));
    });
  });
}

function apiErrorFrom(
  status: number,
  headers: http.IncomingHttpHeaders,
  text: string,
  method: string,
  path: string,
): ApiError {
  let body: KubeStatus | undefined;
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === "object") body = parsed as KubeStatus;
  } catch { /* not a Status */ }
  const retryAfterHeader = Number(headers["retry-after"]);
  const retryAfterSeconds = Number.isFinite(retryAfterHeader)
    ? retryAfterHeader
    : body?.details?.retryAfterSeconds;
  return new ApiError({
    status,
    method,
    path,
    body,
    text,
    retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
  });
}

function abortReason(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException("The operation was aborted", "AbortError");
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
