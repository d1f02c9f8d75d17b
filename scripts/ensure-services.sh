#!/usr/bin/env bash
# ensure-services.sh: make sure the services newsdesk's tests need are up on this machine.
#
#   PostgreSQL  on 127.0.0.1:5432, reachable as user postgres without a password
#               (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)
#   NATS        with JetStream on 127.0.0.1:4222 (NATS_URL, default nats://127.0.0.1:4222)
#   Chromium    for the browser tests
#
# What is already running is used as it is. What is missing is installed from Debian's
# packages (apt-get update once, then apt-get install -y) and started, which needs root on
# Debian; there is no sudo here. It is idempotent: a second run only checks.
#
# If DATABASE_URL or NATS_URL point somewhere else, that server is only checked, never
# installed or started.
#
# Usage: scripts/ensure-services.sh [--dry-run]
#   --dry-run   check, and print what would be installed, started or changed, but change nothing
# Environment (mostly for testing this script):
#   NEWSDESK_NATS_STORE_DIR          JetStream store of a NATS server started here
#                                    (default /var/lib/nats-server as root)
#   ENSURE_SERVICES_PRETEND_MISSING  e.g. "postgresql nats-server chromium": behave as if
#                                    these were not installed (use with --dry-run)
set -euo pipefail

DRY_RUN=0
for arg in "$@"; do
	case "$arg" in
	--dry-run) DRY_RUN=1 ;;
	-h | --help)
		sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "ensure-services: unknown argument $arg (try --help)" >&2
		exit 2
		;;
	esac
done

DEFAULT_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
DEFAULT_NATS_URL='nats://127.0.0.1:4222'
DATABASE_URL="${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
NATS_URL="${NATS_URL:-$DEFAULT_NATS_URL}"
PRETEND_MISSING=" ${ENSURE_SERVICES_PRETEND_MISSING:-} "
HBA_MARKER='# newsdesk ensure-services: trust loopback TCP for the test suite'

say() { printf 'ensure-services: %s\n' "$*"; }
die() {
	printf 'ensure-services: ERROR: %s\n' "$*" >&2
	exit 1
}

# run prints a command and runs it, or only prints it under --dry-run.
run() {
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] would run: %s\n' "$*"
		return 0
	fi
	printf '  + %s\n' "$*"
	"$@"
}

is_root() { [ "$(id -u)" = 0 ]; }
pretend_missing() { [[ "$PRETEND_MISSING" == *" $1 "* ]]; }

APT_UPDATED=0
apt_install() {
	is_root || die "$* missing, and installing it needs root (apt-get install -y $*); there is no sudo here"
	command -v apt-get >/dev/null || die "$* missing and this is not a Debian-like system (no apt-get); install it by hand"
	if [ "$APT_UPDATED" = 0 ]; then
		# A failed update (a mirror down, no network) is not fatal while older package
		# lists exist: the install below may still find what it needs in them or in the cache.
		if ! run apt-get -o DPkg::Lock::Timeout=300 update -qq; then
			compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null ||
				die "apt-get update failed and there are no package lists to fall back on"
			say "apt-get update failed; going on with the package lists already on this machine"
		fi
		APT_UPDATED=1
	fi
	run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@"
}

# tcp_open HOST PORT: is something accepting connections there?
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# --- PostgreSQL -------------------------------------------------------------------------

pg_bin_dir() {
	pretend_missing postgresql && return 1
	local d
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

pg_works() {
	command -v psql >/dev/null || return 1
	PGCONNECT_TIMEOUT=3 psql "$DATABASE_URL" -XAtqc 'SELECT 1' >/dev/null 2>&1
}

# debian_cluster PORT prints "version name" of the Debian cluster set to that port, if any.
debian_cluster() {
	command -v pg_lsclusters >/dev/null || return 1
	pg_lsclusters -h 2>/dev/null | awk -v p="$1" '$3 == p { print $1, $2; found = 1; exit } END { exit !found }'
}

# trust_loopback VERSION NAME puts trust lines for 127.0.0.1 and ::1 at the top of that
# cluster's pg_hba.conf (the first matching line wins). A test machine's choice: no password.
trust_loopback() {
	local hba="/etc/postgresql/$1/$2/pg_hba.conf"
	[ -f "$hba" ] || die "no $hba: cannot configure access for user postgres on 127.0.0.1"
	if grep -qF "$HBA_MARKER" "$hba"; then
		return 0
	fi
	say "postgres: allowing passwordless (trust) TCP logins from 127.0.0.1 and ::1 in $hba"
	if [ "$DRY_RUN" = 1 ]; then
		printf '  [dry-run] would prepend to %s:\n    %s\n    host all all 127.0.0.1/32 trust\n    host all all ::1/128 trust\n' "$hba" "$HBA_MARKER"
		return 0
	fi
	local tmp
	tmp="$(mktemp)"
	{
		echo "$HBA_MARKER"
		echo "host all all 127.0.0.1/32 trust"
		echo "host all all ::1/128 trust"
		cat "$hba"
	} >"$tmp"
	cat "$tmp" >"$hba" # keep the file's owner and mode
	rm -f "$tmp"
	HBA_CHANGED=1
}

ensure_postgres() {
	if [ "$DATABASE_URL" != "$DEFAULT_DATABASE_URL" ]; then
		pg_works || die "postgres: DATABASE_URL is set but does not answer SELECT 1 (psql needed for this check)"
		say "postgres: using DATABASE_URL from the environment; it answers"
		return 0
	fi
	if tcp_open 127.0.0.1 5432; then
		if ! command -v psql >/dev/null; then
			say "postgres: something listens on 127.0.0.1:5432; installing psql to check it"
			apt_install postgresql-client
		fi
		if pg_works; then
			say "postgres: already accepting on 127.0.0.1:5432 as user postgres; nothing to do"
			return 0
		fi
		say "postgres: 127.0.0.1:5432 is open but refuses $DATABASE_URL; checking its access rules"
	fi

	local bindir ver name cluster
	if ! bindir="$(pg_bin_dir)" || ! command -v pg_ctlcluster >/dev/null || pretend_missing postgresql; then
		say "postgres: server binaries not found; installing Debian's postgresql package"
		apt_install postgresql
		if [ "$DRY_RUN" = 1 ]; then
			bindir=/usr/lib/postgresql/VERSION/bin
		else
			bindir="$(pg_bin_dir)" || die "postgres: installed postgresql but found no /usr/lib/postgresql/*/bin/postgres"
		fi
	fi
	say "postgres: server binaries in $bindir"

	if [ "$DRY_RUN" = 1 ] && pretend_missing postgresql; then
		ver=VERSION name=main
	elif cluster="$(debian_cluster 5432)"; then
		read -r ver name <<<"$cluster"
	elif tcp_open 127.0.0.1 5432; then
		die "postgres: a server that is not one of this machine's Debian clusters listens on 127.0.0.1:5432 and refuses $DATABASE_URL; set DATABASE_URL to credentials that work"
	else
		ver="$(basename "$(dirname "$bindir")")"
		name=main
		# A "main" that exists on another port keeps it; ours gets its own name.
		if pg_lsclusters -h 2>/dev/null | awk '{ print $1, $2 }' | grep -qx "$ver main"; then
			name=newsdesk
		fi
		say "postgres: no cluster on port 5432; creating $ver/$name"
		run pg_createcluster --port 5432 "$ver" "$name"
	fi

	HBA_CHANGED=0
	if [ "$DRY_RUN" = 1 ] && pretend_missing postgresql; then
		printf '  [dry-run] would make 127.0.0.1 and ::1 trusted in /etc/postgresql/%s/%s/pg_hba.conf\n' "$ver" "$name"
	else
		trust_loopback "$ver" "$name"
	fi

	if tcp_open 127.0.0.1 5432; then
		# Running, but our DSN did not work: reload the access rules we just wrote.
		if [ "$HBA_CHANGED" = 1 ] || [ "$DRY_RUN" = 1 ]; then
			run pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload
		fi
	else
		say "postgres: starting cluster $ver/$name"
		run pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
	fi
	[ "$DRY_RUN" = 1 ] && return 0

	local _
	for _ in $(seq 1 60); do
		pg_works && break
		sleep 0.5
	done
	pg_works || die "postgres: cluster $ver/$name does not answer at $DATABASE_URL (see /var/log/postgresql/postgresql-$ver-$name.log)"
	say "postgres: accepting on 127.0.0.1:5432 as user postgres"
}

# --- NATS -------------------------------------------------------------------------------

# nats_info HOST PORT prints the server's INFO line (it sends one as soon as a client connects).
nats_info() {
	local line
	exec 3<>"/dev/tcp/$1/$2" || return 1
	IFS= read -r -t 3 line <&3 || true
	exec 3<&- 3>&-
	[[ "$line" == INFO* ]] && printf '%s\n' "$line"
}

nats_js_ready() {
	local info
	info="$(nats_info "$1" "$2" 2>/dev/null)" || return 1
	[[ "$info" == *'"jetstream":true'* ]]
}

ensure_nats() {
	if [ "$NATS_URL" != "$DEFAULT_NATS_URL" ]; then
		say "nats: using NATS_URL from the environment ($NATS_URL); not checked here"
		return 0
	fi
	if nats_js_ready 127.0.0.1 4222; then
		local version
		version="$(nats_info 127.0.0.1 4222 | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
		say "nats: already accepting on 127.0.0.1:4222 with JetStream (nats-server $version); nothing to do"
		return 0
	fi
	if tcp_open 127.0.0.1 4222; then
		die "nats: something listens on 127.0.0.1:4222 but it is not a NATS server with JetStream; stop it, or restart it with -js"
	fi

	local bin
	bin="$(command -v nats-server || true)"
	if [ -z "$bin" ] || pretend_missing nats-server; then
		say "nats: nats-server not found; installing Debian's nats-server package"
		apt_install nats-server
		bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
	fi

	local store log pidfile
	if is_root; then
		store="${NEWSDESK_NATS_STORE_DIR:-/var/lib/nats-server}"
		log=/var/log/nats-server.log
		pidfile=/run/newsdesk-nats-server.pid
	else
		store="${NEWSDESK_NATS_STORE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/newsdesk/nats}"
		log="$store.log"
		pidfile="$store.pid"
	fi
	say "nats: starting $bin with JetStream, store $store, log $log"
	run mkdir -p "$store"
	if command -v start-stop-daemon >/dev/null; then
		# The pid file scopes the "already running?" check to the server started here: by
		# --exec alone, any nats-server on another port would count.
		run start-stop-daemon --start --background --make-pidfile --pidfile "$pidfile" --exec "$bin" -- \
			-a 127.0.0.1 -p 4222 -js -sd "$store" -l "$log"
	else
		if [ "$DRY_RUN" = 1 ]; then
			printf '  [dry-run] would run: setsid %s -a 127.0.0.1 -p 4222 -js -sd %s -l %s &\n' "$bin" "$store" "$log"
		else
			printf '  + setsid %s -a 127.0.0.1 -p 4222 -js -sd %s -l %s &\n' "$bin" "$store" "$log"
			setsid "$bin" -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$log" </dev/null >/dev/null 2>&1 &
		fi
	fi
	[ "$DRY_RUN" = 1 ] && return 0

	local _
	for _ in $(seq 1 60); do
		nats_js_ready 127.0.0.1 4222 && break
		sleep 0.25
	done
	nats_js_ready 127.0.0.1 4222 || die "nats: nats-server did not come up with JetStream on 127.0.0.1:4222 (see $log)"
	say "nats: accepting on 127.0.0.1:4222 with JetStream"
}

# --- Chromium ---------------------------------------------------------------------------

chromium_path() {
	pretend_missing chromium && return 1
	command -v chromium || command -v chromium-browser || command -v google-chrome
}

ensure_chromium() {
	local p
	if p="$(chromium_path)"; then
		say "chromium: found $p; nothing to do"
		return 0
	fi
	say "chromium: not found; installing Debian's chromium package (for the browser tests)"
	apt_install chromium
	[ "$DRY_RUN" = 1 ] && return 0
	p="$(chromium_path)" || die "chromium: installed the package but no chromium on PATH"
	say "chromium: installed $p ($("$p" --version 2>/dev/null || echo 'version unknown'))"
}

# ----------------------------------------------------------------------------------------

[ "$DRY_RUN" = 1 ] && say "dry run: nothing will be installed, started or changed"
ensure_postgres
ensure_nats
ensure_chromium
say "ready. The tests use:"
printf '  DATABASE_URL=%s\n' "$DATABASE_URL"
printf '  NATS_URL=%s\n' "$NATS_URL"
