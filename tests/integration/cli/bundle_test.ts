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

    // Templates run sandboxed from the bundle too: it.quote works, a template
    // cannot write a file, and an endless loop is stopped (exit 2, one line).
    const render = async (template: string, ...args: string[]) => {
      await Deno.writeTextFile(`${dir}/t.yaml`, template);
      const done = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", out, "render", "-f", "t.yaml", "-o", "json", ...args],
        cwd: dir,
      }).output();
      const dec = new TextDecoder();
      return { code: done.code, stdout: dec.decode(done.stdout), stderr: dec.decode(done.stderr) };
    };
    const quoted = await render(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: <%= it.quote(it.job.a) %>\n",
      "--set",
      "a=x\nprivileged: true",
    );
    assert.equal(quoted.code, 0, quoted.stderr);
    assert.deepEqual(JSON.parse(quoted.stdout)[0].data, { a: "x\nprivileged: true" });
    const written = await render(`<% Deno.writeTextFileSync("${dir}/pwned", "x") %>`);
    assert.equal(written.code, 2);
    assert.equal(
      written.stderr,
      `kjo: body file t.yaml: template line 1: templates run without permissions (Requires write access to "${dir}/pwned")\n`,
    );
    await assert.rejects(() => Deno.stat(`${dir}/pwned`), Deno.errors.NotFound);
    const looped = await render("a: 1\n<% while (true) {} %>");
    assert.equal(looped.code, 2);
    assert.match(looped.stderr, /^kjo: body file t\.yaml: template: did not finish within \d+ s/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await cluster.dispose();
  }
});
