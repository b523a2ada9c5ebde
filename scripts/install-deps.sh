#!/usr/bin/env bash
# Installs the host packages bg drives (and its tests and demo use) from Debian's apt, if missing.
set -euo pipefail
pkgs=(caddy gunicorn python3-flask python3-django python3-celery python3-redis redis-server
      dbus dbus-user-session systemd git wrk iproute2 curl time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
