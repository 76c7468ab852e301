#!/usr/bin/env bash
# feeds.sh: load test of the calendar feeds of a real `planner serve` on
# loopback, with wrk, against /healthz as the baseline.
#
#   bench/feeds.sh                      # SQLite file in a temporary folder
#   DATABASE_URL=postgres://... bench/feeds.sh
#
# It builds the binary, imports a conference-sized programme (bench/gen:
# 2,000 people, 400 sessions, 2,000 speaker slots, about 4,100 feeds) beside
# the demo, starts `planner serve --demo` on 127.0.0.1 with a free port,
# gets every feed URL with `planner feeds`, runs one bounded wrk run per case
# and stops the server. Settings (environment):
#   DURATION=10s THREADS=2 CONNECTIONS=16
#   GEN_ARGS="..."  arguments of bench/gen (default: the conference)
#   PLANNER=path    a planner binary to measure instead of building one
#                   (for a "before": build it from an older tree)
#   RESULTS=dir     also keep each run's raw wrk output in dir
#   CASES="..."     only the named cases (see the list at the end)
# With DATABASE_URL the programmes are imported into that database (both
# imports are idempotent), so point it at a database kept for benchmarks.
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
GEN_ARGS=${GEN_ARGS:-}
PLANNER=${PLANNER:-}
RESULTS=${RESULTS:-}
CASES=${CASES:-}

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in go wrk curl awk; do
	if ! command -v "$tool" >/dev/null; then
		echo "feeds.sh: $tool is missing (wrk: apt-get install -y wrk)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d)
server=""
# Stop only the server this script started, then remove its files.
cleanup() {
	if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
		kill "$server"
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "building planner and the large programme ($GEN_ARGS)..."
if [[ -n $PLANNER ]]; then
	cp "$PLANNER" "$tmp/planner"
else
	(cd "$root" && go build -o "$tmp/planner" ./cmd/planner)
fi
# shellcheck disable=SC2086 # GEN_ARGS is a list of arguments
(cd "$root" && go run ./bench/gen $GEN_ARGS >"$tmp/large.json")
large_slug=$(awk -F'"' '/"slug"/ {print $4; exit}' "$tmp/large.json")

db=${DATABASE_URL:-$tmp/planner.db}
# A fixed secret, so that tokens kept in a PostgreSQL database from an
# earlier run still resolve. It guards nothing but benchmark data.
secret=$(printf '2a%.0s' $(seq 32))
# Request logs are off (warn level) so that the runs measure the feeds, not
# the terminal.
planner() { "$tmp/planner" --database "$db" --log-level warn "$@"; }
keyflags=(--secret-key "$secret" --base-url http://127.0.0.1)

import_start=$(date +%s.%N)
planner import "$tmp/large.json" >/dev/null
import_s=$(awk -v a="$import_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
# The binary is started directly, not through the function, so that $! is
# the server's own process and the cleanup stops it.
"$tmp/planner" --database "$db" --log-level warn serve --demo --addr 127.0.0.1:0 "${keyflags[@]}" \
	>"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
base=""
for _ in $(seq 300); do
	base=$(awk '/serving .* on http:/ {sub(/\/$/, "", $NF); print $NF; exit}' "$tmp/serve.out")
	[[ -n $base ]] && break
	if ! kill -0 "$server" 2>/dev/null; then
		echo "feeds.sh: the server stopped:" >&2
		cat "$tmp/serve.err" >&2
		exit 1
	fi
	sleep 0.1
done
if [[ -z $base ]]; then
	echo "feeds.sh: the server did not start within 30 s" >&2
	exit 1
fi
dialect=$(awk '/serving/ {print $3; exit}' "$tmp/serve.out")

# feed_path SLUG KIND KEY prints the path of a feed from `planner feeds`.
feed_path() {
	local url
	url=$(planner feeds "$1" "${keyflags[@]}" | awk -F'\t' -v k="$2" -v key="$3" '$1 == k && $2 == key {print $4}')
	if [[ $url != http://127.0.0.1/feeds/* ]]; then
		echo "feeds.sh: no $2 feed $3 in $1 (got '$url')" >&2
		exit 1
	fi
	echo "${url#http://127.0.0.1}"
}
# Every feed of the large programme, creating the tokens on the first run.
planner feeds "$large_slug" "${keyflags[@]}" | awk -F'\t' '$4 ~ /^http:\/\/127\.0\.0\.1\/feeds\// {sub(/^http:\/\/127\.0\.0\.1/, "", $4); print $1 "\t" $4}' >"$tmp/feeds.tsv"
nfeeds=$(wc -l <"$tmp/feeds.tsv")
if ((nfeeds < 200)); then
	echo "feeds.sh: only $nfeeds feeds in $large_slug" >&2
	exit 1
fi
cut -f2 "$tmp/feeds.tsv" >"$tmp/all.txt"
# 200 feeds: people's, from the middle of the list, as 200 delegates poll.
awk -F'\t' '$1 == "person" && ++n > 200 && n <= 400 {print $2}' "$tmp/feeds.tsv" >"$tmp/200.txt"
sed 's#^/feeds/\(.*\)\.ics$#/a/\1#' "$tmp/200.txt" >"$tmp/agenda-200.txt"
large_person=$(head -n 1 "$tmp/200.txt")

# with_etags LIST prints LIST with each feed's current ETag after a tab, from
# HEAD requests in one curl run over one connection.
with_etags() {
	local args=() path
	while read -r path; do
		args+=(-o /dev/null "$base$path")
	done <"$1"
	curl -sS --head -w '%{url_effective}\t%header{etag}\n' "${args[@]}" | sed "s#^$base##"
}

# etag PATH prints the ETag the server sends for a feed.
etag() {
	curl -fsS -o /dev/null -D - "$base$1" | awk 'tolower($1) == "etag:" {sub(/\r$/, "", $2); print $2}'
}

# check NAME WANT CURL-ARGS... makes sure a case answers what it should
# before it is measured.
check() {
	local name=$1 want=$2
	shift 2
	local got
	got=$(curl -sS -o "$tmp/body" -w '%{http_code} %{size_download}' "$@")
	if [[ ${got%% *} != "$want" ]]; then
		echo "feeds.sh: $name answered $got, want $want" >&2
		exit 1
	fi
	echo "${got#* }"
}

declare -a names=() rps=() lat=() p50=() p99=() sizes=() errs=() cpu=()

# cpu_ticks prints the CPU time the server has used so far, in clock ticks.
# CPU time per request is steadier than requests/s on a shared machine.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)

# measure NAME WANT PATH|@LIST [HEADER...] runs wrk once and records the
# figures. @LIST rotates over the requests of a list file (bench/rotate.lua);
# the first of them is checked beforehand.
measure() {
	local name=$1 want=$2 path=$3
	shift 3
	if [[ -n $CASES && " $CASES " != *" $name "* ]]; then
		return
	fi
	local curl_headers=() wrk_args=() h
	for h in "$@"; do
		curl_headers+=(-H "$h")
		wrk_args+=(-H "$h")
	done
	local target=$path
	if [[ $path == @* ]]; then
		local list=${path#@} first
		first=$(head -n 1 "$list")
		target=${first%%$'\t'*}
		if [[ $first == *$'\t'* ]]; then
			curl_headers+=(-H "If-None-Match: ${first#*$'\t'}")
		fi
		wrk_args+=(-s "$root/bench/rotate.lua")
	fi
	local size
	size=$(check "$name" "$want" "${curl_headers[@]}" "$base$target")
	local out="$tmp/wrk-$name.txt"
	local before after
	before=$(cpu_ticks)
	if [[ $path == @* ]]; then
		wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "${wrk_args[@]}" "$base" -- "${path#@}" >"$out"
	else
		wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "${wrk_args[@]}" "$base$path" >"$out"
	fi
	after=$(cpu_ticks)
	if [[ -n $RESULTS ]]; then
		mkdir -p "$RESULTS"
		# The token is a secret of a database that is gone, but it is
		# still kept out of files that may be shared.
		sed -E 's#/feeds/[a-z0-9]+\.ics#/feeds/TOKEN.ics#' "$out" >"$RESULTS/wrk-$name.txt"
	fi
	names+=("$name")
	sizes+=("$size")
	rps+=("$(awk '/^Requests\/sec:/ {print $2}' "$out")")
	lat+=("$(awk '$1 == "Latency" {print $2; exit}' "$out")")
	p50+=("$(awk '$1 == "50%" {print $2}' "$out")")
	p99+=("$(awk '$1 == "99%" {print $2}' "$out")")
	errs+=("$(awk '/Non-2xx or 3xx/ {n += $NF} /Socket errors/ {for (i = 3; i <= NF; i++) n += $i} END {print n + 0}' "$out")")
	cpu+=("$(awk -v t=$((after - before)) -v hz="$hz" '/requests in/ {printf "%.3f", t / hz * 1000 / $1}' "$out")")
	printf '  %-20s %10s req/s %8s ms CPU/req\n' "$name" "${rps[-1]}" "${cpu[-1]}"
}

echo "server: $dialect on $base; wrk -t$THREADS -c$CONNECTIONS -d$DURATION; $large_slug: $nfeeds feeds, imported in $import_s s"
# Every case measures the steady state that calendars polling see: the 200
# feeds are fetched once in each encoding first (the first request for a
# feed after a change renders it; a programme of the size measured here has
# more feeds than older versions could keep, so "all" stays partly cold
# there whatever the warm-up).
for enc in identity gzip; do
	sed "s#^#$base#" "$tmp/200.txt" | xargs curl -sS -H "Accept-Encoding: $enc" -o /dev/null -o /dev/null >/dev/null
done
with_etags "$tmp/200.txt" >"$tmp/200-etags.txt"
with_etags "$tmp/all.txt" >"$tmp/all-etags.txt"
measure healthz 200 /healthz
measure person-200 200 "$large_person"
measure rotate200-200 200 "@$tmp/200.txt"
measure rotate200-304 304 "@$tmp/200-etags.txt"
measure rotate200-gzip 200 "@$tmp/200.txt" "Accept-Encoding: gzip"
measure all-200 200 "@$tmp/all.txt"
measure all-304 304 "@$tmp/all-etags.txt"
measure agenda-200 200 "@$tmp/agenda-200.txt"
# The baseline again, to show how much the machine drifted during the runs.
measure healthz-end 200 /healthz
rss=$(awk '/^VmRSS/ {print $2 / 1024 " MB"}' "/proc/$server/status")
hwm=$(awk '/^VmHWM/ {print $2 / 1024 " MB"}' "/proc/$server/status")

echo
printf '%-20s %10s %9s %9s %9s %8s %9s %9s %7s\n' case req/s latency p50 p99 bytes ratio cpu-ms/req errors
baseline=""
for i in "${!names[@]}"; do
	[[ ${names[$i]} == healthz ]] && baseline=${rps[$i]}
done
for i in "${!names[@]}"; do
	ratio=-
	if [[ -n $baseline ]]; then
		ratio=$(awk -v a="${rps[$i]}" -v b="$baseline" 'BEGIN {printf "%.3f", a / b}')
	fi
	printf '%-20s %10s %9s %9s %9s %8s %9s %9s %7s\n' "${names[$i]}" "${rps[$i]}" "${lat[$i]}" "${p50[$i]}" "${p99[$i]}" "${sizes[$i]}" "$ratio" "${cpu[$i]}" "${errs[$i]}"
done
echo "(ratio = req/s of the case / req/s of /healthz in this run; cpu-ms/req = the server's CPU"
echo " time during the run / requests; errors = non-2xx/3xx responses plus socket errors and timeouts)"
echo "server memory after the runs: RSS $rss, peak RSS $hwm; import of $large_slug: $import_s s"
