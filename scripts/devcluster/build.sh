#!/usr/bin/env bash
# Builds the local cluster's binaries when they are missing and prints the
# directory that holds them: kube-apiserver, kube-controller-manager,
# kube-scheduler and etcd (this module), kjo-node-agent (agent/ module).
#
# Binaries are cached in ${XDG_CACHE_HOME:-~/.cache}/kjo/devcluster/, in a
# folder named after a hash of what they are built from (go.mod/go.sum for
# the control plane; go.mod/go.sum and sources for the agent), so a fresh
# clone reuses them and a change rebuilds only what changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/kjo/devcluster"
k8s_version="v1.35.4"

command -v go >/dev/null 2>&1 || { echo "devcluster: Go is needed to build the local cluster (go >= 1.25)" >&2; exit 1; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

cp_key=$(cd "$here" && hash_of go.mod go.sum)
agent_key=$(cd "$here/agent" && hash_of go.mod go.sum $(find . -name '*.go' -not -name '*_test.go' | LC_ALL=C sort))
cp_dir="$cache_root/control-plane-$cp_key"
agent_dir="$cache_root/agent-$agent_key"
bin_dir="$cache_root/bin-$cp_key-$agent_key"

ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=35 -X k8s.io/component-base/version.gitTreeState=clean"

if [ ! -x "$cp_dir/kube-apiserver" ] || [ ! -x "$cp_dir/etcd" ] || [ ! -x "$cp_dir/kube-controller-manager" ] || [ ! -x "$cp_dir/kube-scheduler" ]; then
  echo "devcluster: building kube-apiserver, kube-controller-manager, kube-scheduler and etcd ($k8s_version); a cold build takes a long while on 2 cores" >&2
  start=$(date +%s)
  tmp="$cp_dir.tmp.$$"
  mkdir -p "$tmp"
  (cd "$here" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler)
  (cd "$here" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$cp_dir" && mv "$tmp" "$cp_dir"
  echo "devcluster: control plane built in $(( $(date +%s) - start ))s" >&2
fi

if [ ! -x "$agent_dir/kjo-node-agent" ]; then
  echo "devcluster: building the node agent" >&2
  start=$(date +%s)
  tmp="$agent_dir.tmp.$$"
  mkdir -p "$tmp"
  (cd "$here/agent" && go build -trimpath -ldflags "-s -w" -o "$tmp/kjo-node-agent" .)
  rm -rf "$agent_dir" && mv "$tmp" "$agent_dir"
  echo "devcluster: node agent built in $(( $(date +%s) - start ))s" >&2
fi

# One folder with links to both, so callers need one path.
mkdir -p "$bin_dir"
for b in kube-apiserver kube-controller-manager kube-scheduler etcd; do ln -sfn "$cp_dir/$b" "$bin_dir/$b"; done
ln -sfn "$agent_dir/kjo-node-agent" "$bin_dir/kjo-node-agent"
echo "$bin_dir"
