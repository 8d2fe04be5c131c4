#!/usr/bin/env bash
# A whole minik8s cluster in one container: etcd, the apiserver, the scheduler, the controller-manager
# and one node (the node image's entrypoint: its own dockerd, the kubelet, kube-proxy, the sink routes),
# each a separate process restarted when it exits, then the cluster DNS add-on. Runs without
# --privileged, with the capabilities the compose nodes use (docs/cluster.md).
# Secured as the compose cluster (docs/cluster.md): at its first start it makes a cluster PKI in
# /etc/minik8s/pki (shared/src/pki); etcd takes only TLS clients of its CA, the apiserver serves HTTPS
# only and authenticates every request (client certificates, ServiceAccount tokens; no anonymous), each
# component has its own identity, the kubelet serves HTTPS. Once the apiserver is ready it writes
# /etc/minik8s/admin.kubeconfig (the CA and the admin's client certificate, in system:masters), which
# clients copy, changing only the server to where they reach port 6443. Each component logs to
# /var/log/minik8s/<name>.log (dockerd: /var/log/dockerd.log); this script's lines go to stdout.
# `minik8s-allinone issue-node NAME` (docker exec) issues another node's credentials and prints them
# as a base64 tar.gz; a container started with them in /etc/minik8s/join.tar.gz and JOIN=<apiserver URL>
# (https://host:6443) is another node of that cluster instead: only the node.
# Environment: NODE_NAME (default: hostname), SERVICE_CIDR (10.96.0.0/12), CLUSTER_CIDR (10.244.0.0/16),
# SERVICE_NODE_PORT_RANGE (30000-32767), DNS_REPLICAS (1; 0: no DNS add-on), APISERVER_ARGS,
# SCHEDULER_ARGS, CONTROLLER_MANAGER_ARGS, KUBELET_ARGS, KUBE_PROXY_ARGS (extra flags), NODE_OPTIONS
# (of every Node.js component; default --max-semi-space-size=1: a young generation of 3 MB instead of
# up to 48, which idle components never need).
set -uo pipefail

export NODE_NAME="${NODE_NAME:-$(hostname)}"
export SERVICE_CIDR="${SERVICE_CIDR:-10.96.0.0/12}"
export CLUSTER_CIDR="${CLUSTER_CIDR:-10.244.0.0/16}"
export NODE_OPTIONS="${NODE_OPTIONS---max-semi-space-size=1}"
DNS_REPLICAS="${DNS_REPLICAS:-1}"
JOIN="${JOIN:-}"
LOGS=/var/log/minik8s
KUBECONFIG_FILE=/etc/minik8s/admin.kubeconfig
APISERVER=https://127.0.0.1:6443
PKI=/etc/minik8s/pki
JOIN_CREDENTIALS=/etc/minik8s/join.tar.gz
log() { echo "minik8s-allinone: $*"; }
fail() { log "$*"; exit 1; }

case "$DNS_REPLICAS" in [0-9]) ;; *) fail "DNS_REPLICAS must be a number from 0 to 9, not \"$DNS_REPLICAS\"" ;; esac
[[ "$SERVICE_CIDR" =~ ^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/([0-9]|[12][0-9]|30)$ ]] || fail "SERVICE_CIDR must be an IPv4 range like 10.96.0.0/12, not \"$SERVICE_CIDR\""
[ -z "$JOIN" ] || [[ "$JOIN" =~ ^https://[A-Za-z0-9.-]+:[0-9]+$ ]] || fail "JOIN must be an apiserver URL like https://host:6443, not \"$JOIN\""
mkdir -p "$LOGS" /etc/minik8s /var/lib/etcd

# The cluster PKI (made once, then kept: a restarted container keeps its identities), the apiserver's
# serving certificate valid for the loopback, the kubernetes Service's address and each of this
# container's IPv4 addresses (where the joining nodes and the port mapping reach it), this node's kubelet for its name and addresses; with
# $1, that node's credentials too. The same flags each time, so nothing already issued changes.
ensure_pki() {
  local ip args=(--dir "$PKI" --server "$APISERVER" --apiserver-ip 127.0.0.1 --etcd-ip 127.0.0.1)
  local ips=127.0.0.1 n a b c d
  # the kubernetes Service's address (the service range's first), where pods reach the apiserver
  IFS=./ read -r a b c d _ <<<"$SERVICE_CIDR"
  n=$(( ((a << 24) | (b << 16) | (c << 8) | d) + 1 ))
  args+=(--apiserver-ip "$(( (n >> 24) & 255 )).$(( (n >> 16) & 255 )).$(( (n >> 8) & 255 )).$(( n & 255 ))")
  for ip in $(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]}'); do args+=(--apiserver-ip "$ip"); ips+=",$ip"; done
  args+=(--node "$NODE_NAME=$ips")
  # (the admin's kubeconfig only at start: issue-node must not rewrite it while it is being copied)
  if [ -n "${1:-}" ]; then args+=(--node "$1"); else args+=(--admin-kubeconfig "$PKI/admin.kubeconfig"); fi
  node /app/shared/dist/pki/cli.js "${args[@]}"
}

if [ "${1:-}" = issue-node ]; then
  name="${2:-}"
  [[ "$name" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || fail "issue-node needs a node name (lowercase letters, digits, '-', '.'), not \"$name\""
  for _ in $(seq 1 600); do [ -f "$PKI/.ready" ] && break; sleep 0.1; done
  [ -f "$PKI/.ready" ] || fail "no cluster PKI yet in $PKI"
  ensure_pki "$name" >&2 || fail "issuing $name's credentials failed"
  tar -C "$PKI/nodes/$name" -cz . | base64 -w0
  exit
fi

# The node image's entrypoint (dockerd, kubelet, kube-proxy) against the apiserver at $1, logging to
# $LOGS. Its pod images are in this container's /var/lib/docker already (the node image's store, which
# Docker copies into a new volume). Pods go in cgroups under this container's own (cgroup v1, where the
# container sees its path): the container's memory and limits then cover the whole cluster, and its
# cgroups go with it. Local images win over pulls (there is no registry).
run_node() {
  local cgroup
  export DOCKERD_ARGS=""
  cgroup="$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)"
  if [ -d /sys/fs/cgroup/memory ] && [ -n "$cgroup" ] && [ "$cgroup" != / ]; then DOCKERD_ARGS="--cgroup-parent $cgroup/pods"; fi
  APISERVER="$1" PKI="$2" REGISTRY="" LOG_DIR="$LOGS" KUBELET_ARGS="--prefer-local-images ${KUBELET_ARGS:-}" exec /usr/local/bin/minik8s-node
}

# A joining node: its credentials (issue-node's), with the server moved to $JOIN.
if [ -n "$JOIN" ]; then
  [ -f "$JOIN_CREDENTIALS" ] || fail "JOIN needs this node's credentials in $JOIN_CREDENTIALS (minik8s-allinone issue-node $NODE_NAME in the first container)"
  mkdir -p /etc/kubernetes/pki
  tar -C /etc/kubernetes/pki -xzf "$JOIN_CREDENTIALS" || fail "$JOIN_CREDENTIALS is not a tar.gz of a node's credentials"
  sed -i -E "s#^( *server: ).*#\1$JOIN#" /etc/kubernetes/pki/kubelet.kubeconfig /etc/kubernetes/pki/kube-proxy.kubeconfig
  log "joining $JOIN as $NODE_NAME"
  run_node "$JOIN" /etc/kubernetes/pki
fi
log "starting $NODE_NAME"
ensure_pki || fail "making the cluster PKI in $PKI failed"
touch "$PKI/.ready"

pids=()
# Run a component for ever, its output appended to its log: restart it 1 s after it exits.
supervise() {
  local name="$1"; shift
  while :; do
    "$@" >>"$LOGS/$name.log" 2>&1
    log "$name exited ($?); restarting in 1 s"
    sleep 1
  done
}
start() {
  supervise "$@" &
  pids+=($!)
}

node_pid=
stop_all() {
  log "stopping"
  # the node first (its kubelet stops the pods, its dockerd the rest), then the control plane, etcd last
  [ -n "$node_pid" ] && kill -TERM "$node_pid" 2>/dev/null && wait "$node_pid"
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do pkill -TERM -P "${pids[$i]}" 2>/dev/null; kill -TERM "${pids[$i]}" 2>/dev/null; done
  exit 0
}
trap stop_all TERM INT

start etcd env GOGC=50 etcd --name allinone --data-dir /var/lib/etcd --logger zap --log-level warn \
  --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
  --cert-file "$PKI/etcd/server.crt" --key-file "$PKI/etcd/server.key" --trusted-ca-file "$PKI/etcd/ca.crt" --client-cert-auth \
  --listen-peer-urls https://127.0.0.1:2380 --initial-advertise-peer-urls https://127.0.0.1:2380 \
  --peer-cert-file "$PKI/etcd/peer.crt" --peer-key-file "$PKI/etcd/peer.key" --peer-trusted-ca-file "$PKI/etcd/ca.crt" --peer-client-cert-auth \
  --initial-cluster allinone=https://127.0.0.1:2380
A="$PKI/apiserver"
# shellcheck disable=SC2086
start apiserver node /app/apiserver/dist/main.js --bind-address 0.0.0.0 --secure-port 6443 \
  --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$A/etcd-ca.crt" --etcd-certfile "$A/apiserver-etcd-client.crt" --etcd-keyfile "$A/apiserver-etcd-client.key" \
  --tls-cert-file "$A/apiserver.crt" --tls-private-key-file "$A/apiserver.key" --client-ca-file "$A/ca.crt" --anonymous-auth=false \
  --authorization-mode Node,RBAC --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-signing-key-file "$A/sa.key" --service-account-key-file "$A/sa.pub" \
  --kubelet-client-certificate "$A/apiserver-kubelet-client.crt" --kubelet-client-key "$A/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$A/ca.crt" --kubelet-preferred-address-types Hostname,InternalIP \
  --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range "${SERVICE_NODE_PORT_RANGE:-30000-32767}" \
  --admission-control-config-file /app/apiserver/manifests/admission.yaml ${APISERVER_ARGS:-}
# Small node-failure timings, as the compose cluster's (docs/cluster.md); one instance each, so no
# leader election.
# shellcheck disable=SC2086
start controller-manager node /app/controller-manager/dist/main.js --kubeconfig "$PKI/controller-manager/kubeconfig" \
  --root-ca-file "$PKI/controller-manager/ca.crt" --bind-address 127.0.0.1 --leader-elect=false --cluster-cidr "$CLUSTER_CIDR" --allocate-node-cidrs true --node-monitor-grace-period 20s \
  --default-not-ready-toleration-seconds 10 --default-unreachable-toleration-seconds 10 ${CONTROLLER_MANAGER_ARGS:-}
# shellcheck disable=SC2086
start scheduler node /app/scheduler/dist/main.js --kubeconfig "$PKI/scheduler/kubeconfig" --bind-address 127.0.0.1 --leader-elect=false ${SCHEDULER_ARGS:-}
# the node, while the control plane starts
run_node "$APISERVER" "$PKI/nodes/$NODE_NAME" &
node_pid=$!

# /readyz as the admin (no anonymous requests); curl only once the port is open (bash's /dev/tcp, no
# process), every 200 ms: the components are starting on the same cores.
ready() {
  (exec 3<>/dev/tcp/127.0.0.1/6443) 2>/dev/null || return 1
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" https://127.0.0.1:6443/readyz)" = 200 ]
}
until ready; do
  kill -0 "$node_pid" 2>/dev/null || fail "the node stopped before the apiserver was ready"
  sleep 0.2
done
log "apiserver ready"

# The admin's kubeconfig (the CA and its client certificate embedded), copied whole then renamed, so a
# reader never sees half of it.
cp "$PKI/admin.kubeconfig" "$KUBECONFIG_FILE.tmp" && chmod 600 "$KUBECONFIG_FILE.tmp"
mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
log "kubeconfig written: $KUBECONFIG_FILE"

# The DNS add-on (cluster-dns/manifests), with DNS_REPLICAS replicas instead of the two the compose
# cluster spreads over its nodes, and probed for readiness every second instead of every two (a test
# waits for its first answer).
if [ "$DNS_REPLICAS" != 0 ]; then
  if sed -E -e "s/^  replicas: [0-9]+\$/  replicas: $DNS_REPLICAS/" -e '/readinessProbe:/,/periodSeconds/ s/periodSeconds: [0-9]+/periodSeconds: 1/' \
    /app/cluster-dns/manifests/*.yaml \
    | node /app/kubectl/dist/main.js --kubeconfig "$KUBECONFIG_FILE" apply -f - >>"$LOGS/addons.log" 2>&1; then
    log "cluster DNS applied ($DNS_REPLICAS replica(s))"
  else
    log "warning: applying the cluster DNS failed (see $LOGS/addons.log)"
  fi
fi

# The cluster lives as long as its node (that is, its Docker engine).
wait "$node_pid"
fail "the node stopped (see $LOGS/kubelet.log and /var/log/dockerd.log)"
