#!/usr/bin/env bash
# A whole minik8s cluster in one container: etcd, the apiserver, the scheduler, the controller-manager
# and one node (the node image's entrypoint: its own dockerd, the kubelet, kube-proxy, the sink routes),
# each a separate process restarted when it exits, then the cluster DNS add-on. Runs without
# --privileged, with the capabilities the compose nodes use (docs/cluster.md).
# Once the apiserver is ready it writes /etc/minik8s/admin.kubeconfig, which clients copy, changing only
# the server to where they reach port 6443. Each component logs to /var/log/minik8s/<name>.log
# (dockerd: /var/log/dockerd.log); this script's lines go to stdout.
# With JOIN=<apiserver URL> (http://host:6443) it is another node of that cluster instead: only the node.
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
APISERVER=http://127.0.0.1:6443
log() { echo "minik8s-allinone: $*"; }
fail() { log "$*"; exit 1; }

case "$DNS_REPLICAS" in [0-9]) ;; *) fail "DNS_REPLICAS must be a number from 0 to 9, not \"$DNS_REPLICAS\"" ;; esac
[ -z "$JOIN" ] || [[ "$JOIN" =~ ^https?://[A-Za-z0-9.-]+:[0-9]+$ ]] || fail "JOIN must be an apiserver URL like http://host:6443, not \"$JOIN\""
mkdir -p "$LOGS" /etc/minik8s /var/lib/etcd

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
  APISERVER="$1" REGISTRY="" LOG_DIR="$LOGS" KUBELET_ARGS="--prefer-local-images ${KUBELET_ARGS:-}" exec /usr/local/bin/minik8s-node
}

if [ -n "$JOIN" ]; then
  log "joining $JOIN as $NODE_NAME"
  run_node "$JOIN"
fi
log "starting $NODE_NAME"

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
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster allinone=http://127.0.0.1:2380
# shellcheck disable=SC2086
start apiserver node /app/apiserver/dist/main.js --etcd-servers http://127.0.0.1:2379 --bind-address 0.0.0.0 --secure-port 6443 \
  --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range "${SERVICE_NODE_PORT_RANGE:-30000-32767}" ${APISERVER_ARGS:-}
# Small node-failure timings, as the compose cluster's (docs/cluster.md); one instance each, so no
# leader election.
# shellcheck disable=SC2086
start controller-manager node /app/controller-manager/dist/main.js --master "$APISERVER" --bind-address 127.0.0.1 \
  --leader-elect=false --cluster-cidr "$CLUSTER_CIDR" --allocate-node-cidrs true --node-monitor-grace-period 20s \
  --default-not-ready-toleration-seconds 10 --default-unreachable-toleration-seconds 10 ${CONTROLLER_MANAGER_ARGS:-}
# shellcheck disable=SC2086
start scheduler node /app/scheduler/dist/main.js --master "$APISERVER" --bind-address 127.0.0.1 --leader-elect=false ${SCHEDULER_ARGS:-}
# the node, while the control plane starts
run_node "$APISERVER" &
node_pid=$!

# /readyz with bash's /dev/tcp: a poll every 100 ms must not start a process (the components are
# starting on the same cores).
ready() {
  local status
  exec 3<>/dev/tcp/127.0.0.1/6443 || return 1
  printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3
  read -r -t 2 _ status _ <&3
  exec 3<&-
  [ "$status" = 200 ]
}
until ready 2>/dev/null; do
  kill -0 "$node_pid" 2>/dev/null || fail "the node stopped before the apiserver was ready"
  sleep 0.1
done
log "apiserver ready"

# The credentials clients use (today a plain-HTTP apiserver without authentication: none; and
# insecure-skip-tls-verify, without which @kubernetes/client-node refuses a plain-HTTP server), written
# whole then renamed, so a reader never sees half of it.
cat >"$KUBECONFIG_FILE.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: minik8s
  cluster:
    server: $APISERVER
    insecure-skip-tls-verify: true
users:
- name: admin
  user: {}
contexts:
- name: minik8s
  context:
    cluster: minik8s
    user: admin
    namespace: default
current-context: minik8s
EOF
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
