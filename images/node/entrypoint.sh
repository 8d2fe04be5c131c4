#!/usr/bin/env bash
# A minik8s node in a container: its own Docker engine (Docker-in-Docker without --privileged, see
# docs/cluster.md), then the kubelet and kube-proxy, each restarted if it exits.
# Environment: NODE_NAME (default: hostname), NODE_IP (default: eth0's address), APISERVER
# (default https://apiserver:6443; used only without credentials in $PKI), PKI (default /etc/kubernetes/pki:
# this node's kubelet serving certificate, its kubelet.kubeconfig as system:node:<name> and kube-proxy's),
# REGISTRY (host:port of the cluster registry, used as Docker Hub mirror, from which a kept volume's
# older pod images are refreshed; empty = none), KUBELET_ARGS,
# KUBE_PROXY_ARGS (extra flags), SERVICE_CIDR / CLUSTER_CIDR (sink routes, kube-proxy), CLUSTER_DNS (10.96.0.10),
# DOCKERD_ARGS (extra dockerd flags), LOG_DIR (each component's output to LOG_DIR/<name>.log instead of stdout).
set -uo pipefail

NODE_NAME="${NODE_NAME:-$(hostname)}"
NODE_IP="${NODE_IP:-$(ip -4 -o addr show dev eth0 | awk '{split($4, a, "/"); print a[1]; exit}')}"
APISERVER="${APISERVER:-https://apiserver:6443}"
PKI="${PKI:-/etc/kubernetes/pki}"
REGISTRY="${REGISTRY-registry:5000}"
SERVICE_CIDR="${SERVICE_CIDR:-10.96.0.0/12}"
CLUSTER_CIDR="${CLUSTER_CIDR:-10.244.0.0/16}"
log() { echo "minik8s-node[$NODE_NAME]: $*"; }

# Docker-in-Docker: dockerd needs a writable /sys (cgroups, bridge settings).
mount -o remount,rw /sys 2>/dev/null || log "warning: could not remount /sys read-write"
# and a writable /proc/sys (what --security-opt systempaths=unconfined would give) for its sysctls.
mount -o remount,rw /proc/sys 2>/dev/null || mount -o rw,remount,bind /proc/sys /proc/sys 2>/dev/null \
  || log "warning: could not remount /proc/sys read-write"

# Virtual IPs without a rule and other nodes' pod addresses without a route must be dropped here,
# never sent out of the default route: a sink device catches both ranges; kube-proxy's rules and
# the more specific pod routes (this node's bridge, other nodes) take precedence over it.
if ip link add minik8s-sink type ifb 2>/dev/null || ip link show minik8s-sink >/dev/null 2>&1; then
  ip link set minik8s-sink up
  ip route replace "$SERVICE_CIDR" dev minik8s-sink
  ip route replace "$CLUSTER_CIDR" dev minik8s-sink
else
  log "warning: no ifb device; service and pod ranges have no sink route"
fi

# "userland-proxy": false makes dockerd set hairpin mode on the pod bridge's ports (the kubelet's
# --hairpin-mode=hairpin-veth upstream): a pod reaching its own Service is DNATed back to itself, and
# the bridge must send that frame out of the port it came in on.
mkdir -p /etc/docker
if [ -n "$REGISTRY" ]; then
  printf '{\n  "userland-proxy": false,\n  "registry-mirrors": ["http://%s"],\n  "insecure-registries": ["%s"]\n}\n' "$REGISTRY" "$REGISTRY" > /etc/docker/daemon.json
else
  echo '{ "userland-proxy": false }' > /etc/docker/daemon.json
fi

pids=()
stop_all() {
  log "stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -n "${dockerd_pid:-}" ] && kill -TERM "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid"
  exit 0
}
trap stop_all TERM INT

rm -f /var/run/docker.pid /var/run/docker.sock
# GOGC=50 (inherited by containerd and the shims): a smaller Go heap for these mostly idle daemons.
# shellcheck disable=SC2086
GOGC=50 dockerd --host unix:///var/run/docker.sock ${DOCKERD_ARGS:-} >/var/log/dockerd.log 2>&1 &
dockerd_pid=$!

# Pod images: a new volume holds them already (Docker fills it from the node image's /var/lib/docker,
# see seed.Dockerfile). A kept volume may hold older builds of them (the node image was rebuilt since):
# those, and any missing, are pulled through the registry mirror (npm run up pushes them there), in
# the background, one after the other in the node image's order (the pod sandbox first, then the DNS
# add-on, which a new cluster waits for), as soon as dockerd answers; a pod that comes first pulls
# what it lacks through the mirror itself.
PAUSE_IMAGE=minik8s/pause:3.10
POD_IMAGE_IDS=/var/lib/minik8s/pod-images.ids
refresh() {
  local ref="$1" want="$2" have
  have="$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null)"
  [ "$have" = "$want" ] && return
  if [ -n "$REGISTRY" ]; then
    # (the registry may hold the older build until npm run up has pushed the new one: pull again)
    for _ in $(seq 1 60); do
      docker pull -q "$ref" >/dev/null 2>&1
      have="$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null)"
      [ "$have" = "$want" ] && { log "pulled $ref"; return; }
      sleep 1
    done
  fi
  log "warning: $ref here is ${have:-missing}, not the node image's ${want} (npm run up pushes it to the registry)"
}

# Each component authenticates with its own identity (kubeconfig), and the kubelet serves its API over
# TLS with its certificate, taking client certificates of the cluster CA (the apiserver's) and bearer
# tokens (TokenReview); without credentials in $PKI they fall back to --master $APISERVER.
if [ -f "$PKI/kubelet.kubeconfig" ]; then
  KUBELET_AUTH=(--kubeconfig "$PKI/kubelet.kubeconfig" --tls-cert-file "$PKI/kubelet.crt" --tls-private-key-file "$PKI/kubelet.key" --client-ca-file "$PKI/ca.crt" --authorization-mode Webhook)
  PROXY_AUTH=(--kubeconfig "$PKI/kube-proxy.kubeconfig")
else
  log "warning: no credentials in $PKI; using --master $APISERVER"
  KUBELET_AUTH=(--master "$APISERVER")
  PROXY_AUTH=(--master "$APISERVER")
fi

# Run a component for ever: restart it 2 s after it exits. The kubelet and kube-proxy start beside
# dockerd (the kubelet waits for its socket): their start-up overlaps dockerd's.
supervise() {
  local name="$1"; shift
  while :; do
    if [ -n "${LOG_DIR:-}" ]; then "$@" >>"$LOG_DIR/$name.log" 2>&1; else "$@"; fi
    log "$name exited ($?); restarting in 2 s"
    sleep 2
  done
}
# shellcheck disable=SC2086
supervise kubelet node /app/kubelet/dist/main.js "${KUBELET_AUTH[@]}" --hostname-override "$NODE_NAME" \
  --node-ip "$NODE_IP" --port 10250 --container-runtime-endpoint unix:///var/run/docker.sock \
  --pod-infra-container-image "$PAUSE_IMAGE" --cluster-dns "${CLUSTER_DNS:-10.96.0.10}" --require-pod-cidr ${KUBELET_ARGS:-} &
pids+=($!)
# shellcheck disable=SC2086
supervise kube-proxy node /app/kube-proxy/dist/main.js "${PROXY_AUTH[@]}" --hostname-override "$NODE_NAME" \
  --cluster-cidr "$CLUSTER_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" --sync-pod-routes ${KUBE_PROXY_ARGS:-} &
pids+=($!)

# (the socket appears when dockerd listens: a test of it costs nothing, a docker info a process on each side)
for _ in $(seq 1 600); do [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1 && break; sleep 0.1; done
docker info >/dev/null 2>&1 || { log "dockerd did not start:"; tail -20 /var/log/dockerd.log; exit 1; }
log "dockerd ready ($(docker info -f '{{.Driver}}') storage)"
(while read -r -u 3 ref id; do refresh "$ref" "$id"; done 3<"$POD_IMAGE_IDS") &

# The node lives as long as its Docker engine.
wait "$dockerd_pid"
log "dockerd exited:"; tail -20 /var/log/dockerd.log
exit 1
