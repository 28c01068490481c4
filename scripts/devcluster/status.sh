#!/usr/bin/env bash
# Exits 0 when every component of the local cluster runs and the API server
# is ready; prints each component's state.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="${KJO_DEVCLUSTER_DIR:-$root/.devcluster}"
# shellcheck source=lib.sh
source "$here/lib.sh"
ok=0
for c in etcd kube-apiserver kube-controller-manager kube-scheduler kjo-node-agent; do
  if is_running "$c"; then echo "$c: running (pid $(cat "$state/pids/$c.pid"))"; else echo "$c: stopped"; ok=1; fi
done
if [ "$ok" = 0 ]; then
  # shellcheck disable=SC1091
  source "$state/ports.env"
  if api_get /readyz >/dev/null 2>&1; then echo "api: ready on https://127.0.0.1:$API_PORT"; else echo "api: not ready"; ok=1; fi
fi
exit "$ok"
