/**
 * Loads the body of a run from its source: an image (default Job or Pod), a
 * file or stdin, or an inline string, object or list of objects.
 *
 * @module
 */

import { resolve } from "node:path";
import { EXECUTION_OBJECTS } from "../choices.ts";
import { InputError } from "../errors.ts";
import { readInputFile } from "./input_file.ts";
import { defaultBody, type ImageBody } from "./default_templates.ts";
import { isObject, typeName } from "./_object.ts";
import { checkDepth, readStreamLimited } from "./safe_parse.ts";

/**
 * Where the body of a run comes from; exactly one of `image`, `bodyFile`,
 * `body`.
 *
 * - `{ image, command?, args?, kind? }`: the default Job (or Pod), see
 *   {@linkcode defaultBody}. Not templated.
 * - `{ bodyFile }`: a YAML or JSON file; `"-"` reads stdin. Relative paths
 *   are resolved against `baseDir` when given, else the working directory.
 * - `{ body }`: a YAML or JSON string (templated), or an object or a list of
 *   objects (used as they are, not templated).
 */
export type BodySource =
  | ImageBody
  | { bodyFile: string }
  | { body: string | Record<string, unknown> | Record<string, unknown>[] };

/**
 * A loaded body: text still to render and parse, or objects.
 */
export type LoadedBody =
  | { text: string; origin: string }
  | { objects: unknown[]; origin: string };

/**
 * Options of {@linkcode loadBody}.
 */
export interface LoadBodyOptions {
  /**
   * Directory relative `bodyFile` paths are resolved against.
   *
   * @default {Deno.cwd()}
   */
  baseDir?: string;
  /**
   * Stream read for `bodyFile: "-"`.
   *
   * @default {Deno.stdin.readable}
   */
  stdin?: ReadableStream<Uint8Array>;
}

const SOURCE_KEYS = ["image", "bodyFile", "body"] as const;

/**
 * Loads a body source. `origin` names the source in later error messages
 * (`body file job.yaml`, `stdin`, `body`, `image`).
 *
 * @throws {InputError} when not exactly one source is given, the file does
 * not exist or cannot be read, or the image source is malformed.
 */
export async function loadBody(
  source: BodySource,
  options: LoadBodyOptions = {},
): Promise<LoadedBody> {
  if (!isObject(source)) {
    throw new InputError(`body source: must be an object, got ${typeName(source)}`);
  }
  const given = SOURCE_KEYS.filter((key) => (source as Record<string, unknown>)[key] !== undefined);
  if (given.length !== 1) {
    throw new InputError(
      `body source: give exactly one of image, body file or body (got ${
        given.length === 0 ? "none" : given.join(", ")
      })`,
    );
  }
  if ("image" in source && source.image !== undefined) {
    return { objects: loadImage(source as ImageBody), origin: "image" };
  }
  if ("bodyFile" in source && source.bodyFile !== undefined) {
    return await loadFile(source.bodyFile, options);
  }
  const body = (source as { body: unknown }).body;
  if (typeof body === "string") return { text: body, origin: "body" };
  // Before structuredClone, which a deep or cyclic value would overflow.
  if (typeof body === "object" && body !== null) checkDepth(body, "body");
  if (Array.isArray(body)) return { objects: structuredClone(body), origin: "body" };
  if (isObject(body)) return { objects: [structuredClone(body)], origin: "body" };
  throw new InputError(
    `body: must be a string, an object or a list of objects, got ${typeName(body)}`,
  );
}

function loadImage(source: ImageBody): unknown[] {
  if (typeof source.image !== "string" || source.image.trim() === "") {
    throw new InputError("image: must be a non-empty string");
  }
  for (const field of ["command", "args"] as const) {
    const value = source[field];
    if (
      value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    ) {
      throw new InputError(`${field}: must be a list of strings`);
    }
  }
  if (source.kind !== undefined && !EXECUTION_OBJECTS.includes(source.kind)) {
    throw new InputError(
      `kind: must be one of ${EXECUTION_OBJECTS.join(", ")}, got ${JSON.stringify(source.kind)}`,
    );
  }
  return defaultBody(source);
}

async function loadFile(path: string, options: LoadBodyOptions): Promise<LoadedBody> {
  if (typeof path !== "string" || path === "") {
    throw new InputError("body file: must be a non-empty path");
  }
  if (path === "-") {
    const stream = options.stdin ?? Deno.stdin.readable;
    return { text: await readStreamLimited(stream, "stdin"), origin: "stdin" };
  }
  const fullPath = resolve(options.baseDir ?? Deno.cwd(), path);
  return { text: await readInputFile(path, "body file", fullPath), origin: `body file ${path}` };
}
