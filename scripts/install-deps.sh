#!/usr/bin/env bash
# Installs the host packages bg drives (and its tests and demo use) from Debian's apt, if missing.
set -euo pipefail
pkgs=(caddy gunicorn python3-flask python3-django python3-celery python3-redis redis-server
      python3-flask-sqlalchemy python3-flask-migrate postgresql python3-psycopg2
      dbus dbus-user-session systemd git wrk iproute2 curl time zsh openssh-server openssh-client
      python3-uvicorn python3-websockets # the websocket tests' ASGI app (test/fixtures/asgi-chat)
      mmdebstrap) # mmdebstrap: the Debian 13 root of the trixie suite (scripts/trixie-root.sh)
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

# systemd-nspawn for the system-scope tests (scripts/container.sh), unpacked beside, not installed:
# it must be the host's own systemd version, and installing systemd-container could pull a newer
# systemd in with it.
v=$(dpkg-query -W -f='${Version}' systemd)
nspawn_dir=/var/cache/bg-test/nspawn-$v
if [ ! -x "$nspawn_dir/usr/bin/systemd-nspawn" ]; then
  echo "unpacking systemd-nspawn $v into $nspawn_dir"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  tmp=$(mktemp -d)
  (cd "$tmp" && { apt-get download "systemd-container=$v" >/dev/null 2>&1 || { $SUDO apt-get update -qq && apt-get download "systemd-container=$v" >/dev/null; }; })
  $SUDO mkdir -p "$nspawn_dir"
  $SUDO dpkg -x "$tmp"/systemd-container_*.deb "$nspawn_dir"
  rm -rf "$tmp"
fi
