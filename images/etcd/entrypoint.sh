#!/bin/sh
# etcd 3.4 refuses to start on architectures it calls unsupported (arm64 laptops) unless told so. The backend
# quota (2 GiB) raises etcd's NOSPACE alarm when full; the apiserver answers writes with that error and its
# maintenance (compaction, defragmentation) clears the alarm once space is free again.
case "$(uname -m)" in x86_64|ppc64le|s390x) ;; aarch64) export ETCD_UNSUPPORTED_ARCH=arm64 ;; esac
exec etcd --name "${ETCD_NAME:-etcd}" --data-dir "${ETCD_DATA_DIR:-/var/lib/etcd}" \
  --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls "${ETCD_ADVERTISE_CLIENT_URLS:-http://etcd:2379}" \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "${ETCD_NAME:-etcd}=http://127.0.0.1:2380" \
  --quota-backend-bytes "${ETCD_QUOTA_BACKEND_BYTES:-2147483648}" "$@"
