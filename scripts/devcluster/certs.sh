#!/usr/bin/env bash
# Generates the local cluster's PKI and kubeconfigs under $1 (the state
# directory) unless they exist: a CA, the apiserver serving certificate, the
# client certificates of the admin, the controller manager, the scheduler,
# the node agent and the apiserver's kubelet client, the node agent's serving
# certificate and the service-account signing key pair.
# Usage: certs.sh STATE_DIR API_PORT
set -euo pipefail
state="$1"; api_port="$2"
pki="$state/pki"
mkdir -p "$pki"
cd "$pki"

if [ ! -f ca.crt ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=kjo-devcluster-ca" 2>/dev/null
fi

# issue NAME SUBJECT [SAN]: a key and a certificate signed by the CA.
issue() {
  local name="$1" subject="$2" san="${3:-}"
  [ -f "$name.crt" ] && return 0
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  local ext="$name.ext"
  if [ -n "$san" ]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$san" > "$ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$ext"
  fi
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" \
    -days 3650 -extfile "$ext" 2>/dev/null
  rm -f "$name.csr" "$ext"
}

issue apiserver "/CN=kube-apiserver" \
  "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue admin "/O=system:masters/CN=kjo-admin"
issue controller-manager "/CN=system:kube-controller-manager"
issue scheduler "/CN=system:kube-scheduler"
issue agent "/O=system:masters/O=system:nodes/CN=system:node:kjo-node"
issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
issue agent-serving "/CN=kjo-node" "IP:127.0.0.1,DNS:localhost,DNS:kjo-node"
if [ ! -f sa.key ]; then
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi

# kubeconfig NAME CERT: a kubeconfig with embedded client credentials.
kubeconfig() {
  local file="$1" cert="$2"
  cat > "$file" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kjo-devcluster
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 "$cert.crt")
    client-key-data: $(base64 -w0 "$cert.key")
contexts:
- name: kjo-devcluster
  context:
    cluster: kjo-devcluster
    user: $cert
    namespace: default
current-context: kjo-devcluster
KC
  chmod 600 "$file"
}
# The server's port changes from one start to the next: always rewrite.
kubeconfig "$state/kubeconfig" admin
kubeconfig "$state/controller-manager.kubeconfig" controller-manager
kubeconfig "$state/scheduler.kubeconfig" scheduler
kubeconfig "$state/agent.kubeconfig" agent
