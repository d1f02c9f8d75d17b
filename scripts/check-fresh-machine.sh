#!/usr/bin/env bash
# check-fresh-machine.sh: try scripts/ensure-services.sh on a brand-new Debian without
# touching this machine's own services.
#
# 1. debootstrap a minimal Debian (this machine's release) into DIR/root;
# 2. with network, only download (apt-get install --download-only) the packages the script
#    may install, so that step 3 can run offline;
# 3. in a new network namespace (its own loopback: nothing listens on 5432 or 4222, no
#    network) and a private mount namespace, run the script in the chroot twice: the first
#    run must install and start everything, the second must only check;
# 4. check the tests' DATABASE_URL and NATS JetStream from inside, then stop what step 3
#    started (by pid, only processes whose root is DIR/root).
#
# Needs root, debootstrap (apt-get install debootstrap), unshare and ip. About a minute and
# 1.5 GB of disk. Usage: scripts/check-fresh-machine.sh [DIR]   (DIR is emptied first;
# default /var/tmp/newsdesk-fresh-debian)
set -euo pipefail

[ "$(id -u)" = 0 ] || {
	echo "check-fresh-machine: needs root" >&2
	exit 1
}
command -v debootstrap >/dev/null || {
	echo "check-fresh-machine: needs debootstrap (apt-get install debootstrap)" >&2
	exit 1
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-/var/tmp/newsdesk-fresh-debian}"
root="$dir/root"
# shellcheck source=/dev/null
. /etc/os-release
suite="${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"

step() { printf '\n### %s\n' "$*"; }

# chroot_pids prints the pids of processes whose root directory is the chroot.
chroot_pids() {
	local p
	for p in /proc/[0-9]*; do
		if [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ]; then
			echo "${p#/proc/}"
		fi
	done
}

if [ -n "$(chroot_pids)" ]; then
	echo "check-fresh-machine: processes still run in $root: $(chroot_pids | xargs)" >&2
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"

step "debootstrap $suite into $root"
debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 ||
	{
		tail -20 "$dir/debootstrap.log"
		exit 1
	}
echo "deb http://deb.debian.org/debian-security $suite-security main" >>"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/opt/newsdesk/scripts"
cp "$here/ensure-services.sh" "$root/opt/newsdesk/scripts/"

step "download (only) the packages the script may install"
unshare -m --propagation private bash -c "
	mount -t proc proc '$root/proc' && mount --bind /dev '$root/dev' && mount -t tmpfs tmpfs '$root/dev/shm'
	chroot '$root' bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install --download-only -y -qq postgresql nats-server chromium'
" >"$dir/download.log" 2>&1 || {
	tail -20 "$dir/download.log"
	exit 1
}
echo "$(find "$root/var/cache/apt/archives" -name '*.deb' | wc -l) packages cached"

step "run ensure-services.sh in the chroot, in a new network namespace"
cat >"$dir/inside.sh" <<EOF
set -u
root='$root'
mount -t proc proc "\$root/proc" && mount --bind /dev "\$root/dev" && mount -t tmpfs tmpfs "\$root/dev/shm" || exit 1
ip link set lo up
in_chroot() { chroot "\$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=true "\$@" </dev/null; }
echo "listening before: \$(ss -Hltn | wc -l) sockets"
echo "--- first run (the ensure-services lines; apt and dpkg output in $dir/run1.log)"
start=\$(date +%s)
in_chroot bash /opt/newsdesk/scripts/ensure-services.sh >"$dir/run1.log" 2>&1
echo "rc=\$? after \$((\$(date +%s) - start))s"
grep -E '^(ensure-services|  [+[A-Z])' "$dir/run1.log"
echo "--- second run"
in_chroot bash /opt/newsdesk/scripts/ensure-services.sh
echo "rc=\$?"
echo "--- from inside: the tests' DATABASE_URL, and NATS's INFO"
in_chroot psql 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' -XAtc 'SELECT version()'
in_chroot bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; IFS= read -r -t 2 l <&3; echo "\${l:0:120}…"; [[ \$l == *"\\"jetstream\\":true"* ]] && echo "jetstream: true"'
echo "listening after:"; ss -Hltnp
echo "--- stopping what the script started"
in_chroot bash -c 'for c in \$(pg_lsclusters -h | awk "{ print \\\$1 \"/\" \\\$2 }"); do pg_ctlcluster --skip-systemctl-redirect \${c%/*} \${c#*/} stop; done'
EOF
unshare -m -n --propagation private bash "$dir/inside.sh" || true
for pid in $(chroot_pids); do
	echo "kill $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-80))"
	kill "$pid" 2>/dev/null || true
done
sleep 1
left="$(chroot_pids | xargs)"
echo "processes left in the chroot: ${left:-none}"
