// The one-file bundle (deno bundle → kjo.js) that the Airflow wheel ships:
// it builds here and runs a task on the local cluster.
import assert from "node:assert/strict";
import { kubeconfigPath, repoRoot, useTestNamespace } from "../_cluster.ts";

Deno.test("bundle: deno bundle makes one JS file that runs a task", async () => {
  const cluster = await useTestNamespace("kjo-bundle");
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/kjo.js`;
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "deno", "-o", out, `${repoRoot}cli.ts`],
      cwd: repoRoot,
    }).output();
    assert.equal(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
    const ran = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        out,
        "run",
        "-n",
        cluster.namespace,
        "--kubeconfig",
        kubeconfigPath,
        "-o",
        "jsonl",
        "--image",
        "busybox",
        "--",
        "sh",
        "-c",
        "echo from-bundle",
      ],
      cwd: dir,
    }).output();
    const lines = new TextDecoder().decode(ran.stdout).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(ran.code, 0, new TextDecoder().decode(ran.stderr));
    assert.ok(lines.some((e) => e.type === "log" && e.line === "from-bundle"));
    assert.equal(lines.at(-1).type, "result");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await cluster.dispose();
  }
});
