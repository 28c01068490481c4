/**
 * Decides the namespace of a run.
 *
 * @module
 */

import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { SERVICE_ACCOUNT_DIR } from "./kubeconfig.ts";

/**
 * Options of {@linkcode resolveNamespace}.
 */
export interface ResolveNamespaceOptions {
  /** `--namespace` / `KJO_NAMESPACE` / config file. */
  flag?: string;
  /** The namespace written in the body's first resource. */
  bodyNamespace?: string;
  /** The loaded kube config; its current context's namespace is used. */
  kubeConfig?: KubeConfig;
  /**
   * File holding the service account's namespace.
   *
   * @default {`${SERVICE_ACCOUNT_DIR}/namespace`}
   */
  serviceAccountNamespaceFile?: string;
}

/**
 * The namespace of a run: the flag, else the body's, else the current
 * context's, else the service account's namespace file (in a pod), else
 * `default`. Empty strings count as unset.
 */
export function resolveNamespace(options: ResolveNamespaceOptions = {}): string {
  if (options.flag) return options.flag;
  if (options.bodyNamespace) return options.bodyNamespace;
  const kubeConfig = options.kubeConfig;
  const context = kubeConfig?.getContextObject(kubeConfig.getCurrentContext());
  if (context?.namespace) return context.namespace;
  const file = options.serviceAccountNamespaceFile ?? join(SERVICE_ACCOUNT_DIR, "namespace");
  try {
    const namespace = Deno.readTextFileSync(file).trim();
    if (namespace !== "") return namespace;
  } catch {
    // Not in a pod (or no permission): fall through.
  }
  return "default";
}
