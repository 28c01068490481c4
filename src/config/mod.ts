/**
 * Settings (flags > `KJO_*` env > config file > defaults) and kube config
 * discovery.
 *
 * @module
 */

export {
  DELETE_POLICIES,
  type DeletePolicy,
  envKey,
  EXECUTION_OBJECTS,
  fileKey,
  flagName,
  LOG_LEVELS,
  OUTPUT_FORMATS,
  PULL_POLICIES,
  resolveSettings,
  type ResolveSettingsOptions,
  SETTING_KEYS,
  type Settings,
  type SettingSource,
  type SettingValues,
} from "./settings.ts";
export {
  type LoadedKubeConfig,
  loadKubeConfig,
  type LoadKubeConfigOptions,
  SERVICE_ACCOUNT_DIR,
} from "./kubeconfig.ts";
export { resolveNamespace, type ResolveNamespaceOptions } from "./resolve_namespace.ts";
