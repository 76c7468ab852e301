#!/usr/bin/env bash
# faults.sh: fault injection against a real `planner serve` and `planner
# import`, with PASS/FAIL lines; exits 1 when any check fails.
#
#   bench/faults.sh            # both parts, about 2-3 minutes
#   PARTS=restart bench/faults.sh   # or PARTS=import
#
# It never touches the machine's PostgreSQL: it starts its own server
# (initdb into a temporary folder, pg_ctl on a free port in 23000-23999, as
# the postgres user when run as root) and removes it at the end.
#
# Part 1, "restart": PostgreSQL restarted under load. `planner serve --demo`
# runs on that server with invitations by e-mail to a real SMTP server
# (bench/smtpsink, which stores each message as a file). wrk loads the
# demo's feeds and agenda pages, while bench/faultclient makes numbered
# changes through the API (session fault-N, one after another, each retried
# until acknowledged) and probes /healthz, feeds and agenda pages every
# 100 ms. Mid-way PostgreSQL is stopped (pg_ctl stop -m fast), left down
# 3 s and started again. faultclient check then says:
#   outage-503           every API write and /healthz started while PostgreSQL
#                        was down answered 503 (not 500, not a hang)
#   outage-fast          ... each in under 1 s
#   outage-retry-after   ... each 503 with a Retry-After header
#   no-500               no request of the whole run got a 5xx other than
#                        503, or no answer within 10 s
#   outage-feeds         feeds rendered before the outage answered 200/304
#                        throughout it (from memory)
#   outage-agenda-pages  the same for the delegates' agenda pages
#   recovery             the first /healthz 200 and the first API write 201
#                        came within 5 s of PostgreSQL accepting connections,
#                        with no restart of the app
#   database             every acknowledged number is a session in the
#                        programme's export, with its title, and no session
#                        exists whose write was never acknowledged (a write
#                        whose 201 was lost and whose retry got 428 "exists"
#                        counts as applied)
#   feed                 every one is in the delegate's feed exactly once
#                        (within 10 s: the feed follows the database through
#                        change notifications, which must resume by themselves)
#   invitations          every one was requested of the delegate by e-mail
#                        exactly once (see below), and no message twice
# What "exactly once" means for invitations: the outbox merges a person's
# changes over a delay (30 s after the latest, store.DefaultMailMergeDelay),
# so one message carries several changes, by design. Every change here
# creates a new session on the delegate's agenda, so each must appear as a
# METHOD:REQUEST event with SEQUENCE 0 in exactly one message over all the
# messages the sink received (never in none: lost; never in two: a message
# or a part of one sent twice, for example after a send whose outcome was
# not recorded), and no Message-ID may repeat. The check waits for the
# merge delay (FAULTS_MAIL_WAIT, 60 s).
#
# Part 2, "import": `planner import` killed halfway, on that PostgreSQL and
# on SQLite. A conference-sized programme (bench/gen, GEN_ARGS) is imported
# once to measure the import's duration, then into a database holding the
# previous version of the programme (version 1: the same programme with
# fewer people and sessions) an import of version 2 is killed with SIGKILL
# once it is writing: on PostgreSQL once a backend of the database holds a
# transaction id (it wrote, and has not committed), polled every 20 ms in
# pg_stat_activity; on SQLite once the -wal file is no longer empty (the
# transaction's pages spill to it; the previous command checkpointed it
# away). The same with no previous version. Checks:
#   import-*-killed      the import really was killed (exit 137, not ended)
#   import-*-atomic      nothing partial: the programme does not exist (new)
#                        or its export is byte for byte the export from
#                        before the kill (prev); a kill that came after the
#                        commit, leaving version 2 complete, is reported as
#                        a FAIL of the method (run again), not of the app
#   import-*-rerun       the import run again succeeds and the programme
#                        then has version 2's people, sessions and slots
set -euo pipefail

PARTS=${PARTS:-restart import}
GEN_ARGS=${GEN_ARGS:-}
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in go wrk curl awk psql; do
	if ! command -v "$tool" >/dev/null; then
		echo "faults.sh: $tool is missing" >&2
		exit 1
	fi
done
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
pgdata=""
cleanup() {
	local p
	for p in "${pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	if [[ -n $pgdata && -f $pgdata/postmaster.pid ]]; then
		as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [[ -n ${KEEP:-} ]]; then
		echo "faults.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM

failed=0
pass() { printf 'PASS  %-22s %s\n' "$1" "$2"; }
fail() {
	printf 'FAIL  %-22s %s\n' "$1" "$2"
	failed=1
}
now_ms() { date +%s%3N; }

# as_pg runs a command as the owner of the PostgreSQL files: postgres when
# this script runs as root (PostgreSQL refuses to run as root).
if [[ $(id -u) == 0 ]]; then
	pguser=postgres
	as_pg() { runuser -u postgres -- "$@"; }
else
	pguser=$(id -un)
	as_pg() { "$@"; }
fi

echo "building planner and the helpers..."
(cd "$root" && go build -o "$tmp/planner" ./cmd/planner && go build -o "$tmp/smtpsink" ./bench/smtpsink &&
	go build -o "$tmp/faultclient" ./bench/faultclient && go build -o "$tmp/gen" ./bench/gen)

# --- our own PostgreSQL ------------------------------------------------------
port=""
for _ in $(seq 50); do
	p=$((23000 + RANDOM % 1000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[[ -n $port ]] || {
	echo "faults.sh: no free port in 23000-23999" >&2
	exit 1
}
mkdir "$tmp/pg"
chown "$pguser" "$tmp/pg"
pgdata=$tmp/pg/data
as_pg "$pgbin/initdb" -D "$pgdata" -U postgres -A trust --no-sync >"$tmp/initdb.log" 2>&1
pgopts="-p $port -c listen_addresses=127.0.0.1 -k $tmp/pg"
pg_start() { as_pg "$pgbin/pg_ctl" -D "$pgdata" -o "$pgopts" -l "$tmp/pg/log" -w -t 30 start >/dev/null; }
pg_stop() { as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null; }
pg_start
pg() { psql -X -q -h 127.0.0.1 -p "$port" -U postgres "$@"; }
pgurl() { echo "postgres://postgres@127.0.0.1:$port/$1?sslmode=disable"; }
echo "PostgreSQL $(pg -tAc 'show server_version') of our own on port $port ($pgdata)"

secret=$(printf '3b%.0s' $(seq 32))
keyflags=(--secret-key "$secret" --base-url http://127.0.0.1)

# --- part 1: PostgreSQL restarted under load --------------------------------
restart_part() {
	pg -c 'create database faults'
	local db
	db=$(pgurl faults)
	mkdir "$tmp/mail" "$tmp/run"
	"$tmp/smtpsink" -dir "$tmp/mail" -cert "$tmp/sink.pem" >"$tmp/sink.out" 2>"$tmp/sink.err" &
	pids+=($!)
	local sink=""
	for _ in $(seq 100); do
		sink=$(awk '/^listening on/ {print $3; exit}' "$tmp/sink.out")
		[[ -n $sink ]] && break
		sleep 0.1
	done
	[[ -n $sink ]] || {
		echo "faults.sh: smtpsink did not start" >&2
		cat "$tmp/sink.err" >&2
		exit 1
	}
	# The app trusts the sink's certificate through SSL_CERT_FILE (Go's
	# crypto/x509 reads it on Linux); STARTTLS is required by the app.
	PLANNER_SMTP_URL=smtp://$sink PLANNER_MAIL_FROM=events@example.org SSL_CERT_FILE=$tmp/sink.pem \
		"$tmp/planner" --database "$db" --log-level warn serve --demo --addr 127.0.0.1:0 "${keyflags[@]}" \
		>"$tmp/serve.out" 2>"$tmp/serve.err" &
	local server=$!
	pids+=($server)
	local base=""
	for _ in $(seq 300); do
		base=$(awk '/serving .* on http:/ {sub(/\/$/, "", $NF); print $NF; exit}' "$tmp/serve.out")
		[[ -n $base ]] && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $base ]] || {
		echo "faults.sh: the server did not start" >&2
		cat "$tmp/serve.err" >&2
		exit 1
	}
	local token
	token=$("$tmp/planner" --database "$db" --log-level warn token create admin@demo.invalid --name faults 2>/dev/null)
	# Every feed and agenda page of the demo, rendered once (warm), with
	# their ETags for the conditional requests.
	"$tmp/planner" --database "$db" --log-level warn feeds igf2016-cldp "${keyflags[@]}" |
		awk -F'\t' '$4 ~ /^http:\/\/127\.0\.0\.1\/feeds\// {sub(/^http:\/\/127\.0\.0\.1/, "", $4); print $1 "\t" $2 "\t" $4}' >"$tmp/feeds.tsv"
	local feed
	feed=$(awk -F'\t' '$1 == "person" && $2 == "omar-ansari" {print $3}' "$tmp/feeds.tsv")
	cut -f3 "$tmp/feeds.tsv" >"$tmp/feedpaths.txt"
	sed 's#^/feeds/\(.*\)\.ics$#/a/\1#' "$tmp/feedpaths.txt" >"$tmp/pages.txt"
	local path
	: >"$tmp/probes.txt"
	while read -r path; do
		curl -sS -o /dev/null "$base$path"
		printf '%s\t%s\n' "$path" "$(curl -sS -o /dev/null -D - "$base$path" | awk 'tolower($1) == "etag:" {sub(/\r$/, "", $2); print $2}')" >>"$tmp/probes.txt"
	done <"$tmp/feedpaths.txt"
	# Feeds and agenda pages alternate, so that the probe asks for both
	# during the outage.
	paste -d '\n' "$tmp/probes.txt" <(sed 's/$/\t/' "$tmp/pages.txt") >"$tmp/probes2.txt"
	mv "$tmp/probes2.txt" "$tmp/probes.txt"
	while read -r path; do
		curl -sS -o /dev/null "$base$path"
	done <"$tmp/pages.txt"
	cat "$tmp/probes.txt" >"$tmp/wrk.txt"
	echo "part 1: planner on $base ($(wc -l <"$tmp/feedpaths.txt") feeds), SMTP sink on $sink; PostgreSQL restart under load"

	wrk -t 2 -c 8 -d 26s -s "$root/bench/rotate.lua" "$base" -- "$tmp/wrk.txt" >"$tmp/wrk.out" 2>&1 &
	local wrkpid=$!
	pids+=($wrkpid)
	"$tmp/faultclient" run -base "$base" -token "$token" -out "$tmp/run" -probes "$tmp/probes.txt" \
		>"$tmp/client.out" 2>&1 &
	local client=$!
	pids+=($client)
	sleep 8
	local t_stop t_down t_start t_ready
	t_stop=$(now_ms)
	pg_stop
	t_down=$(now_ms)
	sleep 3
	t_start=$(now_ms)
	pg_start
	t_ready=$(now_ms)
	printf '%s\n' "$t_stop" "$t_down" "$t_start" "$t_ready" >"$tmp/run/times.txt"
	echo "  PostgreSQL: stop took $((t_down - t_stop)) ms, down $((t_start - t_down)) ms, start took $((t_ready - t_start)) ms"
	sleep 12
	touch "$tmp/run/stop"
	if ! wait "$client"; then
		echo "faults.sh: faultclient run failed:" >&2
		cat "$tmp/client.out" >&2
		exit 1
	fi
	wait "$wrkpid" || true
	awk '/requests in/ {r = $1} /Requests\/sec/ {s = $2} /Non-2xx or 3xx/ {e += $NF} /Socket errors/ {for (i = 4; i <= NF; i += 2) {x = $i; gsub(/,/, "", x); e += x}}
		END {printf "  wrk on feeds and agenda pages: %d requests, %s req/s, %d non-2xx/3xx or socket errors (those of the outage included)\n", r, s, e}' "$tmp/wrk.out"
	if ! "$tmp/faultclient" check -base "$base" -token "$token" -out "$tmp/run" -feed "$feed" -mail "$tmp/mail" \
		-down "$t_down" -start "$t_start" -ready "$t_ready"; then
		failed=1
	fi
	kill "$server"
	wait "$server" 2>/dev/null || true
}

# --- part 2: import killed halfway -------------------------------------------
# counts DB prints the row counts of the big programme (people, sessions,
# slots) in a database, or "absent".
counts() {
	"$tmp/planner" --database "$1" --log-level warn export "$slug" 2>/dev/null >"$tmp/counts.json" || {
		echo absent
		return
	}
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d.get("sessions",[]); print(len(d.get("people",[])), len(s), sum(len(x.get("slots",[])) for x in s))' "$tmp/counts.json"
}

# killed_import NAME DB SCRATCH FILE PREVIOUS: import FILE into DB (after
# PREVIOUS, if any), kill it halfway, and check that the programme is as
# PREVIOUS left it; SCRATCH is a database of its own where the same import
# is timed first, so that "halfway" is half of its usual duration.
killed_import() {
	local name=$1 db=$2 scratch=$3 file=$4 previous=$5
	local before="absent"
	if [[ -n $previous ]]; then
		"$tmp/planner" --database "$scratch" --log-level warn import "$previous" >/dev/null
		"$tmp/planner" --database "$db" --log-level warn import "$previous" >/dev/null
		"$tmp/planner" --database "$db" --log-level warn export "$slug" >"$tmp/before.json"
		before=$(counts "$db")
	fi
	local t0 import_ms
	t0=$(now_ms)
	"$tmp/planner" --database "$scratch" --log-level warn import "$file" >/dev/null
	import_ms=$(($(now_ms) - t0))
	if [[ -z $full ]]; then
		full=$(counts "$scratch")
		"$tmp/planner" --database "$scratch" --log-level warn export "$slug" >"$tmp/full.json"
	fi
	local half=$((import_ms / 2)) pid waited=""
	t0=$(now_ms)
	"$tmp/planner" --database "$db" --log-level warn import "$file" >"$tmp/import.out" 2>&1 &
	pid=$!
	if [[ $db == postgres* ]]; then
		# Half the usual duration, and a backend of the database inside a
		# transaction that wrote: it holds a transaction id until it
		# commits or rolls back.
		local dbname=${db##*/} i
		dbname=${dbname%%\?*}
		for i in $(seq 1000); do
			if (($(now_ms) - t0 >= half)) &&
				[[ $(pg -tAc "select count(*) from pg_stat_activity where datname = '$dbname' and backend_xid is not null and pid <> pg_backend_pid()") != 0 ]]; then
				waited="$(($(now_ms) - t0)) ms, inside a transaction that wrote"
				break
			fi
			sleep 0.02
		done
	else
		# Half the usual duration, and the write lock held: the planner's
		# transactions take it at BEGIN (_txlock=immediate) and keep it
		# until COMMIT or ROLLBACK.
		if "$tmp/faultclient" sqlite-wait -db "$db" -since "$t0" -after "$half"; then
			waited="$(($(now_ms) - t0)) ms, inside a transaction (write lock held; -wal $(stat -c %s "$db-wal" 2>/dev/null || echo 0) bytes)"
		fi
	fi
	kill -9 "$pid" 2>/dev/null || true
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	if ((rc == 137)); then
		pass "$name-killed" "SIGKILL after $waited; this import takes $import_ms ms"
	else
		fail "$name-killed" "the import had ended before the kill ($waited): $(cat "$tmp/import.out")"
		return
	fi
	local after
	after=$(counts "$db")
	"$tmp/planner" --database "$db" --log-level warn export "$slug" >"$tmp/after.json" 2>/dev/null || true
	# A kill that came after the commit (between COMMIT and the process's
	# exit) leaves the new version, complete: that is atomic too, but the
	# check did not test a kill mid-way, and says so.
	if [[ $after == "$full" ]] && cmp -s "$tmp/after.json" "$tmp/full.json"; then
		fail "$name-atomic" "the kill came after the commit: the new version is complete; run again"
	elif [[ -n $previous ]]; then
		if cmp -s "$tmp/before.json" "$tmp/after.json"; then
			pass "$name-atomic" "the programme is exactly the previous version (export identical; people, sessions, slots: $after)"
		else
			fail "$name-atomic" "the programme changed: before $before, after $after"
		fi
	elif [[ $after == absent ]]; then
		pass "$name-atomic" "the programme does not exist"
	else
		fail "$name-atomic" "a partial programme is visible: $after"
	fi
	if "$tmp/planner" --database "$db" --log-level warn import "$file" >"$tmp/import.out" 2>&1; then
		local got
		got=$(counts "$db")
		if [[ $got == "$full" ]]; then
			pass "$name-rerun" "the import run again succeeded: $got"
		else
			fail "$name-rerun" "the import run again gave $got, want $full"
		fi
	else
		fail "$name-rerun" "the import run again failed: $(cat "$tmp/import.out")"
	fi
}

import_part() {
	# shellcheck disable=SC2086 # GEN_ARGS is a list of arguments
	"$tmp/gen" $GEN_ARGS >"$tmp/v2.json"
	slug=$(awk -F'"' '/"slug"/ {print $4; exit}' "$tmp/v2.json")
	# Version 1: the same programme with fewer people and sessions, so
	# that version 2 both adds and changes.
	# shellcheck disable=SC2086
	"$tmp/gen" $GEN_ARGS -people 1500 -sessions 300 >"$tmp/v1.json"
	full=""
	echo "part 2: import of $slug killed halfway, on PostgreSQL and SQLite"
	local d
	for d in new prev scratch_new scratch_prev; do
		pg -c "create database faults_$d"
	done
	killed_import import-pg-new "$(pgurl faults_new)" "$(pgurl faults_scratch_new)" "$tmp/v2.json" ""
	killed_import import-pg-prev "$(pgurl faults_prev)" "$(pgurl faults_scratch_prev)" "$tmp/v2.json" "$tmp/v1.json"
	killed_import import-sqlite-new "$tmp/new.db" "$tmp/scratch-new.db" "$tmp/v2.json" ""
	killed_import import-sqlite-prev "$tmp/prev.db" "$tmp/scratch-prev.db" "$tmp/v2.json" "$tmp/v1.json"
	echo "  (people, sessions, slots of version 2: $full)"
}

start_s=$(date +%s)
for part in $PARTS; do
	"${part}_part"
done
echo "faults.sh: $(($(date +%s) - start_s)) s"
if ((failed)); then
	echo "faults.sh: FAIL"
	exit 1
fi
echo "faults.sh: PASS"
