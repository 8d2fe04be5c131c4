#!/usr/bin/env bash
# Prints the base image every minik8s Dockerfile starts FROM (build argument BASE_IMAGE).
# 1. $MINIK8S_BASE_IMAGE, or node:20-bookworm-slim, when it exists locally or can be pulled;
# 2. else minik8s/base:bookworm-node20-<hash of its package list>, built ONCE here without any
#    registry: debootstrap of Debian bookworm (minbase + what the images need) plus the host's node
#    binary, `docker import`ed. A new package list is a new tag (built once again), so checkouts with
#    different lists do not rebuild each other's base.
# The image is reused on later runs; the rootfs lives under /var/cache/minik8s, never in the repo.
# Progress goes to stderr; the image name alone goes to stdout.
set -euo pipefail

WANTED="${MINIK8S_BASE_IMAGE:-node:20-bookworm-slim}"
CACHE="${MINIK8S_CACHE:-/var/cache/minik8s}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Everything the node, etcd, registry, tools and Ingress controller images need, so that their install steps are no-ops here.
PACKAGES=iptables,nftables,iproute2,docker.io,ca-certificates,procps,conntrack,kmod,etcd-server,docker-registry,busybox,curl,wget,nginx
LOCAL="minik8s/base:bookworm-node20-$(printf %s "$PACKAGES" | sha256sum | cut -c1-8)"

log() { echo "minik8s: $*" >&2; }

if docker image inspect "$WANTED" >/dev/null 2>&1; then echo "$WANTED"; exit 0; fi
if docker image inspect "$LOCAL" >/dev/null 2>&1; then echo "$LOCAL"; exit 0; fi
if timeout 60 docker pull -q "$WANTED" >/dev/null 2>&1; then echo "$WANTED"; exit 0; fi

# Two `up`s at once must not debootstrap twice.
mkdir -p "$CACHE"
exec 9>"$CACHE/base.lock"
flock 9
if docker image inspect "$LOCAL" >/dev/null 2>&1; then echo "$LOCAL"; exit 0; fi

command -v debootstrap >/dev/null || { log "no registry answers for $WANTED and debootstrap is missing (apt-get install debootstrap)"; exit 1; }
[ "$(id -u)" = 0 ] || { log "building the base image $LOCAL with debootstrap needs root"; exit 1; }
NODE_BIN="$(command -v node)"
log "no registry answers for $WANTED: building $LOCAL with debootstrap (once, about a minute)"
ROOTFS="$CACHE/rootfs"
rm -rf "$ROOTFS"
mkdir -p "$CACHE/debs"
start=$(date +%s)
debootstrap --variant=minbase --include="$PACKAGES" --cache-dir="$CACHE/debs" bookworm "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
  || { log "debootstrap failed; see $CACHE/debootstrap.log"; exit 1; }
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/dev/*
tar -C "$ROOTFS" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["bash"]' \
  -m "minik8s base: debootstrap bookworm minbase + node $("$NODE_BIN" --version)" - "$LOCAL" >/dev/null
rm -rf "$ROOTFS"
log "built $LOCAL in $(( $(date +%s) - start )) s"
echo "$LOCAL"
