#!/usr/bin/env bash
# Starts the local cluster (idempotent): builds what is missing, generates
# certificates, starts etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and the node agent (each only if it is not already running),
# waits until the API server is ready, the node is Ready and the default
# ServiceAccount exists, and writes .devcluster/kubeconfig.
#
# State lives in .devcluster/ at the repository root (KJO_DEVCLUSTER_DIR to
# change it): pki/, kubeconfigs, etcd data, logs/, pids/ and ports.env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
state="${KJO_DEVCLUSTER_DIR:-$root/.devcluster}"
mkdir -p "$state/logs" "$state/pids"
# shellcheck source=lib.sh
source "$here/lib.sh"

start_all=$(date +%s)
bin="$("$here/build.sh")"

# Ports are chosen once per state directory and kept, so that a component
# restarted later (tests stop and start the API server) comes back on its port.
if [ ! -f "$state/ports.env" ]; then
  {
    echo "ETCD_PORT=$(free_port)"
    echo "ETCD_PEER_PORT=$(free_port)"
    echo "API_PORT=$(free_port)"
    echo "CM_PORT=$(free_port)"
    echo "SCHED_PORT=$(free_port)"
    echo "KUBELET_PORT=$(free_port)"
  } > "$state/ports.env"
fi
# shellcheck disable=SC1091
source "$state/ports.env"

"$here/certs.sh" "$state" "$API_PORT"
pki="$state/pki"

start_component etcd "$bin/etcd" \
  --name default --data-dir "$state/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" \
  --listen-metrics-urls "" --unsafe-no-fsync --log-level warn
wait_for "etcd" 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

start_component kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.0.0.0/24 \
  --authorization-mode Node,RBAC \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types InternalIP \
  --endpoint-reconciler-type none \
  --requestheader-client-ca-file "$pki/ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --allow-privileged=true --profiling=false --event-ttl 1h \
  --v 1
wait_for "kube-apiserver /readyz" 120 api_get /readyz

start_component kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$state/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$CM_PORT" \
  --leader-elect=false --use-service-account-credentials=true \
  --root-ca-file "$pki/ca.crt" --service-account-private-key-file "$pki/sa.key" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --controllers '*' --concurrent-job-syncs 10 --concurrent-gc-syncs 20 \
  --kube-api-qps 100 --kube-api-burst 200 --v 1

start_component kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig "$state/scheduler.kubeconfig" \
  --authentication-kubeconfig "$state/scheduler.kubeconfig" \
  --authorization-kubeconfig "$state/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --v 1

start_component kjo-node-agent "$bin/kjo-node-agent" \
  --kubeconfig "$state/agent.kubeconfig" --node-name kjo-node \
  --listen "127.0.0.1:$KUBELET_PORT" \
  --tls-cert "$pki/agent-serving.crt" --tls-key "$pki/agent-serving.key" \
  --state-dir "$state/agent" \
  --apiserver-host 127.0.0.1 --apiserver-port "$API_PORT" \
  --pods "${KJO_DEVCLUSTER_PODS:-1100}"

wait_for "node kjo-node Ready" 120 node_ready kjo-node
wait_for "ServiceAccount default/default" 120 api_get /api/v1/namespaces/default/serviceaccounts/default
echo "devcluster: up in $(( $(date +%s) - start_all ))s; kubeconfig: $state/kubeconfig" >&2
