#!/usr/bin/env bash
# nats-cluster.sh: a three-node NATS JetStream cluster on loopback, for the scale-out and
# fault tests (issue 7). Each node fsyncs before it acknowledges (sync_interval: always).
#
#   scripts/nats-cluster.sh start     start n1..n3, wait until JetStream is healthy, print NATS_URL
#   scripts/nats-cluster.sh stop      stop all nodes (SIGTERM, then SIGKILL after 10 s)
#   scripts/nats-cluster.sh status    health of each node, and the meta leader
#   scripts/nats-cluster.sh url       print the client URL list
#   scripts/nats-cluster.sh leader STREAM   print the node (n1..n3) that leads STREAM
#   scripts/nats-cluster.sh kill N    kill -9 node N (n1, n2, n3): a crash
#   scripts/nats-cluster.sh term N    stop node N gracefully
#   scripts/nats-cluster.sh pause N   SIGSTOP node N (a hung process, as Jepsen does)
#   scripts/nats-cluster.sh resume N  SIGCONT node N
#   scripts/nats-cluster.sh restart N start node N again (its store is kept)
#   scripts/nats-cluster.sh wipe N    delete node N's JetStream store (node must be down)
#
# Node i (1..3) listens for clients on 127.0.0.1:$((CLIENT_BASE+i-1)), for routes on
# CLUSTER_BASE+i-1 and for monitoring (/healthz, /jsz) on HTTP_BASE+i-1. Defaults 24222,
# 26222, 28222, as in the research notes; override with NATS_CLUSTER_CLIENT_BASE,
# NATS_CLUSTER_CLUSTER_BASE, NATS_CLUSTER_HTTP_BASE. State (configs, stores, logs, pid files)
# lives in NATS_CLUSTER_DIR (default ${NEWSDESK_DATA_DIR:-./data}/nats-cluster).
#
# The server binary is NATS_SERVER if set; otherwise bin/nats-server, built from the
# nats-server version pinned in go.mod (Debian's 2.9 is too old for sync_interval).
#
# From Go (a chaos test that manages the processes itself), the same node is:
#   nats-server -c nI.conf   with nI.conf:
#     server_name: nI
#     listen: 127.0.0.1:2422I
#     http: 127.0.0.1:2822I
#     jetstream { store_dir: "DIR/nI", sync_interval: always }
#     cluster { name: newsdesk, listen: 127.0.0.1:2622I,
#               routes: [nats://127.0.0.1:26222, nats://127.0.0.1:26223, nats://127.0.0.1:26224] }
#   and clients connect to all three URLs with nats.MaxReconnects(-1). Create streams with
#   Replicas: 3, and retry the first CreateStream: the meta leader takes a moment to elect.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLIENT_BASE="${NATS_CLUSTER_CLIENT_BASE:-24222}"
CLUSTER_BASE="${NATS_CLUSTER_CLUSTER_BASE:-26222}"
HTTP_BASE="${NATS_CLUSTER_HTTP_BASE:-28222}"
DIR="${NATS_CLUSTER_DIR:-${NEWSDESK_DATA_DIR:-./data}/nats-cluster}"
NODES=(n1 n2 n3)

say() { printf 'nats-cluster: %s\n' "$*"; }
die() {
	printf 'nats-cluster: ERROR: %s\n' "$*" >&2
	exit 1
}

index_of() {
	case "$1" in
	n1) echo 0 ;;
	n2) echo 1 ;;
	n3) echo 2 ;;
	*) die "unknown node $1 (n1, n2 or n3)" ;;
	esac
}

client_url_list() {
	local i urls=()
	for i in 0 1 2; do urls+=("nats://127.0.0.1:$((CLIENT_BASE + i))"); done
	(
		IFS=,
		echo "${urls[*]}"
	)
}

# http_get PORT PATH prints the body of a GET to 127.0.0.1:PORT (no curl needed).
http_get() {
	local body
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
	body="$(timeout 5 cat <&3)" || true
	exec 3<&- 3>&-
	printf '%s\n' "${body#*$'\r\n\r\n'}"
}

healthy() {
	local i
	i="$(index_of "$1")"
	http_get "$((HTTP_BASE + i))" '/healthz?js-enabled-only=true' 2>/dev/null | grep -q '"status": *"ok"'
}

# meta_leader NODE prints the JetStream meta leader as NODE sees it (empty before election).
meta_leader() {
	local i
	i="$(index_of "$1")"
	http_get "$((HTTP_BASE + i))" /jsz 2>/dev/null | tr -d '\n ' |
		sed -n 's/.*"meta_cluster":{"name":"[^"]*","leader":"\([^"]*\)".*/\1/p'
}

pid_of() {
	local f="$DIR/$1.pid"
	[ -f "$f" ] || return 1
	local pid
	pid="$(cat "$f")"
	alive "$pid" || return 1
	echo "$pid"
}

# alive PID: the process exists and is not a zombie waiting for its parent to reap it.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	local state
	state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo '?')"
	[ "$state" != Z ]
}

# wait_gone PID waits up to 10 s for the process to go.
wait_gone() {
	local _
	for _ in $(seq 1 50); do
		alive "$1" || return 0
		sleep 0.2
	done
	return 1
}

server_bin() {
	if [ -n "${NATS_SERVER:-}" ]; then
		echo "$NATS_SERVER"
		return
	fi
	if [ ! -x bin/nats-server ]; then
		local v
		v="$(go list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2 2>/dev/null)" ||
			die "no NATS_SERVER and go.mod does not pin github.com/nats-io/nats-server/v2"
		say "building bin/nats-server $v from go.mod" >&2
		GOTOOLCHAIN="${GOTOOLCHAIN:-local}" go build -o bin/nats-server github.com/nats-io/nats-server/v2 >&2
	fi
	echo bin/nats-server
}

write_config() {
	local node="$1" i
	i="$(index_of "$node")"
	local store
	store="$(cd "$DIR" && pwd)/$node"
	cat >"$DIR/$node.conf" <<EOF
# written by scripts/nats-cluster.sh
server_name: $node
listen: 127.0.0.1:$((CLIENT_BASE + i))
http: 127.0.0.1:$((HTTP_BASE + i))
jetstream {
  store_dir: "$store"
  sync_interval: always
}
cluster {
  name: newsdesk
  listen: 127.0.0.1:$((CLUSTER_BASE + i))
  routes: [
    nats://127.0.0.1:$CLUSTER_BASE
    nats://127.0.0.1:$((CLUSTER_BASE + 1))
    nats://127.0.0.1:$((CLUSTER_BASE + 2))
  ]
}
EOF
}

start_node() {
	local node="$1" bin="$2" pid
	if pid="$(pid_of "$node")"; then
		say "$node already running (pid $pid)"
		return 0
	fi
	[ -f "$DIR/$node.conf" ] || write_config "$node"
	# setsid: its own session, so a Ctrl-C meant for the caller does not reach the node.
	setsid "$bin" -c "$DIR/$node.conf" -l "$DIR/$node.log" -P "$DIR/$node.pid" </dev/null >/dev/null 2>&1 &
	echo "$!" >"$DIR/$node.pid" # nats-server rewrites it with the same pid
	say "$node started (pid $!, client 127.0.0.1:$((CLIENT_BASE + $(index_of "$node"))), log $DIR/$node.log)"
}

wait_healthy() {
	local node deadline=$((SECONDS + ${1:-30}))
	for node in "${@:2}"; do
		until healthy "$node"; do
			[ "$SECONDS" -lt "$deadline" ] || die "$node is not healthy after ${1:-30}s (see $DIR/$node.log)"
			sleep 0.2
		done
	done
}

stop_node() {
	local node="$1" pid
	pid="$(pid_of "$node")" || {
		say "$node is not running"
		return 0
	}
	kill -CONT "$pid" 2>/dev/null || true # a paused node cannot handle SIGTERM
	kill -TERM "$pid"
	if ! wait_gone "$pid"; then
		say "$node did not stop within 10s; killing pid $pid"
		kill -KILL "$pid"
		wait_gone "$pid" || die "$node (pid $pid) survives SIGKILL"
	fi
	rm -f "$DIR/$node.pid"
	say "$node stopped"
}

cmd="${1:-}"
case "$cmd" in
start)
	mkdir -p "$DIR"
	bin="$(server_bin)"
	for node in "${NODES[@]}"; do write_config "$node"; done
	"$bin" -c "$DIR/n1.conf" -t >/dev/null 2>&1 ||
		die "$bin rejects the config ($("$bin" -c "$DIR/n1.conf" -t 2>&1 | tail -1)); it needs nats-server >= 2.10"
	for node in "${NODES[@]}"; do start_node "$node" "$bin"; done
	wait_healthy 60 "${NODES[@]}"
	# Healthy is not enough: until a meta leader is elected, creating a stream times out.
	deadline=$((SECONDS + 60))
	until [ -n "$(meta_leader n1)" ] && [ -n "$(meta_leader n2)" ] && [ -n "$(meta_leader n3)" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "no JetStream meta leader after 60s (see $DIR/*.log)"
		sleep 0.2
	done
	say "all three nodes healthy with JetStream; meta leader $(meta_leader n1)"
	echo "NATS_URL=$(client_url_list)"
	;;
stop)
	for node in "${NODES[@]}"; do stop_node "$node"; done
	;;
status)
	for node in "${NODES[@]}"; do
		if pid="$(pid_of "$node")"; then
			if healthy "$node"; then state=healthy; else state=unhealthy; fi
			say "$node pid $pid $state"
		else
			say "$node down"
		fi
	done
	for node in "${NODES[@]}"; do
		if pid_of "$node" >/dev/null; then
			leader="$(meta_leader "$node")"
			say "meta leader (as $node sees it): ${leader:-none yet}"
			break
		fi
	done
	;;
url)
	client_url_list
	;;
leader)
	stream="${2:?usage: nats-cluster.sh leader STREAM}"
	for node in "${NODES[@]}"; do
		pid_of "$node" >/dev/null || continue
		i="$(index_of "$node")"
		# /jsz with stream details, from a node that holds a replica, names the leader.
		body="$(http_get "$((HTTP_BASE + i))" '/jsz?streams=true' 2>/dev/null | tr -d '\n ')"
		leader="$(printf '%s' "$body" | grep -o "\"name\":\"$stream\"[^]]*\"leader\":\"[^\"]*\"" | sed -n 's/.*"leader":"\([^"]*\)"/\1/p' | head -1)"
		if [ -n "$leader" ]; then
			echo "$leader"
			exit 0
		fi
	done
	die "no running node reports a leader for stream $stream"
	;;
kill)
	node="${2:?usage: nats-cluster.sh kill NODE}"
	pid="$(pid_of "$node")" || die "$node is not running"
	kill -KILL "$pid"
	wait_gone "$pid" || die "$node (pid $pid) survives SIGKILL"
	say "$node killed (pid $pid)"
	;;
term)
	stop_node "${2:?usage: nats-cluster.sh term NODE}"
	;;
pause)
	node="${2:?usage: nats-cluster.sh pause NODE}"
	pid="$(pid_of "$node")" || die "$node is not running"
	kill -STOP "$pid"
	say "$node paused (pid $pid)"
	;;
resume)
	node="${2:?usage: nats-cluster.sh resume NODE}"
	pid="$(pid_of "$node")" || die "$node is not running"
	kill -CONT "$pid"
	say "$node resumed (pid $pid)"
	;;
restart)
	node="${2:?usage: nats-cluster.sh restart NODE}"
	start_node "$node" "$(server_bin)"
	wait_healthy 60 "$node"
	say "$node healthy"
	;;
wipe)
	node="${2:?usage: nats-cluster.sh wipe NODE}"
	index_of "$node" >/dev/null
	if pid_of "$node" >/dev/null; then die "$node is running; kill or term it first"; fi
	rm -rf "${DIR:?}/$node"
	say "$node's JetStream store deleted"
	;;
*)
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
	[ -z "$cmd" ] || exit 2
	;;
esac
