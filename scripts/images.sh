#!/usr/bin/env bash
# Builds the cluster's images from local files: what changed is rebuilt, nothing else.
#   bash scripts/images.sh [--no-app-build] [image ...]    (default: every image)
# Images: minik8s/control-plane (apiserver, scheduler, controller-manager), minik8s/node (kubelet,
# kube-proxy, dockerd), minik8s/etcd, minik8s/registry, minik8s/cluster-dns, and the pod images
# minik8s/pause:3.10 and busybox (built by images/pause and images/busybox).
# Each image carries a label minik8s.hash = sha256 of everything it is built from (Dockerfile, staged
# files, base image id); when the label matches, `docker build` is not even started.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STAGE="$ROOT/.build/images"
ALL=(etcd registry control-plane node cluster-dns pause busybox)

build_app=1
want=()
for a in "$@"; do
  case "$a" in
    --no-app-build) build_app=0 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) want+=("$a") ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=("${ALL[@]}")

say() { printf 'minik8s: %-14s %s\n' "$1" "$2" >&2; }

docker info >/dev/null 2>&1 || { echo "minik8s: no Docker engine answers (is Docker running? try: docker info)" >&2; exit 1; }

BASE="$(bash scripts/base-image.sh)"
BASE_ID="$(docker image inspect -f '{{.Id}}' "$BASE")"

# The JavaScript every Node image carries: each workspace's package.json + dist, and the production
# node_modules (npm's own list, so dev tools such as typescript and vitest stay out).
stage_app() {
  local app="$STAGE/app"
  if [ "$build_app" = 1 ]; then
    # tsc -b takes seconds even when there is nothing to do: skip it when no source, tsconfig or
    # package file changed since its last success and every workspace still has its dist.
    local stamp="$STAGE/tsc.stamp" changed
    changed="$(find . \( -path ./node_modules -o -path ./.build -o -path '*/dist' \) -prune -o \
      \( -path '*/src/*' -o -name 'tsconfig*.json' -o -name package.json -o -name package-lock.json \) \
      -newer "$stamp" -print -quit 2>/dev/null || echo unknown)"
    for ws in $(node -e 'console.log(require("./package.json").workspaces.join(" "))'); do
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
  fi
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
    mkdir -p "$app/deps/node_modules/$(dirname "$name")"
    ln -s "$(realpath --relative-to="$app/deps/node_modules/$(dirname "$name")" "$app/deps/$ws")" "$app/deps/node_modules/$name"
  done < <(node -e 'for (const ws of require("./package.json").workspaces) console.log(ws, require(`./${ws}/package.json`).name)')
  # npm ls takes seconds and its answer changes only with the lockfile: keep it beside the stage.
  # (It exits non-zero on harmless problems, extraneous packages; its list is still complete.)
  local deps="$STAGE/deps.list" lock
  lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ "$(head -n 1 "$deps" 2>/dev/null)" != "$lock" ]; then
    { echo "$lock"; npm ls --omit=dev --parseable --all 2>/dev/null || true; } >"$deps.$$"
    mv "$deps.$$" "$deps"
  fi
  # The top-level packages (nested node_modules come with their parent; workspaces are linked
  # above), copied by one tar pipe instead of a cp per package.
  tail -n +2 "$deps" | while IFS= read -r p; do
    rel="${p#"$ROOT"/}"
    case "$rel" in
      node_modules/@minik8s/*) ;;
      *node_modules/*/node_modules/*) ;;
      node_modules/*|*/node_modules/*) echo "$rel" ;;
    esac
  done | sort -u | tar -cf - -T - | tar -xpf - -C "$app/deps"
}

# hash of a directory's names, modes, link targets and contents (not mtimes: a rebuild of dist that
# changes nothing must not rebuild the image)
tree_hash() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -c . | sha256sum | cut -d' ' -f1; }

# build NAME DIR: context = images/NAME (+ the staged app when the Dockerfile copies it)
build() {
  local name="$1" image="minik8s/$1" ctx="$STAGE/$1"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "images/$name/." "$ctx/"
  if grep -q '^COPY app/' "images/$name/Dockerfile"; then
    # only the workspaces the image runs (its "# workspaces:" line), so other code changes leave it alone
    mkdir -p "$ctx/app/code"
    cp -al "$STAGE/app/deps" "$ctx/app/deps"
    local ws
    for ws in $(sed -n 's/^# workspaces: *//p' "images/$name/Dockerfile"); do
      [ -d "$STAGE/app/code/$ws" ] && cp -al "$STAGE/app/code/$ws" "$ctx/app/code/$ws"
    done
  fi
  local hash; hash="$( (echo "$BASE_ID"; tree_hash "$ctx") | sha256sum | cut -d' ' -f1)"
  local have; have="$(docker image inspect -f '{{index .Config.Labels "minik8s.hash"}}' "$image" 2>/dev/null || true)"
  if [ "$have" = "$hash" ] && [ "${MINIK8S_FORCE_REBUILD:-0}" != 1 ]; then say "$name" "up to date"; return; fi
  local nocache=(); [ "${MINIK8S_FORCE_REBUILD:-0}" = 1 ] && nocache=(--no-cache)
  say "$name" "building $image"
  local start; start=$(date +%s)
  if ! docker build -q "${nocache[@]}" --build-arg "BASE_IMAGE=$BASE" --label "minik8s.hash=$hash" -t "$image" "$ctx" >"$STAGE/$name.log" 2>&1; then
    # -q hides the log; build again verbosely from the cache to show what failed
    docker build --build-arg "BASE_IMAGE=$BASE" -t "$image" "$ctx" >"$STAGE/$name.log" 2>&1 || true
    tail -30 "$STAGE/$name.log" >&2
    say "$name" "FAILED (full log: $STAGE/$name.log)"; exit 1
  fi
  say "$name" "built in $(( $(date +%s) - start )) s"
}

mkdir -p "$STAGE"
staged=0
for n in "${want[@]}"; do
  case "$n" in
    pause|busybox) sh "images/$n/build.sh" >&2; say "$n" "ready" ;;
    control-plane|node|cluster-dns)
      if [ $staged = 0 ]; then stage_app; staged=1; fi
      build "$n" ;;
    etcd|registry) build "$n" ;;
    *) echo "minik8s: unknown image $n (known: ${ALL[*]})" >&2; exit 1 ;;
  esac
done
