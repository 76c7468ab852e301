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
CASES=${CASES:-}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

build_programme
import_programme
start_planner
list_feeds

# with_etags LIST prints LIST with each feed's current ETag after a tab, from
# requests in one curl run over one connection.
with_etags() {
	probe "$base" "$1" "" >"$tmp/etags.tsv"
	expect_status "ETags of $(basename "$1")" 200 "$tmp/etags.tsv"
	cut -f1,4 "$tmp/etags.tsv"
}

# check NAME WANT CURL-ARGS... makes sure a case answers what it should
# before it is measured.
check() {
	local name=$1 want=$2
	shift 2
	local got
	got=$(curl -sS -o "$tmp/body" -w '%{http_code} %{size_download}' "$@")
	if [[ ${got%% *} != "$want" ]]; then
		die "$name answered $got, want $want"
	fi
	echo "${got#* }"
}

declare -a names=() c_rps=() c_lat=() c_p50=() c_p99=() sizes=() c_errs=() cpu=()

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
	fi
	local size
	size=$(check "$name" "$want" "${curl_headers[@]}" "$base$target")
	local out="$tmp/wrk-$name.txt"
	local before after
	before=$(cpu_ticks)
	run_wrk "$out" "$base" "$path" "${wrk_args[@]}"
	after=$(cpu_ticks)
	keep_result "$name" "$out"
	wrk_figures "$out"
	names+=("$name")
	sizes+=("$size")
	c_rps+=("$rps")
	c_lat+=("$lat")
	c_p50+=("$p50")
	c_p99+=("$p99")
	c_errs+=("$errs")
	cpu+=("$(awk -v t=$((after - before)) -v hz="$hz" '/requests in/ {printf "%.3f", t / hz * 1000 / $1}' "$out")")
	printf '  %-20s %10s req/s %8s ms CPU/req\n' "$name" "$rps" "${cpu[-1]}"
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
	[[ ${names[$i]} == healthz ]] && baseline=${c_rps[$i]}
done
for i in "${!names[@]}"; do
	ratio=-
	if [[ -n $baseline ]]; then
		ratio=$(awk -v a="${c_rps[$i]}" -v b="$baseline" 'BEGIN {printf "%.3f", a / b}')
	fi
	printf '%-20s %10s %9s %9s %9s %8s %9s %9s %7s\n' "${names[$i]}" "${c_rps[$i]}" "${c_lat[$i]}" "${c_p50[$i]}" "${c_p99[$i]}" "${sizes[$i]}" "$ratio" "${cpu[$i]}" "${c_errs[$i]}"
done
echo "(ratio = req/s of the case / req/s of /healthz in this run; cpu-ms/req = the server's CPU"
echo " time during the run / requests; errors = non-2xx/3xx responses plus socket errors and timeouts)"
echo "server memory after the runs: RSS $rss, peak RSS $hwm; import of $large_slug: $import_s s"
