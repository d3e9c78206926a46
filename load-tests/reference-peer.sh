#!/usr/bin/env bash
# Makes sure the edge benchmark's reference peer is installed: nginx with the nchan module from
# Debian (nginx-light + libnginx-mod-nchan). Installs them with apt-get when missing (needs root),
# then prints the versions. Used by `load-tests/run.sh edge-bench`; benchmarks are not part of CI.
#   NCHAN_MODULE  the module to check (default /usr/lib/nginx/modules/ngx_nchan_module.so)
set -euo pipefail
MODULE=${NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}

if ! command -v nginx >/dev/null 2>&1 || [ ! -f "$MODULE" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "reference-peer: nginx or $MODULE missing and no apt-get here; install nginx with the nchan module" >&2
    exit 1
  fi
  echo "reference-peer: installing nginx-light and libnginx-mod-nchan ..." >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q nginx-light libnginx-mod-nchan >&2
fi
[ -f "$MODULE" ] || { echo "reference-peer: $MODULE still missing" >&2; exit 1; }
echo "reference-peer: $(nginx -v 2>&1), nchan $(dpkg-query -W -f '${Version}' libnginx-mod-nchan 2>/dev/null || echo unknown)" >&2
