/**
 * Building the manifests of a run: load → render → parse → augment → validate.
 *
 * @module
 */

export { buildBody, type BuildBodyOptions, IMAGE_PULL_POLICIES } from "./build_body.ts";
export { type BodySource, loadBody, type LoadBodyOptions, type LoadedBody } from "./load_body.ts";
export { DEFAULT_CONTAINER_NAME, defaultBody, type ImageBody } from "./default_templates.ts";
export { renderTemplate, type RenderTemplateOptions } from "./render_template.ts";
export { flattenDocuments, parseDocuments, type ParseDocumentsOptions } from "./parse_documents.ts";
export {
  documentLabel,
  validateDocument,
  validateDocuments,
  validateShape,
} from "./validate_document.ts";
export { applyKindDefaults, augmentDocuments, type AugmentOptions } from "./augment.ts";
export {
  applyLabels,
  applyNames,
  applyNamespace,
  CLUSTER_SCOPED_KINDS,
  nameBase,
  type NameParts,
  RUN_ID_LABEL,
} from "./augment_metadata.ts";
export {
  augmentMainPod,
  MAIN_CONTAINER_ANNOTATION,
  mainContainer,
  type MainPodOptions,
  RESOURCES_ENV,
  type SecretFiles,
} from "./augment_pod.ts";
export { podSpecPath, templatePaths } from "./pod_spec_path.ts";
export {
  cryptoRandom,
  makeResourceName,
  MAX_RANDOM_POSTFIX_LENGTH,
  nameLengthLimit,
  RANDOM_ALPHABET,
  randomPostfix,
  type RandomSource,
  type ResourceNameParts,
  sanitizeName,
} from "./resource_name.ts";
export { parseSetValues } from "./parse_set_values.ts";
export { loadValuesFile } from "./load_values_file.ts";
export { mergeValues } from "./merge_values.ts";
