import assert from "node:assert/strict";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { resolveNamespace } from "../../../src/config/resolve_namespace.ts";

function kubeConfig(namespace?: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "c", server: "https://c:6443", skipTLSVerify: false }],
    users: [{ name: "u" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u", namespace }],
    currentContext: "ctx",
  });
  return config;
}

Deno.test("resolveNamespace: flag, body, context, service account file, default", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const saFile = join(dir, "namespace");
    const missing = join(dir, "missing");
    await Deno.writeTextFile(saFile, "sa-ns\n");
    const all = {
      flag: "flag-ns",
      bodyNamespace: "body-ns",
      kubeConfig: kubeConfig("ctx-ns"),
      serviceAccountNamespaceFile: saFile,
    };
    assert.equal(resolveNamespace(all), "flag-ns");
    assert.equal(resolveNamespace({ ...all, flag: undefined }), "body-ns");
    assert.equal(resolveNamespace({ ...all, flag: "", bodyNamespace: undefined }), "ctx-ns");
    assert.equal(
      resolveNamespace({
        ...all,
        flag: undefined,
        bodyNamespace: undefined,
        kubeConfig: kubeConfig(),
      }),
      "sa-ns",
    );
    assert.equal(resolveNamespace({ serviceAccountNamespaceFile: missing }), "default");
    assert.equal(
      resolveNamespace({ kubeConfig: kubeConfig(), serviceAccountNamespaceFile: missing }),
      "default",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
