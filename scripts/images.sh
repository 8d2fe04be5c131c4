#!/usr/bin/env bash
# Builds the cluster's images from local files: what changed is rebuilt, nothing else.
#   bash scripts/images.sh [--no-app-build] [image ...]    (default: every image)
# Images: minik8s/control-plane (apiserver, scheduler, controller-manager), minik8s/node (kubelet,
# kube-proxy, dockerd), minik8s/etcd, minik8s/registry, the add-ons minik8s/cluster-dns,
# minik8s/local-path-provisioner and minik8s/ingress-nginx, minik8s/allinone (a whole cluster in one container,
# for tests), and the pod images minik8s/pause:3.10, busybox (built by images/pause and images/busybox) and
# minik8s/tools:1.0. An image is named minik8s/<folder>, or by its Dockerfile's "# image:" line.
# Each image carries a label minik8s.hash = sha256 of everything it is built from (Dockerfile, staged
# files, base image id); when the label matches, `docker build` is not even started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STAGE="$ROOT/.build/images"
# (node after the pod images it carries; allinone after node, which it starts FROM)
ALL=(etcd registry pause busybox tools control-plane cluster-dns local-path-provisioner ingress-nginx node allinone)

build_app=1
want=()
for a in "$@"; do
  case "$a" in
    --no-app-build) build_app=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) want+=("$a") ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=("${ALL[@]}")

say() { printf 'minik8s: %-14s %s\n' "$1" "$2" >&2; }

docker info >/dev/null 2>&1 || { echo "minik8s: no Docker engine answers (is Docker running? try: docker info)" >&2; exit 1; }

BASE="$(bash scripts/base-image.sh)"
BASE_ID="$(docker image inspect -f '{{.Id}}' "$BASE")"

# tsc -b takes seconds even when there is nothing to do: skip it when no source, tsconfig or
# package file changed since its last success and every workspace still has its dist.
app_build() {
  local stamp="$STAGE/tsc.stamp" changed ws
  changed="$(find . \( -path ./node_modules -o -path ./.build -o -path '*/dist' \) -prune -o \
    \( -path '*/src/*' -o -name 'tsconfig*.json' -o -name package.json -o -name package-lock.json \) \
    -newer "$stamp" -print -quit 2>/dev/null || echo unknown)"
  for ws in $WORKSPACES; do
    [ -d "$ws/dist" ] || changed="$ws/dist"
  done
  if [ -f "$stamp" ] && [ -z "$changed" ]; then
    say app "tsc -b: nothing changed since the last build"
  else
    say app "tsc -b"
    touch "$stamp.$$"
    npx tsc -b >"$STAGE/tsc.log" 2>&1 || { rm -f "$stamp.$$"; tail -20 "$STAGE/tsc.log" >&2; say app "the TypeScript build failed (full log: $STAGE/tsc.log)"; exit 1; }
    mv "$stamp.$$" "$stamp"
  fi
}

# The JavaScript every Node image carries: each workspace's package.json + dist, and the production
# node_modules (npm's own list, so dev tools such as typescript and vitest stay out).
stage_app() {
  local app="$STAGE/app"
  # deps/ (node_modules, package.json files: rarely changes) and code/ (dist): two image layers,
  # so a code change rebuilds only the small one.
  rm -rf "$app"; mkdir -p "$app/deps/node_modules" "$app/code"
  cp package.json package-lock.json "$app/deps/"
  local ws name
  while read -r ws name; do
    mkdir -p "$app/deps/$ws" "$app/code/$ws"
    cp "$ws/package.json" "$app/deps/$ws/"
    if [ -d "$ws/dist" ]; then cp -a "$ws/dist" "$app/code/$ws/dist"; fi
    if [ -d "$ws/manifests" ]; then cp -a "$ws/manifests" "$app/code/$ws/manifests"; fi
    if [ -d "$ws/openapi" ]; then cp -a "$ws/openapi" "$app/code/$ws/openapi"; fi
    mkdir -p "$app/deps/node_modules/$(dirname "$name")"
    ln -s "$(realpath --relative-to="$app/deps/node_modules/$(dirname "$name")" "$app/deps/$ws")" "$app/deps/node_modules/$name"
  done < <(node -e 'for (const ws of require("./package.json").workspaces) console.log(ws, require(`./${ws}/package.json`).name)')
  deps_of | tar -cf - -T - | tar -xpf - -C "$app/deps"
}

# The production dependencies of some workspaces (default: all), as the top-level package folders
# to copy (nested node_modules come with their parent; workspaces are linked by stage_app).
# npm ls takes seconds and its answer changes only with the lockfile: kept beside the stage.
# (It exits non-zero on harmless problems, extraneous packages; its list is still complete.)
deps_of() {
  local list="$STAGE/deps.$(printf '%s.' "$@" | tr '/' '_')list" lock p rel
  lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ "$(head -n 1 "$list" 2>/dev/null)" != "$lock" ]; then
    { echo "$lock"
      { npm ls --omit=dev --parseable --all "${@/#/--workspace=}" 2>/dev/null || true; } | while IFS= read -r p; do
        rel="${p#"$ROOT"/}"
        case "$rel" in
          node_modules/@minik8s/*) ;;
          *node_modules/*/node_modules/*) ;;
          node_modules/*|*/node_modules/*) echo "$rel" ;;
        esac
      done | sort -u
    } >"$list.$$"
    mv "$list.$$" "$list"
  fi
  tail -n +2 "$list"
}

# hash of a directory's names, modes, link targets and contents (not mtimes: a rebuild of dist that
# changes nothing must not rebuild the image)
tree_hash() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -c . | sha256sum | cut -d' ' -f1; }

# build NAME DIR: context = images/NAME (+ the staged app when the Dockerfile copies it)
build() {
  local name="$1" image ctx="$STAGE/$1"
  image="$(sed -n 's/^# image: *//p' "images/$name/Dockerfile")"; image="${image:-minik8s/$name}"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "images/$name/." "$ctx/"
  if grep -q '^COPY app/' "images/$name/Dockerfile"; then
    # only the workspaces the image runs (its "# workspaces:" line) and their dependencies, so other
    # code changes leave it alone (and the DNS add-on's image, which every node loads, stays small)
    local ws wss deps
    wss="$(sed -n 's/^# workspaces: *//p' "images/$name/Dockerfile")"
    # shellcheck disable=SC2086
    deps="$(deps_of $wss)"
    mkdir -p "$ctx/app/code" "$ctx/app/deps"
    (cd "$STAGE/app/deps" && { ls -A | grep -vx node_modules; echo node_modules/@minik8s; echo "$deps"; } | xargs cp -al --parents -t "$ctx/app/deps")
    for ws in $wss; do
      [ -d "$STAGE/app/code/$ws" ] && cp -al "$STAGE/app/code/$ws" "$ctx/app/code/$ws"
    done
  fi
  # pod images the image carries (its "# pod-images:" line), as a Docker image store in its
  # /var/lib/docker (seed below). Hashed by image id; pod-images/ids goes into the image too, so that a
  # node tells a kept volume's older copies from these.
  local pod_images ref
  pod_images="$(sed -n 's/^# pod-images: *//p' "images/$name/Dockerfile")"
  if [ -n "$pod_images" ]; then
    mkdir -p "$ctx/pod-images"
    for ref in $pod_images; do
      docker image inspect -f "$ref {{.Id}}" "$ref" 2>/dev/null || { say "$name" "needs the image $ref: build it first (bash scripts/images.sh)"; exit 1; }
    done >"$ctx/pod-images/ids"
  fi
  # FROM another minik8s image (its "# base-image:" line) instead of the common base, by the id that
  # is hashed (a rebuild of that image meanwhile does not change what this one is built from)
  local base base_id="$BASE_ID"
  base="$(sed -n 's/^# base-image: *//p' "images/$name/Dockerfile")"
  if [ -n "$base" ]; then
    base_id="$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null)" || { say "$name" "needs the image $base: build it first (bash scripts/images.sh)"; exit 1; }
    base="$base_id"
  else
    base="$BASE"
  fi
  local hash; hash="$( (echo "$base_id"; tree_hash "$ctx") | sha256sum | cut -d' ' -f1)"
  local have; have="$(docker image inspect -f '{{index .Config.Labels "minik8s.hash"}}' "$image" 2>/dev/null || true)"
  if [ "$have" = "$hash" ] && [ "${MINIK8S_FORCE_REBUILD:-0}" != 1 ]; then say "$name" "up to date"; return; fi
  local nocache=(); [ "${MINIK8S_FORCE_REBUILD:-0}" = 1 ] && nocache=(--no-cache)
  say "$name" "building $image"
  local start; start=$(date +%s)
  # (an image that gets a pod-image store is tagged, with its hash, only once it has the store: a
  # failure in between must not leave an image that looks up to date)
  local tag=(--label "minik8s.hash=$hash" -t "$image"); [ -n "$pod_images" ] && tag=()
  if ! docker build -q "${nocache[@]}" --build-arg "BASE_IMAGE=$base" "${tag[@]}" --iidfile "$STAGE/$name.iid" "$ctx" >"$STAGE/$name.log" 2>&1; then
    # -q hides the log; build again verbosely from the cache to show what failed
    docker build --build-arg "BASE_IMAGE=$base" "$ctx" >"$STAGE/$name.log" 2>&1 || true
    tail -30 "$STAGE/$name.log" >&2
    say "$name" "FAILED (full log: $STAGE/$name.log)"; exit 1
  fi
  say "$name" "built in $(( $(date +%s) - start )) s"
  # shellcheck disable=SC2086
  if [ -n "$pod_images" ]; then seed "$name" "$(cat "$STAGE/$name.iid")" "$image" "$hash" $pod_images; fi
}

# seed NAME BUILT IMAGE HASH POD_IMAGE...: the pod images an image carries, as a Docker image store in
# its /var/lib/docker (images/NAME/seed.Dockerfile, FROM the image just BUILT, tagged IMAGE with HASH). A
# new volume there (a compose node's, the all-in-one's) starts as a copy of it, so the node's dockerd
# has them at once instead of after seconds of `docker load` (which holds up every container create
# meanwhile). Made by that image's own dockerd, which loads them from the host's `docker save`.
seed() {
  local name="$1" built="$2" image="$3" hash="$4" vol="minik8s-seed-$$" dir="$STAGE/$1.seed" start
  shift 4
  start=$(date +%s)
  say "$name" "adding its pod images' Docker store"
  rm -rf "$dir"; mkdir -p "$dir"; cp "images/$name/seed.Dockerfile" "$dir/Dockerfile"
  docker volume create "$vol" >/dev/null
  # Docker in Docker without --privileged, as the compose nodes run (docs/cluster.md); docker load
  # reads the saved images on stdin
  if ! { docker save "$@" | docker run --rm -i --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
          --tmpfs /run -v /sys/fs/cgroup:/sys/fs/cgroup -v "$vol:/var/lib/docker" --entrypoint bash "$built" -c '
            set -e
            mount -o remount,rw /sys
            dockerd </dev/null >/var/log/dockerd.log 2>&1 & pid=$!
            for _ in $(seq 1 300); do [ -S /var/run/docker.sock ] && docker info </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
            docker info </dev/null >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log; exit 1; }
            docker load -q
            kill "$pid"; wait "$pid" || true' \
        && docker run --rm -v "$vol:/seed:ro" --entrypoint tar "$built" -C /seed -c ./image ./overlay2 >"$dir/docker-seed.tar" \
        && docker build -q --build-arg "IMAGE=$built" --label "minik8s.hash=$hash" -t "$image" "$dir"; } >"$STAGE/$name.seed.log" 2>&1; then
    docker volume rm -f "$vol" >/dev/null 2>&1
    tail -30 "$STAGE/$name.seed.log" >&2; say "$name" "FAILED (full log: $STAGE/$name.seed.log)"; exit 1
  fi
  docker volume rm -f "$vol" >/dev/null 2>&1
  rm -rf "$dir"
  say "$name" "store added in $(( $(date +%s) - start )) s"
}

# The whole set, as `npm run up` asks for it: nothing to stage or hash when no input changed since
# the last full run and every image is still the one it left (another checkout may have rebuilt one).
# The stamp holds the base and image ids; its mtime is when that run started.
STAMP="$STAGE/images.stamp"
ALL_REFS=(minik8s/etcd minik8s/registry minik8s/pause:3.10 minik8s/busybox:1.36 busybox:latest minik8s/tools:1.0 minik8s/control-plane minik8s/cluster-dns minik8s/local-path-provisioner minik8s/ingress-nginx minik8s/node minik8s/allinone)
image_ids() { echo "$BASE_ID"; docker image inspect -f '{{.Id}}' "${ALL_REFS[@]}" 2>/dev/null || true; }
inputs_changed() {
  local ws paths=(images scripts/images.sh scripts/base-image.sh package.json package-lock.json node_modules)
  for ws in $WORKSPACES; do paths+=("$ws/package.json" "$ws/dist"); [ -d "$ws/manifests" ] && paths+=("$ws/manifests"); [ -d "$ws/openapi" ] && paths+=("$ws/openapi"); done
  [ -n "$(find "${paths[@]}" -newer "$STAMP" -print -quit 2>/dev/null || echo error)" ]
}
full=0
if [ "${#want[@]}" = "${#ALL[@]}" ]; then full=1; fi

mkdir -p "$STAGE"
WORKSPACES="$(node -e 'console.log(require("./package.json").workspaces.join(" "))')"
case " ${want[*]} " in *" control-plane "*|*" node "*|*" cluster-dns "*|*" local-path-provisioner "*|*" ingress-nginx "*|*" allinone "*) [ "$build_app" = 0 ] || app_build ;; esac
started="$(date +%s.%N)"
if [ $full = 1 ] && [ "${MINIK8S_FORCE_REBUILD:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(image_ids)" = "$(cat "$STAMP")" ] && ! inputs_changed; then
  say images "up to date (no input changed since the last build)"
  exit 0
fi

staged=0
for n in "${want[@]}"; do
  case "$n" in
    pause|busybox) sh "images/$n/build.sh" >&2; say "$n" "ready" ;;
    control-plane|node|cluster-dns|local-path-provisioner|ingress-nginx|allinone)
      if [ $staged = 0 ]; then stage_app; staged=1; fi
      build "$n" ;;
    etcd|registry|tools) build "$n" ;;
    *) echo "minik8s: unknown image $n (known: ${ALL[*]})" >&2; exit 1 ;;
  esac
done
if [ $full = 1 ]; then
  image_ids >"$STAMP.$$"; touch -d "@$started" "$STAMP.$$"; mv "$STAMP.$$" "$STAMP"
fi
