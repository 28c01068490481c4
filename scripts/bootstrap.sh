#!/usr/bin/env bash
# Installs Deno from the npm registry when a suitable one (>= 2.9) is missing,
# into the user's cache directory, and prints the path of the deno binary.
# Usage: DENO=$(scripts/bootstrap.sh)
set -euo pipefail

DENO_VERSION="${KJO_DENO_VERSION:-2.9.6}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/kjo"

deno_is_recent() { # $1: path to a deno binary
  local version
  version=$("$1" --version 2>/dev/null | awk 'NR==1 {print $2}') || return 1
  [ -n "$version" ] || return 1
  local major minor
  major=${version%%.*}; minor=${version#*.}; minor=${minor%%.*}
  [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 9 ]; }
}

if command -v deno >/dev/null 2>&1 && deno_is_recent "$(command -v deno)"; then
  command -v deno
  exit 0
fi

prefix="$CACHE_DIR/deno-$DENO_VERSION"
bin="$prefix/node_modules/@deno/linux-x64-glibc/deno"
if [ ! -x "$bin" ]; then
  command -v npm >/dev/null 2>&1 || { echo "bootstrap: npm is needed to install Deno" >&2; exit 1; }
  echo "bootstrap: installing Deno $DENO_VERSION from npm into $prefix" >&2
  mkdir -p "$prefix"
  npm install --silent --no-save --no-audit --no-fund --prefix "$prefix" "@deno/linux-x64-glibc@$DENO_VERSION" >&2
fi
deno_is_recent "$bin" || { echo "bootstrap: $bin does not run" >&2; exit 1; }
echo "$bin"
