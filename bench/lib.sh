# lib.sh: what bench/feeds.sh and bench/load.sh share. It is sourced, not
# run: it sets up a temporary folder, builds planner and the conference
# programme, imports it, starts `planner serve`, lists the feeds and runs
# and reads wrk. The caller sets `set -euo pipefail` and these settings
# (environment) before sourcing it:
#   GEN_ARGS="..."  arguments of bench/gen (default: the conference)
#   PLANNER=path    a planner binary to measure instead of building one
#   DATABASE_URL    import into and serve from this database (default: a
#                   SQLite file in the temporary folder)
#   RESULTS=dir     keep each run's raw wrk output in dir
# shellcheck shell=bash

GEN_ARGS=${GEN_ARGS:-}
PLANNER=${PLANNER:-}
RESULTS=${RESULTS:-}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=$(basename "$0")

# die prints a message naming the script and stops it (the cleanup runs).
die() {
	echo "$script: $*" >&2
	exit 1
}

for tool in go wrk curl awk; do
	command -v "$tool" >/dev/null || die "$tool is missing (wrk: apt-get install -y wrk)"
done

tmp=$(mktemp -d)
# pids are the processes this script started; the cleanup stops them, the
# last started first, and nothing else.
pids=()
cleanup() {
	local i pid
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[$i]}
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build_programme builds planner (or copies $PLANNER) to $tmp/planner and
# writes the large programme to $tmp/large.json; it sets large_slug.
build_programme() {
	echo "building planner and the large programme ($GEN_ARGS)..."
	if [[ -n $PLANNER ]]; then
		cp "$PLANNER" "$tmp/planner"
	else
		(cd "$root" && go build -o "$tmp/planner" ./cmd/planner)
	fi
	# shellcheck disable=SC2086 # GEN_ARGS is a list of arguments
	(cd "$root" && go run ./bench/gen $GEN_ARGS >"$tmp/large.json")
	large_slug=$(awk -F'"' '/"slug"/ {print $4; exit}' "$tmp/large.json")
	large_starts_on=$(awk -F'"' '/"starts_on"/ {print $4; exit}' "$tmp/large.json")
}

db=${DATABASE_URL:-$tmp/planner.db}
# A fixed secret, so that tokens kept in a PostgreSQL database from an
# earlier run still resolve. It guards nothing but benchmark data.
secret=$(printf '2a%.0s' $(seq 32))
# Request logs are off (warn level) so that the runs measure the server,
# not the terminal.
planner() { "$tmp/planner" --database "$db" --log-level warn "$@"; }
keyflags=(--secret-key "$secret" --base-url http://127.0.0.1)

# import_programme imports $tmp/large.json; it sets import_s, the seconds
# it took (process start-up and migrations included).
import_programme() {
	local start
	start=$(date +%s.%N)
	planner import "$tmp/large.json" >/dev/null
	import_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
}

# start_bg OUT ERR COMMAND... starts a server in the background, records
# its process for the cleanup and sets bg_pid.
start_bg() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	bg_pid=$!
	pids+=("$bg_pid")
}

# wait_for_line PID FILE AWK-PROGRAM waits up to 30 s for a server to print
# the line the program picks out, and prints what the program prints.
wait_for_line() {
	local pid=$1 file=$2 prog=$3 got=""
	for _ in $(seq 300); do
		got=$(awk "$prog" "$file" 2>/dev/null || true)
		if [[ -n $got ]]; then
			echo "$got"
			return
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_planner starts `planner serve --demo` on a free port of 127.0.0.1
# and sets server (its process), base (its URL) and dialect.
start_planner() {
	# The binary is started directly, not through the function, so that
	# the process recorded is the server's own.
	start_bg "$tmp/serve.out" "$tmp/serve.err" \
		"$tmp/planner" --database "$db" --log-level warn serve --demo --addr 127.0.0.1:0 "${keyflags[@]}"
	server=$bg_pid
	if ! base=$(wait_for_line "$server" "$tmp/serve.out" '/serving .* on http:/ {sub(/\/$/, "", $NF); print $NF; exit}'); then
		cat "$tmp/serve.err" >&2
		die "the planner server did not start"
	fi
	dialect=$(awk '/serving/ {print $3; exit}' "$tmp/serve.out")
}

# list_feeds writes the feeds of the large programme (creating their tokens
# on the first run): $tmp/feeds.tsv (kind, path), $tmp/all.txt (every
# path, shuffled), $tmp/200.txt (200 people's feeds, from the middle of the list, as
# 200 delegates poll) and $tmp/agenda-200.txt (the same people's agenda
# pages). It sets nfeeds and large_person (the first of the 200).
list_feeds() {
	planner feeds "$large_slug" "${keyflags[@]}" |
		awk -F'\t' '$4 ~ /^http:\/\/127\.0\.0\.1\/feeds\// {sub(/^http:\/\/127\.0\.0\.1/, "", $4); print $1 "\t" $4}' >"$tmp/feeds.tsv"
	nfeeds=$(wc -l <"$tmp/feeds.tsv")
	((nfeeds >= 200)) || die "only $nfeeds feeds in $large_slug"
	# In an order of their own (the same in every run), so that a run that
	# covers only part of the list gets feeds of every kind and size.
	cut -f2 "$tmp/feeds.tsv" | shuf --random-source=<(yes) >"$tmp/all.txt"
	awk -F'\t' '$1 == "person" && ++n > 200 && n <= 400 {print $2}' "$tmp/feeds.tsv" >"$tmp/200.txt"
	sed 's#^/feeds/\(.*\)\.ics$#/a/\1#' "$tmp/200.txt" >"$tmp/agenda-200.txt"
	large_person=$(head -n 1 "$tmp/200.txt")
}

# run_wrk OUT URL TARGET [WRK-ARGS...] runs wrk once into OUT. TARGET is a
# path, or @LIST to rotate over the requests of a list file (one a line: a
# path, optionally a tab and an ETag to send as If-None-Match) with
# bench/rotate.lua. It uses THREADS, CONNECTIONS, DURATION and TIMEOUT
# (default 2s, wrk's: a request that takes longer counts as an error, not
# in the latencies).
run_wrk() {
	local out=$1 url=$2 target=$3
	shift 3
	if [[ $target == @* ]]; then
		wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout "${TIMEOUT:-2s}" --latency -s "$root/bench/rotate.lua" "$@" "$url" -- "${target#@}" "$THREADS" >"$out"
	else
		wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout "${TIMEOUT:-2s}" --latency "$@" "$url$target" >"$out"
	fi
}

# wrk_figures OUT sets rps, lat (mean), p50, p99 and errs (non-2xx/3xx
# responses plus socket errors and timeouts) from a wrk output.
wrk_figures() {
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
	lat=$(awk '$1 == "Latency" {print $2; exit}' "$1")
	p50=$(awk '$1 == "50%" {print $2}' "$1")
	p99=$(awk '$1 == "99%" {print $2}' "$1")
	errs=$(awk '/Non-2xx or 3xx/ {n += $NF} /Socket errors/ {for (i = 3; i <= NF; i++) n += $i} END {print n + 0}' "$1")
	# wrk prints latencies of 0 when no request completed, or when every
	# one that did took longer than the timeout.
	if [[ $p50 == 0.00us ]]; then
		if [[ $(awk '/requests in/ {print $1}' "$1") == 0 ]]; then
			lat=- p50=- p99=-
		else
			lat=">${TIMEOUT:-2s}" p50=">${TIMEOUT:-2s}" p99=">${TIMEOUT:-2s}"
		fi
	fi
}

# to_ms prints a wrk duration (850.00us, 1.20ms, 2.01s, 1.5m) in ms.
to_ms() {
	awk -v d="$1" 'BEGIN {
		if (d ~ /us$/) f = 0.001; else if (d ~ /ms$/) f = 1; else if (d ~ /m$/) f = 60000; else if (d ~ /s$/) f = 1000; else f = -1
		if (d !~ /^[0-9.]+(us|ms|s|m)$/) { print d; exit }
		sub(/[a-z]+$/, "", d)
		printf "%.2f", d * f
	}'
}

# keep_result NAME OUT copies a wrk output to $RESULTS/wrk-NAME.txt, with
# tokens taken out: they are secrets of a database that may be gone, but
# they are still kept out of files that may be shared.
keep_result() {
	[[ -n $RESULTS ]] || return 0
	mkdir -p "$RESULTS"
	sed -E 's#/feeds/[A-Za-z0-9_-]+\.ics#/feeds/TOKEN.ics#g; s#/a/[A-Za-z0-9_-]+#/a/TOKEN#g' "$2" >"$RESULTS/wrk-$1.txt"
}

# peak_rss_mb PID... prints the sum of the processes' peak RSS in MB.
peak_rss_mb() {
	local pid kb=0 k
	for pid in "$@"; do
		k=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
		kb=$((kb + ${k:-0}))
	done
	awk -v k="$kb" 'BEGIN {printf "%.0f", k / 1024}'
}

# probe BASE LIST SAVE [HEADER...] requests every line of LIST (a path,
# optionally a tab and an ETag to send as If-None-Match) from BASE in one
# curl run, over one kept-alive connection, sending the headers. With SAVE
# a folder, each body is written to SAVE/PATH. It prints, a line per
# request: path, status, body size, ETag and Content-Type, tab-separated
# (status 000 when the request failed).
probe() {
	local base=$1 list=$2 save=$3
	shift 3
	local hdrs
	hdrs=$(printf '%s\n' "$@")
	awk -F'\t' -v base="$base" -v save="$save" -v hdrs="$hdrs" '
		function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
		BEGIN { nh = (hdrs == "") ? 0 : split(hdrs, h, "\n") }
		{
			if (NR > 1) print "next"
			print "url = " q(base $1)
			print "output = " q(save == "" ? "/dev/null" : save $1)
			if (save != "") print "create-dirs"
			print "write-out = \"%{http_code}\\t%{size_download}\\t%header{etag}\\t%{content_type}\\n\""
			for (i = 1; i <= nh; i++) print "header = " q(h[i])
			if ($2 != "") print "header = " q("If-None-Match: " $2)
		}' "$list" >"$tmp/probe.cfg"
	curl -sS -K "$tmp/probe.cfg" >"$tmp/probe.out" || true
	cut -f1 "$list" | paste - "$tmp/probe.out"
}

# expect_status NAME WANT INFO stops the script unless every request of a
# probe's output (INFO) answered WANT.
expect_status() {
	local bad
	bad=$(awk -F'\t' -v want="$2" '$2 != want {print $1 " answered " $2; exit}' "$3")
	[[ -z $bad ]] || die "$1: $bad, want $2"
	[[ -s $3 ]] || die "$1: no requests"
}
