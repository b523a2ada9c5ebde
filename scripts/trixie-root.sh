#!/usr/bin/env bash
# The Debian 13 (trixie) root the trixie suite boots (test/trixie/): built once with mmdebstrap from
# the Debian mirror this machine's apt uses, cached as /var/cache/bg-test/trixie-<point release>-<hash of the package list>.
# Prints that directory. A second call finds it and builds nothing.
#
#   scripts/trixie-root.sh            build it if missing; print its path
#
# BG_TRIXIE_MIRROR=<url> overrides the mirror. If the mirror cannot be reached, the newest root
# already cached is used (and said so on stderr); with none cached, it fails.
#
# The root is built into a temporary directory beside it and renamed into place, so a root that
# exists is complete. A new root replaces the older point releases' ones. Nothing ever writes into it afterwards: containers use it as the read-only
# lower layer of their overlay.
set -euo pipefail

CACHE=/var/cache/bg-test
SUITE=trixie
# what bg drives and what the suite runs inside (systemd as PID 1, caddy, gunicorn, Celery, redis, Django, node for bg)
# man-db (the Debian package's test reads `man bluegreen`), and Uvicorn with websockets (the websocket tests' ASGI app)
PACKAGES=systemd,systemd-sysv,dbus,caddy,gunicorn,python3-flask,python3-celery,python3-redis,redis-server,nodejs,npm,git,curl,ca-certificates,iproute2,procps,python3-django,man-db,python3-uvicorn,python3-websockets

die() { echo "trixie-root: $*" >&2; exit 1; }

# the URI apt uses for Debian's main archive (deb822 .sources or one-line sources.list), not -security
mirror() {
  if [ -n "${BG_TRIXIE_MIRROR:-}" ]; then echo "$BG_TRIXIE_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ { uri = $2 } /^Suites:/ { suites = $0 }
      /^$/ { if (uri != "" && suites ~ /(bookworm|trixie)( |$)/) { print uri; exit } uri = ""; suites = "" }
      END { if (uri != "" && suites ~ /(bookworm|trixie)( |$)/) print uri }' | head -1)
  [ -n "$m" ] || m=$(grep -hE '^deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$3 ~ /^(bookworm|trixie)$/ { print ($2 ~ /^\[/ ? $3 : $2) }' | grep -v security | head -1 || true)
  [ -n "$m" ] || m=http://deb.debian.org/debian
  echo "${m%/}"
}

newest_cached() {
  find "$CACHE" -maxdepth 1 -type d -name "$SUITE-[0-9]*" 2>/dev/null | sort -V | tail -1
}

# Older point releases' roots of the same package list (hundreds of MB each) go once the current
# one exists, unless an overlay still uses one as its lower layer. Containers mount their overlay in
# a mount namespace of their own, so every process's mountinfo is read. Roots of another package
# list (another checkout's) are left alone.
prune_older() {
  local old
  for old in "$CACHE/$SUITE-"*"-$hash"; do
    [ "$old" != "$root" ] && [ -d "$old" ] || continue
    [ "$(printf '%s\n%s\n' "$old" "$root" | sort -V | head -1)" = "$old" ] || continue
    if grep -qsF "lowerdir=$old" /proc/[0-9]*/mountinfo; then
      echo "trixie-root: keeping $old: a container still runs on it" >&2
    else
      echo "trixie-root: removing the older root $old" >&2
      rm -rf "$old" || echo "trixie-root: could not remove $old (go on with $root)" >&2
    fi
  done
}

mkdir -p "$CACHE"
exec 9>"$CACHE/$SUITE.lock"
# one build at a time (two suite files may ask at once)
flock 9

url=$(mirror)
point=$(curl -fsS --max-time 20 "$url/dists/$SUITE/Release" 2>/dev/null | sed -n 's/^Version: *//p' | head -1 || true)
if [ -z "$point" ]; then
  cached=$(newest_cached)
  [ -n "$cached" ] || die "cannot read $url/dists/$SUITE/Release and no $SUITE root is cached under $CACHE: check the network or set BG_TRIXIE_MIRROR"
  echo "trixie-root: $url unreachable; using the cached $cached" >&2
  echo "$cached"
  exit 0
fi
[[ $point =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "unexpected Version '$point' in $url/dists/$SUITE/Release"

# keyed by the package list too: a root built for another list is another root
hash=$(printf %s "$PACKAGES" | sha256sum | cut -c1-8)
root=$CACHE/$SUITE-$point-$hash
if [ -x "$root/usr/lib/systemd/systemd" ]; then
  prune_older
  echo "$root"
  exit 0
fi

command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run scripts/install-deps.sh"
[ ! -e "$root" ] || die "$root exists but is not a complete root: remove it and run again"
# leftovers of a build that was killed (we hold the lock: nobody else is building)
rm -rf "$CACHE/.$SUITE-"*.tmp
tmp=$(mktemp -d "$CACHE/.$SUITE-$point.XXXXXX.tmp")
trap 'rm -rf "$tmp"' EXIT
echo "trixie-root: building Debian $point from $url into $root (about 2 minutes)" >&2
mmdebstrap --quiet --variant=apt --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --include="$PACKAGES" "$SUITE" "$tmp" "$url" >&2 || die "mmdebstrap failed (see above); nothing was cached"
chmod 755 "$tmp"
mv -T "$tmp" "$root"
trap - EXIT
prune_older
echo "$root"
