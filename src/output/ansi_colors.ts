/**
 * Terminal colours for text output: a stable colour per pod and per
 * container name (as stern does), and the rule deciding whether to colour.
 *
 * @module
 */

/** Bright colours for pod names (SGR codes). */
const POD_COLORS = [96, 92, 95, 93, 94, 91] as const;
/** Normal colours for container names. */
const CONTAINER_COLORS = [36, 32, 35, 33, 34, 31] as const;

/** FNV-1a, 32 bit. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Wraps text in an SGR colour code (`"1;31"`, `36`, ...).
 */
export function paint(text: string, code: number | string): string {
  return `\x1b[${code}m${text}\x1b[0m`;
}

/**
 * The SGR code of a pod name: the same name always gets the same colour.
 */
export function podColor(pod: string): number {
  return POD_COLORS[hash(pod) % POD_COLORS.length];
}

/**
 * The SGR code of a container name.
 */
export function containerColor(container: string): number {
  return CONTAINER_COLORS[hash(container) % CONTAINER_COLORS.length];
}

/**
 * Whether to colour a stream: never when `NO_COLOR` is set and non-empty or
 * `TERM=dumb`; always when `FORCE_COLOR` is set and not `0`; else when the
 * stream is a terminal. Environment variables that cannot be read (no
 * `--allow-env`) count as unset.
 */
export function shouldUseColor(
  stream: { isTerminal(): boolean },
  env: (name: string) => string | undefined = readEnv,
): boolean {
  const noColor = env("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  const force = env("FORCE_COLOR");
  if (force !== undefined && force !== "0" && force !== "false") return true;
  if (env("TERM") === "dumb") return false;
  try {
    return stream.isTerminal();
  } catch {
    return false;
  }
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
