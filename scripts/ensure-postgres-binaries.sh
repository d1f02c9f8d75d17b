#!/usr/bin/env bash
# ensure-postgres-binaries.sh: make sure `newsdesk run` can start its private PostgreSQL.
#
# With DATABASE_URL set there is nothing to do. Otherwise newsdesk needs the machine's
# PostgreSQL server binaries (initdb and postgres, on Debian under
# /usr/lib/postgresql/<version>/bin). When none are found, on Debian as root this installs
# the postgresql package; anywhere else it says what is missing and what to do instead.
set -euo pipefail

say() { printf 'ensure-postgres-binaries: %s\n' "$*"; }

if [ -n "${DATABASE_URL:-}" ]; then
	say "DATABASE_URL is set; newsdesk uses that server, no local binaries needed"
	exit 0
fi

find_bindir() {
	local d candidates=()
	if command -v pg_config >/dev/null; then
		candidates+=("$(pg_config --bindir)")
	fi
	while IFS= read -r d; do candidates+=("$d"); done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5V -r)
	candidates+=(/usr/local/pgsql/bin)
	for d in "${candidates[@]}"; do
		if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

if dir="$(find_bindir)"; then
	say "PostgreSQL server binaries in $dir"
	exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	say "no PostgreSQL server binaries found; installing Debian's postgresql package"
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql
	dir="$(find_bindir)" || {
		say "ERROR: installed postgresql but still found no initdb/postgres" >&2
		exit 1
	}
	say "PostgreSQL server binaries in $dir"
	exit 0
fi

cat >&2 <<'EOF'
ensure-postgres-binaries: ERROR: no PostgreSQL server binaries (initdb, postgres) found.
`newsdesk run` starts a private PostgreSQL from them when DATABASE_URL is unset. Either:
  - install PostgreSQL (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql), or
  - set DATABASE_URL to an existing server, e.g. DATABASE_URL=postgres://user:pass@host:5432/newsdesk, or
  - run the whole stack with Docker: docker compose up
EOF
exit 1
