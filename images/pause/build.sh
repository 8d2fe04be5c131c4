#!/bin/sh
# Build minik8s/pause:3.10 from local files (no registry): a static C pause compiled with gcc,
# or, when no static C toolchain is present, busybox-static running a trap-and-wait loop.
# Idempotent: does nothing when the image exists (set FORCE=1 to rebuild).
set -eu
IMAGE="${IMAGE:-minik8s/pause:3.10}"
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
if command -v gcc >/dev/null 2>&1 && gcc -static -Os -s -o "$DIR/pause" "$HERE/pause.c" 2>/dev/null; then
  :
else
  echo "pause: no static gcc toolchain (apt-get install gcc libc6-dev); using busybox-static" >&2
  mkdir -p "$DIR/bin"
  cp /bin/busybox "$DIR/bin/busybox"
  ln -s busybox "$DIR/bin/sh"
  ln -s busybox "$DIR/bin/sleep"
  printf '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 2147483647 & wait $!; done\n' > "$DIR/pause"
  chmod +x "$DIR/pause"
fi
tar -C "$DIR" -c . | docker import -c 'ENTRYPOINT ["/pause"]' -m 'minik8s pause' - "$IMAGE" >/dev/null
echo "built $IMAGE"
