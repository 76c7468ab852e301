#!/usr/bin/env bash
# feeds.sh: load test of the calendar feeds of a real `planner serve` on
# loopback, with wrk, against /healthz as the baseline.
#
#   bench/feeds.sh                      # SQLite file in a temporary folder
#   DATABASE_URL=postgres://... bench/feeds.sh
#
# It builds the binary, imports a programme SCALE times larger than the demo
# (from bench/gen) beside the demo, starts `planner serve --demo` on
# 127.0.0.1 with a free port, gets the feed URLs with `planner feeds`, runs
# one bounded wrk run per case and stops the server. Settings (environment):
#   DURATION=10s THREADS=2 CONNECTIONS=16 SCALE=20
#   RESULTS=dir   also keep each run's raw wrk output in dir
#   CASES="..."   only the named cases (see the list at the end)
# With DATABASE_URL the programmes are imported into that database (both
# imports are idempotent), so point it at a database kept for benchmarks.
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
SCALE=${SCALE:-20}
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

echo "building planner and the large programme (x$SCALE)..."
(cd "$root" && go build -o "$tmp/planner" ./cmd/planner && go run ./bench/gen -scale "$SCALE" >"$tmp/large.json")
large_slug=$(awk -F'"' '/"slug"/ {print $4; exit}' "$tmp/large.json")

db=${DATABASE_URL:-$tmp/planner.db}
# A fixed secret, so that tokens kept in a PostgreSQL database from an
# earlier run still resolve. It guards nothing but benchmark data.
secret=$(printf '2a%.0s' $(seq 32))
# Request logs are off (warn level) so that the runs measure the feeds, not
# the terminal.
planner() { "$tmp/planner" --database "$db" --log-level warn "$@"; }
keyflags=(--secret-key "$secret" --base-url http://127.0.0.1)

planner import "$tmp/large.json" >/dev/null
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
demo_person=$(feed_path igf2016-cldp person omar-ansari)
large_person=$(feed_path "$large_slug" person omar-ansari)
large_programme=$(feed_path "$large_slug" programme "$large_slug")

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

# measure NAME WANT PATH [HEADER...] runs wrk once and records the figures.
measure() {
	local name=$1 want=$2 path=$3
	shift 3
	if [[ -n $CASES && " $CASES " != *" $name "* ]]; then
		return
	fi
	local curl_headers=() wrk_headers=() h
	for h in "$@"; do
		curl_headers+=(-H "$h")
		wrk_headers+=(-H "$h")
	done
	local size
	size=$(check "$name" "$want" "${curl_headers[@]}" "$base$path")
	local out="$tmp/wrk-$name.txt"
	local before after
	before=$(cpu_ticks)
	wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "${wrk_headers[@]}" "$base$path" >"$out"
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

echo "server: $dialect on $base; wrk -t$THREADS -c$CONNECTIONS -d$DURATION; large programme x$SCALE ($large_slug)"
demo_etag=$(etag "$demo_person")
large_etag=$(etag "$large_person")
measure healthz 200 /healthz
measure demo-person-200 200 "$demo_person"
measure demo-person-304 304 "$demo_person" "If-None-Match: $demo_etag"
measure demo-person-gzip 200 "$demo_person" "Accept-Encoding: gzip"
measure x$SCALE-person-200 200 "$large_person"
measure x$SCALE-person-304 304 "$large_person" "If-None-Match: $large_etag"
measure x$SCALE-person-gzip 200 "$large_person" "Accept-Encoding: gzip"
measure x$SCALE-programme-200 200 "$large_programme"
# The baseline again, to show how much the machine drifted during the runs.
measure healthz-end 200 /healthz

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
