#!/bin/sh
# Build minik8s/busybox:1.36 (also tagged busybox:latest) from the host's busybox-static:
# the binary plus one symlink per applet, imported with `docker import` (no registry needed).
# Idempotent: does nothing when both tags exist (set FORCE=1 to rebuild).
set -eu
IMAGE="${IMAGE:-minik8s/busybox:1.36}"
ALIAS="${ALIAS:-busybox:latest}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1 && docker image inspect "$ALIAS" >/dev/null 2>&1; then exit 0; fi
[ -x "$BUSYBOX" ] || { echo "busybox: $BUSYBOX missing (apt-get install busybox-static)" >&2; exit 1; }
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/bin" "$DIR/tmp" "$DIR/etc" "$DIR/root" "$DIR/var/www"
chmod 1777 "$DIR/tmp"
cp "$BUSYBOX" "$DIR/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$DIR/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$DIR/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$DIR/etc/group"
tar -C "$DIR" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["sh"]' -m 'minik8s busybox' - "$IMAGE" >/dev/null
docker tag "$IMAGE" "$ALIAS"
echo "built $IMAGE ($ALIAS)"
