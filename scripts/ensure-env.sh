#!/usr/bin/env bash
# Makes a fresh Debian machine ready for minik8s. Safe to run again: it only does what is missing.
#   bash scripts/ensure-env.sh            what `npm test` needs: the Debian packages (etcd, Docker,
#                                         iptables, ...), a running Docker engine, npm packages
#   bash scripts/ensure-env.sh --engine   what `npm run up` needs of the machine (up.js runs it as root
#                                         when no engine answers): Docker Engine and Compose installed,
#                                         debootstrap for the base image, the engine running
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  '') mode=test ;;
  --engine) mode=engine ;;
  *) echo "usage: bash scripts/ensure-env.sh [--engine]" >&2; exit 2 ;;
esac

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ $mode = test ]; then
  command -v etcd >/dev/null || need+=(etcd-server etcd-client)
  command -v iptables >/dev/null || need+=(iptables)
  command -v nft >/dev/null || need+=(nftables)
  command -v conntrack >/dev/null || need+=(conntrack)
  command -v ip >/dev/null || need+=(iproute2)
  [ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need+=(busybox-static)
  # the Ingress controller's proxy (its integration test and bench:ingress run it on loopback ports) and the bench's load generator
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
  command -v wrk >/dev/null || need+=(wrk)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "minik8s: please install: ${need[*]} (needs root)" >&2; exit 1; fi
  echo "minik8s: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # nginx's package would start its own server on port 80: no service starts during the install
  policy=""
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; policy=1; }
  apt-get install -y -qq "${need[@]}" >/dev/null
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
  if [[ " ${need[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
fi

# The engine: through systemd where it is the init system, else dockerd in its own session.
if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "minik8s: no Docker engine answers; start Docker and run again" >&2; exit 1; fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    echo "minik8s: starting docker (systemctl start docker)"
    systemctl start docker || { echo "minik8s: systemctl start docker failed; see: journalctl -u docker" >&2; exit 1; }
    log="journalctl -u docker"
  else
    echo "minik8s: starting dockerd (log: /var/log/dockerd.log)"
    (setsid dockerd >/var/log/dockerd.log 2>&1 &)
    log=/var/log/dockerd.log
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "minik8s: dockerd did not start; see $log" >&2; exit 1; }
fi

[ $mode = engine ] || [ -d node_modules ] || npm ci --no-audit --no-fund
