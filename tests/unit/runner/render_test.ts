import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { RUN_ID_LABEL } from "../../../src/kube/labels.ts";
import { render } from "../../../src/runner/render.ts";
import { fixture, kjo } from "../cli/_cli.ts";

const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name);

Deno.test("render: a given run id gives the same names on every call, the names kjo render prints", async () => {
  const source = { bodyFile: fixture("job_config_secret.yaml") };
  const first = await render({ source, runId: "r1", namePrefix: "etl" });
  const second = await render({ source, runId: "r1", namePrefix: "etl" });
  assert.deepEqual(first, second);
  assert.ok(first.every((o) => o.metadata.labels?.[RUN_ID_LABEL] === "r1"));

  const cli = await kjo("render", "-f", source.bodyFile, "--run-id", "r1", "--name-prefix", "etl");
  assert.equal(cli.code, 0, cli.stderr);
  const printed = parseAllDocuments(cli.stdout).map((d) => (d.toJS() as KubeObject));
  assert.deepEqual(names(printed), names(first));
  assert.match(first[0].metadata.name!, /^etl-.+-[a-z0-9]{8}$/);
});

Deno.test("render: another run id gives other names; no run id a new id and postfix each call", async () => {
  const source = { bodyFile: fixture("job_hello.yaml") };
  const [r1] = await render({ source, runId: "r1" });
  const [r2] = await render({ source, runId: "r2" });
  assert.notEqual(r1.metadata.name, r2.metadata.name);
  const [a] = await render({ source });
  const [b] = await render({ source });
  assert.notEqual(a.metadata.labels?.[RUN_ID_LABEL], b.metadata.labels?.[RUN_ID_LABEL]);
  assert.notEqual(a.metadata.name, b.metadata.name);
});

Deno.test("render: an explicit random source wins over the run id seed", async () => {
  const [job] = await render({
    source: { image: "busybox" },
    runId: "r1",
    namePrefix: "t",
    random: () => 0,
  });
  assert.equal(job.metadata.name, "t-job-aaaaaaaa");
});
