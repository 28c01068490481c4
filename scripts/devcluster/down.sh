#!/usr/bin/env bash
# Stops every process the local cluster started, by pid, newest first, and
# any container process the node agent left behind. Keeps .devcluster/ (so
# the next start is fast); `down.sh --purge` removes it too.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="${KJO_DEVCLUSTER_DIR:-$root/.devcluster}"
[ -d "$state" ] || { echo "devcluster: nothing to stop ($state does not exist)" >&2; exit 0; }
# shellcheck source=lib.sh
source "$here/lib.sh"

stop_component kjo-node-agent 20
# Container process groups the agent recorded and did not stop.
if [ -f "$state/agent/pids" ]; then
  while read -r pgid _; do
    [ -n "$pgid" ] && kill -KILL -- "-$pgid" 2>/dev/null || true
  done < "$state/agent/pids"
fi
stop_component kube-scheduler
stop_component kube-controller-manager
stop_component kube-apiserver
stop_component etcd
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$state"
  echo "devcluster: removed $state" >&2
fi
