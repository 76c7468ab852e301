#!/usr/bin/env bash
# scaleout.sh: three `planner serve` instances on one PostgreSQL database
# behind nginx, on this machine, and the checks docs/deploy.md reports:
#
#   bench/scaleout.sh
#
# It builds planner, creates its own database (planner_scaleout_<pid>) on the
# PostgreSQL server at PGHOST (default 127.0.0.1, user postgres), runs
# `planner migrate` once, imports the demo, creates a staff account and an
# API token, starts three instances with --no-migrate on 127.0.0.1:22001-22003
# with one secret key and one base URL, and nginx on 127.0.0.1:22000 in front
# (its own config, pid and logs in a temporary folder, not as a daemon). Then
# it prints PASS or FAIL for each check:
#   migrations  only `planner migrate` migrated: goose's table is unchanged
#               after the instances started, and each says it left migrating
#   (a) every instance serves a feed with the same bytes and ETag
#   (b) a change through instance 1 (API) is served by 2 and 3 within 1 s
#   (c) a feed link revoked through instance 1 (API) answers 404 on 2 and 3
#       within 1 s
#   (d) a staff login through instance 1 (login form with its CSRF token)
#       works on 2 and 3 with the same cookie, and a logout through 3 (with
#       the same CSRF cookie) ends it on 1 and 2
#   (f) failed logins count across instances: 5 wrong passwords spread over
#       the three refuse the right one on any (429)
#   (e) instance 2 stopped with SIGTERM in the middle of a wrk load through
#       nginx: no status other than 2xx/3xx, no socket error, no 5xx in
#       nginx's access log; instance 2 exits 0
# and exits 1 if any check failed. Settings (environment):
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres   the PostgreSQL server
#   DURATION=10  seconds of wrk load in (e); the instance stops at a third
#   DRAIN=3s     the instances' --shutdown-drain (0s: stop at once; nginx
#                then retries the GETs caught on a closing connection, and
#                would answer 502 to a POST caught so)
#   GEN=1        also import the bench/gen conference (4,100 feeds) first
#   KEEP=1       keep the database and the temporary folder (logs) afterwards
# It needs go, psql, curl, nginx and wrk (Debian: apt-get install -y nginx-light wrk).
set -euo pipefail

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DURATION=${DURATION:-10}
DRAIN=${DRAIN:-3s}
GEN=${GEN:-}
KEEP=${KEEP:-}
PORTS=(22001 22002 22003)
LB_PORT=22000
LB=http://127.0.0.1:$LB_PORT
SLUG=igf2016-cldp

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in go psql curl nginx wrk awk sha256sum; do
	if ! command -v "$tool" >/dev/null; then
		echo "scaleout.sh: $tool is missing (nginx, wrk: apt-get install -y nginx-light wrk)" >&2
		exit 1
	fi
done
for port in "$LB_PORT" "${PORTS[@]}"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
		echo "scaleout.sh: something already listens on 127.0.0.1:$port" >&2
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/scaleout.XXXXXX)
db=planner_scaleout_$$
dburl="postgres://$PGUSER@$PGHOST:$PGPORT/$db?sslmode=disable"
pids=()  # the instances, by index 0..2 ("" once stopped)
nginx_pid=""
failed=0
started=$(date +%s)

# Stop only what this script started, then drop its database.
cleanup() {
	set +e
	for pid in "${pids[@]}"; do
		[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [[ -n $nginx_pid ]]; then
		kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	fi
	if [[ -n $KEEP ]]; then
		echo "kept: database $db, files in $tmp"
	else
		psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; failed=1; }
note() { printf '      %s\n' "$*"; }

echo "== building planner"
(cd "$root" && go build -o "$tmp/planner" ./cmd/planner)
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
planner() { "$tmp/planner" --database "$dburl" --log-level warn "$@"; }
keyflags=(--secret-key "$secret" --base-url "$LB")

echo "== database $db on $PGHOST:$PGPORT"
psql -q -d postgres -c "CREATE DATABASE $db" >/dev/null
# migrate logs at info level, so that its lines show what it applied.
"$tmp/planner" --database "$dburl" migrate >"$tmp/migrate.out" 2>"$tmp/migrate.err"
goose_rows() { psql -tA -d "$db" -c "SELECT count(*) || ' rows, version ' || max(version_id) FROM goose_db_version"; }
migrated=$(goose_rows)
echo "planner migrate: goose_db_version has $migrated; $(tail -n1 "$tmp/migrate.out")"
planner demo >/dev/null
if [[ -n $GEN ]]; then
	(cd "$root" && go run ./bench/gen >"$tmp/large.json")
	planner import "$tmp/large.json" >/dev/null
fi
staff_email=ops@scaleout.invalid
staff_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$staff_password" | planner user add "$staff_email" --role admin --name "Scale-out check" >/dev/null
token=$(planner token create "$staff_email" --name scaleout 2>"$tmp/token.err" | grep -o 'plnr_[A-Za-z0-9_-]*' | head -n1)
# Feed URLs (this creates their tokens): kind, key, name, URL, ...
planner feeds "$SLUG" "${keyflags[@]}" >"$tmp/feeds.tsv"
feed_path() { awk -F'\t' -v k="$1" -v key="$2" '$1 == k && $2 == key {print $4}' "$tmp/feeds.tsv" | sed "s|^$LB||"; }
programme_feed=$(feed_path programme "$SLUG")
person_feed=$(feed_path person omar-ansari)
revoked_feed=$(feed_path person emily-skills)
agenda_page=$(echo "$person_feed" | sed 's|^/feeds/|/a/|; s|\.ics$||')

echo "== three instances on ${PORTS[*]}: --no-migrate, --shutdown-drain $DRAIN, one secret key, base URL $LB"
for i in 0 1 2; do
	"$tmp/planner" --database "$dburl" serve --no-migrate --shutdown-drain "$DRAIN" --trusted-proxies 127.0.0.1 --addr "127.0.0.1:${PORTS[$i]}" "${keyflags[@]}" \
		>"$tmp/serve$((i + 1)).out" 2>"$tmp/serve$((i + 1)).err" &
	pids[i]=$!
done
for i in 0 1 2; do
	for _ in $(seq 200); do
		curl -sf -o /dev/null "http://127.0.0.1:${PORTS[$i]}/healthz" && break
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			echo "instance $((i + 1)) stopped:" >&2
			cat "$tmp/serve$((i + 1)).err" >&2
			exit 1
		fi
		sleep 0.05
	done
done

echo "== nginx on $LB_PORT"
mkdir -p "$tmp/nginx"
temp_paths=""
for kind in client_body proxy fastcgi uwsgi scgi; do
	# Only the modules this nginx was built with know their directive.
	flag=--http-${kind//_/-}-temp-path
	[[ $kind == client_body ]] && flag=--http-client-body-temp-path
	if nginx -V 2>&1 | grep -q -- "$flag"; then
		temp_paths+="    ${kind}_temp_path $tmp/nginx/$kind;"$'\n'
	fi
done
user_line=""
# As root, nginx's workers would run as nobody, who cannot write here.
[[ $EUID -eq 0 ]] && user_line="user root;"
cat >"$tmp/nginx.conf" <<EOF
$user_line
daemon off;
master_process on;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
$temp_paths
    log_format upstreams '\$status \$request_method \$request_uri upstream=\$upstream_addr statuses=\$upstream_status';
    access_log $tmp/nginx/access.log upstreams;

    upstream planner {
        # Passive health checks: an instance that refuses or fails is left
        # out for 5 s; keep-alive connections to the instances.
        server 127.0.0.1:${PORTS[0]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${PORTS[1]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${PORTS[2]} max_fails=1 fail_timeout=5s;
        keepalive 32;
        # Shorter than the instances' --shutdown-drain: nginx closes its
        # idle connections to a draining instance itself.
        keepalive_timeout 2s;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        client_max_body_size 8m;
        location / {
            proxy_pass http://planner;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # Idempotent requests (GET, HEAD, ...) go to the next instance
            # when one refuses, fails or answers 502/503; POST, PATCH and
            # DELETE never do (no non_idempotent).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }
    }
}
EOF
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
	curl -sf -o /dev/null "$LB/healthz" && break
	sleep 0.05
done
curl -sf -o /dev/null "$LB/healthz" || { echo "nginx does not answer:" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }

echo
echo "== checks"
# --- migrations ----------------------------------------------------------
after=$(goose_rows)
said=0
for i in 1 2 3; do
	grep -q 'migrations left to `planner migrate`' "$tmp/serve$i.err" && said=$((said + 1))
done
if [[ $after == "$migrated" && $said -eq 3 ]]; then
	pass "migrations: planner migrate once ($migrated); goose_db_version unchanged after 3 instances started; all 3 logged \"migrations left to \`planner migrate\`\""
else
	fail "migrations: goose_db_version $migrated before, $after after; $said of 3 instances said they left migrating"
fi

# --- (a) same bytes and ETag ---------------------------------------------
etag_of() { curl -s -D - -o /dev/null "$1" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r'; }
same=1
for path in "$programme_feed" "$person_feed" "$revoked_feed"; do
	sums=() etags=()
	for port in "${PORTS[@]}"; do
		sums+=("$(curl -sf "http://127.0.0.1:$port$path" | sha256sum | cut -c1-16)")
		etags+=("$(etag_of "http://127.0.0.1:$port$path")")
	done
	if [[ ${sums[0]} != "${sums[1]}" || ${sums[0]} != "${sums[2]}" || ${etags[0]} != "${etags[1]}" || ${etags[0]} != "${etags[2]}" || -z ${etags[0]} ]]; then
		same=0
	fi
	note "${path:0:22}… sha256 ${sums[*]}  ETag ${etags[*]}"
done
if [[ $same -eq 1 ]]; then
	pass "(a) 3 feeds: the same bytes and ETag from each of the 3 instances"
else
	fail "(a) the instances serve different bytes or ETags"
fi

# --- (b) a change through instance 1, seen by 2 and 3 --------------------
api1=http://127.0.0.1:${PORTS[0]}/api/v1
auth="Authorization: Bearer $token"
before=$(etag_of "http://127.0.0.1:${PORTS[1]}$programme_feed")
session_url=$api1/programmes/$SLUG/sessions/day0-lunch
revision=$(curl -s -D - -o /dev/null -H "$auth" "$session_url" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
title="Lunch moved by the scale-out check at $(date +%H:%M:%S)"
# poll PORT OLD_ETAG WANT: milliseconds until the port's feed answers
# another ETag (WANT=changed) or 404 (WANT=404), or "timeout" after 5 s.
poll() {
	local port=$1 old=$2 want=$3 t0=$4 code etag
	while (($(now_ms) - t0 < 5000)); do
		if [[ $want == 404 ]]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$5")
			[[ $code == 404 || $code == 410 ]] && { echo $(($(now_ms) - t0)); return; }
		else
			etag=$(etag_of "http://127.0.0.1:$port$5")
			[[ -n $etag && $etag != "$old" ]] && { echo $(($(now_ms) - t0)); return; }
		fi
		sleep 0.01
	done
	echo timeout
}
code=$(curl -s -o "$tmp/patch.json" -w '%{http_code}' -X PATCH "$session_url" -H "$auth" -H "If-Match: $revision" \
	-H 'Content-Type: application/merge-patch+json' --data "{\"title\": \"$title\"}")
acked=$(now_ms)
# Both instances are polled at once, each from the acknowledgement.
poll "${PORTS[1]}" "$before" changed "$acked" "$programme_feed" >"$tmp/b2" &
p2=$!
poll "${PORTS[2]}" "$before" changed "$acked" "$programme_feed" >"$tmp/b3" &
p3=$!
wait "$p2" "$p3"
d2=$(cat "$tmp/b2") d3=$(cat "$tmp/b3")
shown=0
for port in "${PORTS[1]}" "${PORTS[2]}"; do
	curl -s "http://127.0.0.1:$port$programme_feed" | tr -d '\r' | sed ':a;N;$!ba;s/\n //g' | grep -qF "SUMMARY:$title" && shown=$((shown + 1))
done
if [[ $code == 200 && $d2 != timeout && $d3 != timeout && $d2 -le 1000 && $d3 -le 1000 && $shown -eq 2 ]]; then
	pass "(b) PATCH through instance 1 (HTTP $code); new ETag and title on instance 2 after ${d2} ms, on 3 after ${d3} ms"
else
	fail "(b) PATCH through instance 1: HTTP $code; instance 2: ${d2} ms, instance 3: ${d3} ms; the new title in $shown of 2"
	cat "$tmp/patch.json"
fi

# --- (c) a revocation through instance 1, seen by 2 and 3 ----------------
for port in "${PORTS[1]}" "${PORTS[2]}"; do
	curl -sf -o /dev/null "http://127.0.0.1:$port$revoked_feed" || fail "(c) the feed to revoke does not answer on $port"
done
code=$(curl -s -o "$tmp/revoke.json" -w '%{http_code}' -X DELETE -H "$auth" "$api1/programmes/$SLUG/feeds/person/emily-skills")
acked=$(now_ms)
poll "${PORTS[1]}" "" 404 "$acked" "$revoked_feed" >"$tmp/c2" &
p2=$!
poll "${PORTS[2]}" "" 404 "$acked" "$revoked_feed" >"$tmp/c3" &
p3=$!
wait "$p2" "$p3"
d2=$(cat "$tmp/c2") d3=$(cat "$tmp/c3")
if [[ $code == 204 && $d2 != timeout && $d3 != timeout && $d2 -le 1000 && $d3 -le 1000 ]]; then
	pass "(c) revoked through instance 1 (HTTP $code); 404 on instance 2 after ${d2} ms, on 3 after ${d3} ms"
else
	fail "(c) revoke through instance 1: HTTP $code; instance 2: ${d2} ms, instance 3: ${d3} ms"
	cat "$tmp/revoke.json"
fi

# --- (d) a staff login through instance 1, on 2 and 3 --------------------
jar=$tmp/cookies
login_page=$(curl -s -c "$jar" "http://127.0.0.1:${PORTS[0]}/staff/login")
csrf=$(echo "$login_page" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
	--data-urlencode "_csrf=$csrf" --data-urlencode "email=$staff_email" --data-urlencode "password=$staff_password" \
	"http://127.0.0.1:${PORTS[0]}/staff/login")
staff_code() { curl -s -o /dev/null -w '%{http_code}' -b "$jar" "http://127.0.0.1:$1/staff"; }
s1=$(staff_code "${PORTS[0]}") s2=$(staff_code "${PORTS[1]}") s3=$(staff_code "${PORTS[2]}")
out=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "_csrf=$csrf" "http://127.0.0.1:${PORTS[2]}/staff/logout")
# Without the session the cookie jar now holds, the old cookie is tried.
o1=$(staff_code "${PORTS[0]}") o2=$(staff_code "${PORTS[1]}")
if [[ -n $csrf && $code == 303 && $s1 == 200 && $s2 == 200 && $s3 == 200 && $out == 303 && $o1 == 303 && $o2 == 303 ]]; then
	pass "(d) login through instance 1 (303); /staff with its cookie: 200 on 1, 2 and 3; logout through 3 with 1's CSRF token (303): /staff redirects to the login on 1 and 2"
else
	fail "(d) login through 1: $code (CSRF token ${csrf:+found}); /staff on 1, 2, 3: $s1 $s2 $s3; logout through 3: $out; then /staff on 1, 2: $o1 $o2"
fi

# --- (f) failed logins counted across instances -------------------------
login_code() { # PORT PASSWORD: the status of a login through that instance
	curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data-urlencode "_csrf=$csrf" \
		--data-urlencode "email=$staff_email" --data-urlencode "password=$2" "http://127.0.0.1:$1/staff/login"
}
codes=""
for i in 0 1 2 0 1; do
	codes+="$(login_code "${PORTS[$i]}" "not-the-password") "
done
right=$(login_code "${PORTS[2]}" "$staff_password")
if [[ $codes == "422 422 422 422 422 " && $right == 429 ]]; then
	pass "(f) 5 wrong passwords spread over instances 1, 2, 3, 1, 2 (422 each); the right one on 3: 429 (one limit for all instances)"
else
	fail "(f) wrong passwords over the instances: $codes; the right one on 3: $right, want 429"
fi

# --- (e) SIGTERM under load --------------------------------------------
printf '%s\n' "$programme_feed" "$person_feed" "$agenda_page" "/p/$SLUG" "/healthz" \
	"$(feed_path delegation pk | head -n1)" >"$tmp/paths"
sed -i '/^$/d' "$tmp/paths"
: >"$tmp/nginx/access.log"
PATHS=$tmp/paths wrk -t2 -c16 -d"${DURATION}s" -s "$root/bench/scaleout.lua" "$LB" >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!
sleep $((DURATION / 3))
stopped_at=$(now_ms)
kill -TERM "${pids[1]}"
set +e
wait "${pids[1]}"
exit2=$?
set -e
stop_ms=$(($(now_ms) - stopped_at))
pids[1]=""
wait "$wrk_pid"
requests=$(awk '/^errors/ {sub("requests=", "", $7); print $7}' "$tmp/wrk.out")
socket=$(awk '/^errors/ {print $2, $3, $4, $5}' "$tmp/wrk.out")
bad=$(awk '/^status/ && ($2 < 200 || $2 >= 400) {n += $3} END {print n + 0}' "$tmp/wrk.out")
statuses=$(awk '/^status/ {printf "%s%s×%s", sep, $2, $3; sep = ", "}' "$tmp/wrk.out")
rate=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")
lb5xx=$(awk '$1 >= 500' "$tmp/nginx/access.log" | wc -l)
retried=$(grep -c 'upstream=[^ ]*, ' "$tmp/nginx/access.log" || true)
by_instance=$(grep -o 'upstream=[0-9.:]*$\|upstream=[0-9.:]* ' "$tmp/nginx/access.log" | sort | uniq -c | awk '{printf "%s%s %s", sep, $2, $1; sep = ", "}' | sed 's/upstream=127.0.0.1://g')
stopped_line=$(grep -c 'msg=stopped' "$tmp/serve2.err" || true)
# Why nginx retried: a refused connection (nothing was sent: safe for any
# request) or a connection closed under a request (retried for GET only).
refused=$(grep -c 'Connection refused' "$tmp/nginx/error.log" || true)
cut_off=$(grep -c 'prematurely closed\|reset by peer' "$tmp/nginx/error.log" || true)
note "wrk: $requests requests in ${DURATION} s ($rate/s) through nginx, 16 connections; statuses: $statuses; socket errors: $socket"
note "instance 2 stopped ${stop_ms} ms after SIGTERM (drain $DRAIN), exit status $exit2; nginx retried $retried requests on another instance"
note "nginx's error log: $refused refused connections, $cut_off requests cut off on a closing connection"
note "requests per instance (port count): $by_instance"
grep 'upstream=[^ ]*, ' "$tmp/nginx/access.log" | head -n5 | sed 's/^/      retried: /' || true
# With a drain, no request may be cut off: a POST would not be retried.
drained=1
[[ $DRAIN != 0 && $DRAIN != 0s && $cut_off -ne 0 ]] && drained=0
if [[ $socket == "connect=0 read=0 write=0 timeout=0" && $bad -eq 0 && $lb5xx -eq 0 && $exit2 -eq 0 && $stopped_line -eq 1 && ${requests:-0} -gt 0 && $drained -eq 1 ]]; then
	pass "(e) SIGTERM to instance 2 under load: $requests requests, none lost (no non-2xx/3xx, no socket error, no 5xx in nginx's log, $cut_off cut off); it exited 0"
else
	fail "(e) SIGTERM under load: $bad answers not 2xx/3xx, socket errors $socket, $lb5xx 5xx in nginx's log, $cut_off cut off, exit status $exit2"
	awk '$1 >= 500' "$tmp/nginx/access.log" | head -n5
	tail -n5 "$tmp/nginx/error.log"
fi

echo
echo "took $(($(date +%s) - started)) s on $(nproc) cores; $(psql -tA -d postgres -c 'SHOW server_version') PostgreSQL, $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')"
if [[ $failed -ne 0 ]]; then
	echo "scaleout.sh: some checks FAILED"
	exit 1
fi
echo "scaleout.sh: every check passed"
