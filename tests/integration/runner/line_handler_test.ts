// Pod output is untrusted, end to end on the local cluster: pieces of an
// over-long line are never events, xcom values are capped, and events can
// be limited to the main container.
import assert from "node:assert/strict";
import { namespaceTests, useTestNamespace } from "../_cluster.ts";
import { eventsOf, kjo, resultOf } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-untrusted");
const ns = cluster.namespace;
const test = namespaceTests("untrusted pod output (integration)", cluster);
const run = (...args: string[]) =>
  kjo(["run", "-n", ns, "-o", "jsonl", "--delete-policy", "Always", ...args]);

/** A shell snippet printing `count` times the character `char` (no newline). */
const repeat = (char: string, count: number) => `head -c ${count} /dev/zero | tr '\\000' '${char}'`;

test("kjo run: a line over 1 MiB whose continuation starts with ::kube_api:xcom= injects no XCom", async () => {
  const script = `${repeat("a", 1024 * 1024)}; printf '%s\\n' '::kube_api:xcom={"injected":1}'; ` +
    `echo '::kube_api:xcom={"real":1}'`;
  const { code, events, stderr } = await run("--image", "busybox", "--", "sh", "-c", script);
  assert.equal(code, 0, stderr);
  const result = resultOf(events);
  assert.equal(result.state, "Succeeded");
  assert.deepEqual(result.xcom, { real: 1 });
  const logs = eventsOf(events, "log").map((e) => e.line);
  const pieceWithMarker = logs.find((l) => l.startsWith("::kube_api:xcom="));
  assert.ok(
    pieceWithMarker !== undefined,
    `the continuation piece is relayed as a log line (lines: ${
      logs.map((l) => `${l.slice(0, 20)}…(${l.length})`).join(", ")
    })`,
  );
  assert.equal(logs.join("").length, 1024 * 1024 + '::kube_api:xcom={"injected":1}'.length);
  assert.deepEqual(eventsOf(events, "api_event").map((e) => e.value), ['{"real":1}']);
});

test("kjo run: an xcom value nested 2000 levels deep fails the run, naming the pod/container and the cap", async () => {
  const script = `printf '::kube_api:xcom={"a":'; ${repeat("[", 2000)}; ${
    repeat("]", 2000)
  }; echo '}'`;
  const { code, events } = await run("--image", "busybox", "--", "sh", "-c", script);
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.equal(result.state, "Failed");
  assert.equal(result.reason, "InvalidKubeApiEvent");
  assert.match(
    result.message ?? "",
    /^[a-z0-9-]+\/main: xcom value nests deeper than the cap of 32 levels \(xcom max depth\)$/,
  );
  assert.deepEqual(result.xcom, {});
});

test("kjo run: --xcom-max-bytes and KJO_XCOM_MAX_DEPTH cap xcom values", async () => {
  const big = await run(
    "--xcom-max-bytes",
    "50",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    `echo '::kube_api:xcom={"a":"${"x".repeat(20)}"}'; echo '::kube_api:xcom={"b":"${
      "y".repeat(30)
    }"}'`,
  );
  assert.equal(big.code, 1);
  const result = resultOf(big.events);
  assert.equal(result.reason, "InvalidKubeApiEvent");
  assert.match(
    result.message ?? "",
    /\/main: xcom values would total \d+ bytes, over the cap of 50 bytes \(xcom max bytes\)$/,
  );
  assert.deepEqual(result.xcom, { a: "x".repeat(20) });

  const deep = await kjo(
    ["run", "-n", ns, "-o", "jsonl", "--delete-policy", "Always", "--image", "busybox", "--"]
      .concat(["sh", "-c", `echo '::kube_api:xcom={"a":[[1]]}'`]),
    { env: { KJO_XCOM_MAX_DEPTH: "2" } },
  );
  assert.equal(deep.code, 1);
  assert.match(resultOf(deep.events).message ?? "", /cap of 2 levels/);
});

test("kjo run: --events-from main ignores a sidecar's ::kube_api: lines (they stay log lines)", async () => {
  const body = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "events-from",
      annotations: { "kubernetes_job_operator.main_container": "main" },
    },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "side",
          image: "busybox",
          command: ["sh", "-c", `echo '::kube_api:xcom={"from":"side","side":1}'`],
        },
        {
          name: "main",
          image: "busybox",
          command: ["sh", "-c", `sleep 1; echo '::kube_api:xcom={"from":"main"}'`],
        },
      ],
    },
  };
  const all = await run("--body", JSON.stringify(body));
  assert.equal(all.code, 0, all.stderr);
  assert.equal(resultOf(all.events).xcom.side, 1, "by default every container's events count");

  const main = await run("--body", JSON.stringify(body), "--events-from", "main");
  assert.equal(main.code, 0, main.stderr);
  assert.deepEqual(resultOf(main.events).xcom, { from: "main" });
  assert.deepEqual(eventsOf(main.events, "api_event").map((e) => e.container), ["main"]);
  assert.ok(
    eventsOf(main.events, "log").some((e) =>
      e.container === "side" && e.line.startsWith("::kube_api:xcom=")
    ),
  );
});
