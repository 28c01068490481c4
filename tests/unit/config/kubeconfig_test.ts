import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../src/errors.ts";
import { loadKubeConfig } from "../../../src/config/kubeconfig.ts";
import { withDir } from "../_temp_dir.ts";

function kubeconfigYaml(
  options: {
    clusters: string[];
    contexts: [string, string, string?][];
    current?: string;
    server?: string;
  },
) {
  const lines = ["apiVersion: v1", "kind: Config"];
  if (options.current !== undefined) lines.push(`current-context: ${options.current}`);
  lines.push("clusters:");
  for (const name of options.clusters) {
    lines.push(
      `  - name: ${name}`,
      "    cluster:",
      `      server: ${options.server ?? `https://${name}.example:6443`}`,
      "      certificate-authority: ca.crt",
    );
  }
  lines.push("users:");
  for (const name of options.clusters) {
    lines.push(`  - name: ${name}-user`, "    user:", "      token: t");
  }
  lines.push("contexts:");
  for (const [name, cluster, namespace] of options.contexts) {
    lines.push(
      `  - name: ${name}`,
      "    context:",
      `      cluster: ${cluster}`,
      `      user: ${cluster}-user`,
    );
    if (namespace) lines.push(`      namespace: ${namespace}`);
  }
  return lines.join("\n") + "\n";
}

function loadError(options: Parameters<typeof loadKubeConfig>[0]): string {
  try {
    loadKubeConfig(options);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"));
    return error.message;
  }
  throw new Error("expected an error");
}

async function setup(dir: string) {
  const a = join(dir, "a.yaml");
  const b = join(dir, "b.yaml");
  await Deno.writeTextFile(
    a,
    kubeconfigYaml({
      clusters: ["one"],
      contexts: [["ctx-a", "one", "ns-a"], ["shared", "one"]],
      current: "ctx-a",
    }),
  );
  await Deno.writeTextFile(
    b,
    kubeconfigYaml({
      clusters: ["one", "two"],
      contexts: [["ctx-b", "two"], ["shared", "two"]],
      current: "ctx-b",
      server: "https://b.example:6443",
    }),
  );
  const saDir = join(dir, "sa");
  await Deno.mkdir(saDir);
  await Deno.writeTextFile(join(saDir, "token"), "tok");
  await Deno.writeTextFile(join(saDir, "ca.crt"), "ca");
  await Deno.writeTextFile(join(saDir, "namespace"), "pod-ns\n");
  const home = join(dir, "home");
  await Deno.mkdir(join(home, ".kube"), { recursive: true });
  return { a, b, saDir, home, empty: join(dir, "empty-sa") };
}

Deno.test("loadKubeConfig: an explicit file, with paths made absolute", async () => {
  await withDir(async (dir) => {
    const { a, saDir } = await setup(dir);
    const loaded = loadKubeConfig({
      kubeconfig: a,
      env: { KUBECONFIG: "/nope" },
      serviceAccountDir: saDir,
    });
    assert.equal(loaded.source, a);
    assert.equal(loaded.kubeConfig.getCurrentContext(), "ctx-a");
    assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, "https://one.example:6443");
    assert.equal(loaded.kubeConfig.getCurrentCluster()?.caFile, join(dir, "ca.crt"));
  });
});

Deno.test("loadKubeConfig: a missing or broken explicit file", async () => {
  await withDir(async (dir) => {
    assert.equal(
      loadError({ kubeconfig: join(dir, "none"), env: {} }),
      `kubeconfig ${join(dir, "none")}: file not found`,
    );
    await Deno.writeTextFile(join(dir, "bad"), "clusters: [\n");
    assert.match(
      loadError({ kubeconfig: join(dir, "bad"), env: {} }),
      new RegExp(`^kubeconfig ${join(dir, "bad")}: cannot load: `),
    );
  });
});

Deno.test("loadKubeConfig: --context selects, an unknown one lists the contexts", async () => {
  await withDir(async (dir) => {
    const { a } = await setup(dir);
    const loaded = loadKubeConfig({ kubeconfig: a, context: "shared", env: {} });
    assert.equal(loaded.kubeConfig.getCurrentContext(), "shared");
    assert.equal(
      loadError({ kubeconfig: a, context: "prod", env: {} }),
      `context "prod" not found in ${a} (contexts: ctx-a, shared)`,
    );
  });
});

Deno.test("loadKubeConfig: a config without a current context needs --context", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.yaml");
    await Deno.writeTextFile(file, kubeconfigYaml({ clusters: ["one"], contexts: [["x", "one"]] }));
    assert.match(
      loadError({ kubeconfig: file, env: {} }),
      /current context "" is not set or not defined; pass --context \(contexts: x\)$/,
    );
    assert.equal(
      loadKubeConfig({ kubeconfig: file, context: "x", env: {} }).kubeConfig.getCurrentContext(),
      "x",
    );
  });
});

Deno.test("loadKubeConfig: the first existing extra location wins over KUBECONFIG and home", async () => {
  await withDir(async (dir) => {
    const { a, b, home } = await setup(dir);
    await Deno.copyFile(a, join(home, ".kube", "config"));
    const loaded = loadKubeConfig({
      extraLocations: [join(dir, "missing"), b, a],
      env: { KUBECONFIG: a },
      homeDir: home,
    });
    assert.equal(loaded.source, b);
    assert.equal(loaded.kubeConfig.getCurrentContext(), "ctx-b");
  });
});

Deno.test("loadKubeConfig: KUBECONFIG files merge like kubectl (first wins)", async () => {
  await withDir(async (dir) => {
    const { a, b, home } = await setup(dir);
    const loaded = loadKubeConfig({
      env: { KUBECONFIG: `${join(dir, "missing")}:${a}:${b}` },
      homeDir: home,
    });
    assert.equal(loaded.source, `KUBECONFIG=${a}:${b}`);
    const config = loaded.kubeConfig;
    assert.equal(config.getCurrentContext(), "ctx-a");
    assert.deepEqual(config.getContexts().map((c) => c.name), ["ctx-a", "shared", "ctx-b"]);
    assert.equal(config.getContextObject("shared")?.cluster, "one");
    assert.deepEqual(config.getClusters().map((c) => c.name), ["one", "two"]);
    assert.equal(config.getCluster("one")?.server, "https://one.example:6443");
    assert.equal(config.getCluster("two")?.server, "https://b.example:6443");

    const reversed = loadKubeConfig({ env: { KUBECONFIG: `${b}:${a}` }, homeDir: home });
    assert.equal(reversed.kubeConfig.getCurrentContext(), "ctx-b");
    assert.equal(reversed.kubeConfig.getContextObject("shared")?.cluster, "two");
  });
});

Deno.test("loadKubeConfig: ~/.kube/config, then in-cluster", async () => {
  await withDir(async (dir) => {
    const { a, home, saDir } = await setup(dir);
    const env = { KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" };
    const inCluster = loadKubeConfig({
      env: { ...env, KUBECONFIG: join(dir, "missing") },
      homeDir: home,
      serviceAccountDir: saDir,
    });
    assert.equal(inCluster.source, `in-cluster (${saDir})`);
    assert.equal(inCluster.kubeConfig.getCurrentCluster()?.server, "https://10.0.0.1:443");
    assert.equal(inCluster.kubeConfig.getCurrentCluster()?.caFile, join(saDir, "ca.crt"));
    assert.equal(
      inCluster.kubeConfig.getContextObject(inCluster.kubeConfig.getCurrentContext())?.namespace,
      "pod-ns",
    );
    assert.equal(
      inCluster.kubeConfig.getCurrentUser()?.authProvider?.config?.tokenFile,
      join(saDir, "token"),
    );

    await Deno.copyFile(a, join(home, ".kube", "config"));
    const fromHome = loadKubeConfig({ env: { ...env, HOME: home }, serviceAccountDir: saDir });
    assert.equal(fromHome.source, join(home, ".kube", "config"));
  });
});

Deno.test("loadKubeConfig: --in-cluster is used before any file", async () => {
  await withDir(async (dir) => {
    const { a, saDir, empty } = await setup(dir);
    const env = {
      KUBERNETES_SERVICE_HOST: "fd00::1",
      KUBERNETES_SERVICE_PORT: "8080",
      KUBECONFIG: a,
    };
    const loaded = loadKubeConfig({ inCluster: true, env, serviceAccountDir: saDir });
    assert.equal(loaded.kubeConfig.getCurrentCluster()?.server, "http://[fd00::1]:8080");
    assert.equal(
      loadError({ inCluster: true, env: { KUBECONFIG: a }, serviceAccountDir: saDir }),
      "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
    );
    assert.equal(
      loadError({ inCluster: true, env, serviceAccountDir: empty }),
      `in-cluster config: no service account token at ${join(empty, "token")}`,
    );
  });
});

Deno.test("loadKubeConfig: nothing found lists where it looked", async () => {
  await withDir(async (dir) => {
    const { home, empty } = await setup(dir);
    const message = loadError({
      extraLocations: [join(dir, "x")],
      env: { KUBECONFIG: join(dir, "k1") },
      homeDir: home,
      serviceAccountDir: empty,
    });
    assert.equal(
      message,
      `no kube config found (looked in: ${join(dir, "x")}, KUBECONFIG=${join(dir, "k1")}, ${
        join(home, ".kube", "config")
      }, in-cluster (${empty}))`,
    );
  });
});
