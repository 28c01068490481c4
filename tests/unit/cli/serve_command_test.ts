import assert from "node:assert/strict";
import { until } from "../kube/_stub_api.ts";
import { FakeCluster, job, JOB_SUCCEEDED, JOBS, pod, PODS } from "../follower/_fake_cluster.ts";
import { stubKubeConfigFile } from "./_cli.ts";
import { collectJsonLines } from "../../_json_lines.ts";

const cli = new URL("../../../cli.ts", import.meta.url).pathname;

/** `kjo serve` as a child process against the fake cluster; stdin open until `end()`. */
function serve(kubeconfig: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, "serve", "--kubeconfig", kubeconfig],
    env: { NO_COLOR: "1", KUBECONFIG: "" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines: Record<string, unknown>[] = [];
  const reading = collectJsonLines(child.stdout, lines);
  const stderr = new Response(child.stderr).text();
  return {
    child,
    lines,
    send: (text: string) => writer.write(new TextEncoder().encode(text)),
    end: () => writer.close(),
    done: async () => {
      const { code } = await child.status;
      await reading;
      return { code, stderr: await stderr };
    },
  };
}

Deno.test("kjo serve: requests on stdin, events on stdout; bad and over-long lines get errors; end of stdin exits 0", async () => {
  const fake = new FakeCluster();
  const kubeconfig = await stubKubeConfigFile(fake.port);
  const process = serve(kubeconfig);
  try {
    fake.put(JOBS, job("a"));
    await process.send('{"op":"follow","id":1,"runId":"a","deletePolicy":"Never"}\n');
    await process.send(`{"op":"ping","pad":"${"x".repeat(1_200_000)}"}\n`);
    await process.send('not json\n{"op":"ping","id":2}\n');
    await until(() => fake.openWatches(PODS).length === 1, 20_000, "shared watches");
    fake.put(PODS, pod("a", 0));
    fake.put(JOBS, job("a", JOB_SUCCEEDED));
    await until(() => process.lines.some((l) => l.type === "result"), 20_000, "result");
    await process.end();
    const { code, stderr } = await process.done();
    assert.equal(code, 0, stderr);
    const errors = process.lines.filter((l) => l.type === "error").map((l) => l.message);
    assert.equal(errors.length, 2, JSON.stringify(errors));
    assert.match(String(errors[0]), /longer than 1048576 characters/);
    assert.match(String(errors[1]), /^not JSON/);
    assert.ok(process.lines.some((l) => l.type === "pong" && l.id === 2));
    const result = process.lines.find((l) => l.type === "result")!;
    assert.equal(result.id, 1);
    assert.equal(result.state, "Succeeded");
  } finally {
    try {
      process.child.kill("SIGKILL");
    } catch { /* ended */ }
    await fake.close();
    await Deno.remove(kubeconfig);
  }
});

Deno.test("kjo serve: SIGTERM detaches every follow, deletes nothing and exits 0", async () => {
  const fake = new FakeCluster();
  const kubeconfig = await stubKubeConfigFile(fake.port);
  const process = serve(kubeconfig);
  try {
    fake.put(JOBS, job("a"));
    await process.send('{"op":"follow","id":"x","runId":"a","deletePolicy":"Always"}\n');
    await until(() => process.lines.some((l) => l.type === "status"), 20_000, "following");
    process.child.kill("SIGTERM");
    const { code, stderr } = await process.done();
    assert.equal(code, 0, stderr);
    const result = process.lines.at(-1)!;
    assert.deepEqual([result.type, result.id, result.state], ["result", "x", "Detached"]);
    assert.equal(fake.stub.seen("DELETE", /.*/).length, 0);
  } finally {
    try {
      process.child.kill("SIGKILL");
    } catch { /* ended */ }
    await fake.close();
    await Deno.remove(kubeconfig);
  }
});
