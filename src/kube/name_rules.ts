/**
 * The API server's rules for names, namespaces and labels (DNS-1123 labels
 * and subdomains, DNS-1035 labels, label keys and values), with the reason
 * texts error messages quote. Every check of a name or label in kjo uses
 * these.
 *
 * @module
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** What {@linkcode isDnsLabel} accepts, as messages say it after "must be". */
export const DNS_LABEL_RULE = "a DNS-1123 label (lowercase letters, digits and '-', at most 63)";

/** What {@linkcode isDnsSubdomain} accepts, as messages say it after "must be". */
export const DNS_SUBDOMAIN_RULE =
  "a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253)";

/** What {@linkcode isLabelValue} accepts, as messages say it in parentheses. */
export const LABEL_VALUE_RULE = "at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends";

/** What {@linkcode isLabelKey} accepts, as messages say it in parentheses. */
export const LABEL_KEY_RULE = "optional DNS prefix '/', then at most 63 of [A-Za-z0-9-_.]";

/**
 * Whether `text` is a DNS-1123 label: at most 63 lowercase letters, digits
 * and `-`, alphanumeric at both ends (namespaces, container names, most
 * names that become hostnames or label values).
 */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS_LABEL.test(text);
}

/**
 * Whether `text` is a DNS-1035 label: a DNS-1123 label that starts with a
 * letter (Service names).
 */
export function isDns1035Label(text: string): boolean {
  return text.length <= 63 && DNS_1035_LABEL.test(text);
}

/**
 * Whether `text` is a DNS-1123 subdomain: dot-separated DNS-1123 labels, at
 * most 253 characters (the names of most kinds, Secrets, label key prefixes).
 */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && DNS_SUBDOMAIN.test(text);
}

/**
 * Whether `text` is a label value: at most 63 of `[A-Za-z0-9-_.]`,
 * alphanumeric at both ends, or empty.
 */
export function isLabelValue(text: string): boolean {
  return text.length <= 63 && LABEL_VALUE.test(text);
}

/**
 * Whether `key` is a label (or annotation) key: an optional DNS-1123
 * subdomain prefix and `/`, then a name of at most 63 of `[A-Za-z0-9-_.]`,
 * alphanumeric at both ends.
 */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (name.length > 63 || !LABEL_NAME.test(name)) return false;
  return slash === -1 || isDnsSubdomain(key.slice(0, slash));
}
