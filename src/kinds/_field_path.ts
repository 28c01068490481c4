/**
 * Field paths of custom kind rules: `status.phase`, `status.conditions[0].type`,
 * `status.conditions[type=Ready].status`, `metadata.annotations["example.com/x"]`.
 * Private to `src/kinds/`.
 *
 * @module
 */

/** One step of a path. */
export type PathStep =
  | { key: string }
  | { index: number }
  | { match: { field: string; value: string } };

const KEY = /^[^.\[\]"=\s]+/;

/** Parses a path; throws an `Error` whose message says what is wrong. */
export function parseFieldPath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  let rest = path;
  let first = true;
  while (rest.length > 0) {
    if (!first && rest.startsWith(".")) rest = rest.slice(1);
    else if (!first && !rest.startsWith("[")) throw new Error(`unexpected "${rest[0]}" in path`);
    if (rest.startsWith("[")) {
      const end = rest.startsWith('["') ? rest.indexOf('"]', 2) + 1 : rest.indexOf("]");
      if (end <= 0) throw new Error(`unclosed "[" in path`);
      steps.push(parseSelector(rest.slice(1, end)));
      rest = rest.slice(end + 1);
    } else {
      const key = KEY.exec(rest)?.[0];
      if (!key) {
        throw new Error(first ? "must start with a field name" : `empty field name in path`);
      }
      steps.push({ key });
      rest = rest.slice(key.length);
    }
    first = false;
  }
  if (steps.length === 0) throw new Error("must not be empty");
  return steps;
}

function parseSelector(inner: string): PathStep {
  if (/^\d+$/.test(inner)) return { index: Number(inner) };
  if (inner.startsWith('"') && inner.endsWith('"') && inner.length >= 2) {
    return { key: inner.slice(1, -1) };
  }
  const eq = inner.indexOf("=");
  if (eq > 0) {
    const field = inner.slice(0, eq).trim();
    let value = inner.slice(eq + 1).trim();
    if (/^".*"$/.test(value)) value = value.slice(1, -1);
    if (KEY.exec(field)?.[0] === field) return { match: { field, value } };
  }
  throw new Error(`bad selector "[${inner}]": use [N], ["key"] or [field=value]`);
}

/** The value at `steps` in `object`, or undefined when any step is missing. */
export function resolveFieldPath(object: unknown, steps: readonly PathStep[]): unknown {
  let current: unknown = object;
  for (const step of steps) {
    if (current === null || typeof current !== "object") return undefined;
    if ("key" in step) {
      if (Array.isArray(current) || !Object.hasOwn(current, step.key)) return undefined;
      current = (current as Record<string, unknown>)[step.key];
    } else if ("index" in step) {
      if (!Array.isArray(current)) return undefined;
      current = current[step.index];
    } else {
      if (!Array.isArray(current)) return undefined;
      const { field, value } = step.match;
      current = current.find((item) =>
        item !== null && typeof item === "object" && Object.hasOwn(item, field) &&
        String((item as Record<string, unknown>)[field]) === value
      );
    }
  }
  return current;
}
