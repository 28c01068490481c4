/**
 * A recording HTTP proxy in front of the local cluster's API server: it listens on plain HTTP on
 * 127.0.0.1, forwards every request over TLS with the admin kubeconfig's client certificate, and
 * counts requests by kind (`LIST pods`, `WATCH jobs`, `GET pods/log`, `POST jobs`, ...) and
 * namespace, and the watch and log-follow streams open at any moment (current and peak, per
 * namespace). The tools measured get a kubeconfig naming the proxy (no credentials: the proxy
 * adds the client certificate and drops any `Authorization` header).
 *
 * Responses are relayed as they arrive (watch and log streams included); request bodies are read
 * whole first. Compression is turned off upstream (`Accept-Encoding: identity`) so bodies pass
 * through unchanged.
 *
 * @module
 */

import { loadKubeConfig } from "../src/config/kubeconfig.ts";

/** Open streams of one namespace. */
export interface OpenStreams {
  /** Watch requests (`?watch=1`) still open. */
  watch: number;
  /** Log requests with `follow=true` still open. */
  log: number;
}

/** What the proxy counted since its start or its last {@linkcode RecordingProxy.reset}. */
export interface ProxyCounts {
  /** Every request. */
  requests: number;
  /** Requests by kind, e.g. `"WATCH pods": 2`. */
  byKind: Record<string, number>;
  /** Requests by namespace (`*` for cluster-wide paths) and kind. */
  byNamespace: Record<string, { requests: number; byKind: Record<string, number> }>;
  /** Streams open now, by namespace. */
  open: Record<string, OpenStreams>;
  /** Most streams open at once, by namespace (watch and log peaks taken separately). */
  peak: Record<string, OpenStreams>;
  /** Responses with a status ≥ 400, by status. */
  errors: Record<string, number>;
}

/** Kind of one API request and the namespace it concerns. */
export interface RequestKind {
  /** `"LIST pods"`, `"WATCH jobs"`, `"GET pods/log"`, `"DELETE jobs"`, `"GET /version"`, ... */
  kind: string;
  /** Namespace of the path, `*` when it names none. */
  namespace: string;
  /** `watch` for a watch, `log` for a followed log, else undefined. */
  stream?: keyof OpenStreams;
}

/**
 * Classifies a request by method and URL: the verb (`GET` of a collection is `LIST`, `?watch` makes
 * it `WATCH`), the resource and subresource, and the namespace.
 *
 * @example
 * ```ts
 * classify("GET", new URL("http://x/api/v1/namespaces/a/pods?watch=1"));
 * // { kind: "WATCH pods", namespace: "a", stream: "watch" }
 * ```
 */
export function classify(method: string, url: URL): RequestKind {
  const parts = url.pathname.split("/").filter(Boolean);
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) rest = parts.slice(2);
  else if (parts[0] === "apis" && parts.length >= 3) rest = parts.slice(3);
  else return { kind: `${method} /${parts.join("/")}`, namespace: "*" };
  let namespace = "*";
  if (rest[0] === "watch") rest = rest.slice(1);
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0] ?? "";
  const sub = rest.length >= 3 ? `/${rest.slice(2).join("/")}` : "";
  const watch = url.pathname.includes("/watch/") ||
    ["1", "true"].includes(url.searchParams.get("watch") ?? "");
  let verb = method;
  if (method === "GET") verb = watch ? "WATCH" : rest.length === 1 ? "LIST" : "GET";
  if (method === "DELETE" && rest.length === 1) verb = "DELETECOLLECTION";
  if (resource === "namespaces" && rest.length <= 2 && parts[0] === "api") {
    namespace = rest[1] ?? "*";
  }
  if (url.searchParams.has("dryRun")) verb += " (dry run)";
  const follow = sub === "/log" && ["1", "true"].includes(url.searchParams.get("follow") ?? "");
  return {
    kind: `${verb} ${resource}${sub}`,
    namespace,
    ...(watch ? { stream: "watch" as const } : follow ? { stream: "log" as const } : {}),
  };
}

/** Options of {@linkcode RecordingProxy.start}. */
export interface RecordingProxyOptions {
  /** The admin kubeconfig of the cluster (its current context's server and credentials). */
  kubeconfig: string;
  /** Where to write the kubeconfig naming the proxy. */
  proxyKubeconfigPath: string;
}

/** The proxy; see the module doc. */
export class RecordingProxy {
  #counts: ProxyCounts = emptyCounts();
  #server?: Deno.HttpServer;
  #client?: Deno.HttpClient;
  #upstream = "";
  /** Kubeconfig file naming the proxy. */
  kubeconfigPath = "";
  /** `http://127.0.0.1:PORT`. */
  url = "";

  /**
   * Starts listening on 127.0.0.1 (a free port) and writes the kubeconfig naming it.
   *
   * @example
   * ```ts
   * const proxy = await RecordingProxy.start({ kubeconfig: ".devcluster/kubeconfig", proxyKubeconfigPath: "/tmp/k" });
   * console.log(proxy.snapshot().requests);
   * await proxy.stop();
   * ```
   */
  static async start(options: RecordingProxyOptions): Promise<RecordingProxy> {
    const proxy = new RecordingProxy();
    const kc = loadKubeConfig({ kubeconfig: options.kubeconfig }).kubeConfig;
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster) throw new Error(`${options.kubeconfig}: no current cluster`);
    const https: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer } = {};
    await kc.applyToHTTPSOptions(https as never);
    const text = (v: unknown) => v === undefined ? undefined : String(v);
    proxy.#client = Deno.createHttpClient({
      caCerts: https.ca ? [text(https.ca)!] : undefined,
      ...(https.cert && https.key ? { cert: text(https.cert)!, key: text(https.key)! } : {}),
      http2: false,
    });
    const headers: Record<string, string> = {};
    if (user?.token) headers.authorization = `Bearer ${user.token}`;
    proxy.#upstream = cluster.server.replace(/\/+$/, "");
    proxy.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => proxy.#handle(req, headers),
    );
    const port = (proxy.#server.addr as Deno.NetAddr).port;
    proxy.kubeconfigPath = options.proxyKubeconfigPath;
    proxy.url = `http://127.0.0.1:${port}`;
    await Deno.writeTextFile(
      options.proxyKubeconfigPath,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: proxy",
        "  cluster:",
        `    server: ${proxy.url}`,
        "users:",
        "- name: proxy",
        "  user: {}",
        "contexts:",
        "- name: proxy",
        "  context: {cluster: proxy, user: proxy, namespace: default}",
        "current-context: proxy",
        "",
      ].join("\n"),
    );
    return proxy;
  }

  /** A copy of the counts. */
  snapshot(): ProxyCounts {
    return structuredClone(this.#counts);
  }

  /** Zeroes the counts; peaks restart from the streams open now. */
  reset(): void {
    const open = this.#counts.open;
    this.#counts = emptyCounts();
    this.#counts.open = open;
    this.#counts.peak = structuredClone(open);
  }

  /** Stops listening and aborts the streams still open. */
  async stop(): Promise<void> {
    await this.#server?.shutdown();
    this.#client?.close();
  }

  async #handle(req: Request, auth: Record<string, string>): Promise<Response> {
    const url = new URL(req.url);
    const c = classify(req.method, url);
    const counts = this.#counts;
    counts.requests++;
    counts.byKind[c.kind] = (counts.byKind[c.kind] ?? 0) + 1;
    const ns = counts.byNamespace[c.namespace] ??= { requests: 0, byKind: {} };
    ns.requests++;
    ns.byKind[c.kind] = (ns.byKind[c.kind] ?? 0) + 1;

    const headers = new Headers(req.headers);
    for (const h of ["host", "authorization", "connection", "keep-alive", "accept-encoding"]) {
      headers.delete(h);
    }
    headers.set("accept-encoding", "identity");
    for (const [k, v] of Object.entries(auth)) headers.set(k, v);
    let upstream: Response;
    try {
      upstream = await fetch(this.#upstream + url.pathname + url.search, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer(),
        client: this.#client,
        redirect: "manual",
      });
    } catch (err) {
      this.#countError("proxy");
      return new Response(`recording proxy: ${err}`, { status: 502 });
    }
    if (upstream.status >= 400) this.#countError(String(upstream.status));
    const out = new Headers(upstream.headers);
    for (const h of ["connection", "keep-alive", "transfer-encoding"]) out.delete(h);
    if (!c.stream || !upstream.body || upstream.status !== 200) {
      return new Response(upstream.body, { status: upstream.status, headers: out });
    }
    // A stream: counted open until its body ends or the client goes away.
    const stream = c.stream;
    this.#open(c.namespace, stream, +1);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.#open(c.namespace, stream, -1);
    };
    const reader = upstream.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            close();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          close();
          controller.error(err);
        }
      },
      cancel(reason) {
        close();
        return reader.cancel(reason).catch(() => {});
      },
    });
    return new Response(body, { status: upstream.status, headers: out });
  }

  #open(namespace: string, stream: keyof OpenStreams, delta: number): void {
    const open = this.#counts.open[namespace] ??= { watch: 0, log: 0 };
    open[stream] += delta;
    const peak = this.#counts.peak[namespace] ??= { watch: 0, log: 0 };
    peak[stream] = Math.max(peak[stream], open[stream]);
  }

  #countError(key: string): void {
    this.#counts.errors[key] = (this.#counts.errors[key] ?? 0) + 1;
  }
}

function emptyCounts(): ProxyCounts {
  return { requests: 0, byKind: {}, byNamespace: {}, open: {}, peak: {}, errors: {} };
}
