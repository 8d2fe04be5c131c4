#!/usr/bin/env bash
# Called by scripts/images.sh before it builds minik8s/allinone: CTX BASE_IMAGE.
# Writes CTX/docker-seed.tar, a Docker engine's image store (/var/lib/docker/image and overlay2)
# holding the pod images the node image carries, made by the node image's own dockerd. The all-in-one
# copies it into its empty /var/lib/docker before its dockerd starts: its pod images are there at once
# instead of after seconds of `docker load` at every start.
set -euo pipefail
CTX="$1"
NODE_IMAGE="$2"
vol="minik8s-docker-seed-$$"
docker volume create "$vol" >/dev/null
trap 'docker volume rm -f "$vol" >/dev/null 2>&1 || true' EXIT
# Docker in Docker without --privileged, as the compose nodes run (docs/cluster.md)
docker run --rm --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup -v "$vol:/var/lib/docker" --entrypoint bash "$NODE_IMAGE" -c '
    set -e
    mount -o remount,rw /sys
    dockerd --host unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do docker info >/dev/null 2>&1 && break; sleep 0.1; done
    docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log; exit 1; }
    for tar in /var/lib/minik8s/pod-images/*.tar; do docker load -q -i "$tar"; done
    kill "$pid"; wait "$pid" || true'
docker run --rm -v "$vol:/seed:ro" --entrypoint tar "$NODE_IMAGE" -C /seed -c ./image ./overlay2 >"$CTX/docker-seed.tar"
echo "docker-seed.tar: $(du -h "$CTX/docker-seed.tar" | cut -f1)"
