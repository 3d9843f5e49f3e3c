#!/usr/bin/env bash
# A/B of jlvs variants against HAProxy on one small-response row, alternating, with fine latency
# percentiles: to tell whether an option of lvsadm --serve helps, with the machine's drift shared.
#
#   benchmarks/harness/proxy-ab.sh ROUNDS THREADS ROW "lvsadm options" ["lvsadm options" ...]
#
# ROW: keepalive | newconn | paced (a new connection per request, 1 ms think time per request).
# Each variant is one lvsadm --serve JVM with the given options (e.g. "--loop-policy other"; words
# that start with -X or -D go to the JVM instead, e.g. "-Xmn1g");
# HAProxy (mode tcp, nbthread THREADS) and every variant serve nginx on loopback, only the one
# measured runs (the others are stopped with SIGSTOP, as in nat-vs-haproxy.sh). Each round runs
# wrk -t1 -c50 for 10 s once per target. Prints every run, then per target the medians of
# requests/s and of the percentiles (µs), and the median per-round ratio to HAProxy, and the CPU
# time per request (µs, from /proc/PID/stat) of the proxy measured, of nginx's worker and of wrk,
# and the scheduler's view of the proxy (summed over its threads): its run-queue wait per request
# (µs, /proc/PID/task/*/schedstat) and how often it was preempted per 1000 requests (involuntary
# context switches, /proc/PID/task/*/status).
# Needs what nat-vs-haproxy.sh needs (nginx-light, haproxy, wrk) and a built tree.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benchmarks/harness/servers.sh
ROUNDS=${1:?rounds}; THREADS=${2:?threads}; ROW=${3:?row}; shift 3
[ $# -ge 1 ] || { echo "give at least one variant's lvsadm options (\"\" for the defaults)" >&2; exit 2; }
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
for tool in nginx haproxy wrk; do command -v $tool >/dev/null || { echo "missing $tool: apt-get install -y nginx-light haproxy wrk" >&2; exit 2; }; done
[ -f lvs-examples/target/lvsadm.jar ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 2; }
case $ROW in keepalive|newconn|paced) ;; *) echo "ROW must be keepalive, newconn or paced" >&2; exit 2 ;; esac

# every port this run binds must be free: the listeners use SO_REUSEPORT, so a leftover (say, a
# stopped lvsadm) on a variant's port would silently take half of that variant's connections
for p in $(seq 18080 $((18081 + $#))); do
  ! ss -Htln "sport = :$p" | grep -q . || { echo "port $p is in use (another harness running, or a stopped lvsadm?)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/jlvs-ab.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/www"
head -c 128 /dev/zero | tr '\0' 'x' > "$WORK/www/small"
write_nginx_conf "$WORK"
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)
write_haproxy_cfg "$WORK" "$THREADS"
haproxy -f "$WORK/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!)
declare -A PID=([18081]=$!) NAME=([18081]=haproxy)
PORTS=(18081)
port=18082
for opts in "$@"; do
  # words starting with -X or -D are the JVM's (e.g. "-Xmn1g"), the rest lvsadm's
  jvm=(); lvs=()
  for w in $opts; do case $w in -X*|-D*) jvm+=("$w") ;; *) lvs+=("$w") ;; esac; done
  printf -- '-A -t 127.0.0.1:%s -s rr\n-a -t 127.0.0.1:%s -r 127.0.0.1:18080 -m\n' $port $port > "$WORK/r$port.rules"
  # shellcheck disable=SC2086 # the options are words
  "$JAVA" -XX:+UseParallelGC "${jvm[@]}" -jar lvs-examples/target/lvsadm.jar --serve "$WORK/r$port.rules" --threads "$THREADS" "${lvs[@]}" \
      > "$WORK/j$port.log" 2>&1 & PIDS+=($!)
  PID[$port]=$!; NAME[$port]="jlvs ${opts:-(defaults)}"; PORTS+=($port)
  port=$((port + 1))
done
sleep 4
NGINX_WORKER=$(pgrep -P "${PIDS[0]}" | head -1)
# user + system CPU time of a process, in clock ticks
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# the scheduler's view of a process, summed over its threads: nanoseconds spent waiting in the run
# queue (schedstat's second field), and involuntary context switches (preemptions)
waited() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{w += $2} END {printf "%.0f\n", w}'; }
preempted() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^nonvoluntary_ctxt_switches/ {s += $2} END {print s + 0}'; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
TIMEFORMAT='%U %S' # what bash's time prints: wrk's user and system CPU seconds

only() { local q; for q in "${PORTS[@]}"; do if [ "$q" = "$1" ]; then kill -CONT "${PID[$q]}"; else kill -STOP "${PID[$q]}"; fi; done; sleep 0.2; }
# the percentiles (µs) from wrk's Lua done(); the paced row adds a 1 ms think time (delay(), not in the latency)
cat > "$WORK/lat.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("pct %d %d %d %d %d %.0f\n", latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency:percentile(99.99), latency.mean))
end
LUA
cp "$WORK/lat.lua" "$WORK/paced.lua"; echo 'function delay() return 1 end' >> "$WORK/paced.lua"
args=(-t1 -c50 -d10s -s "$WORK/lat.lua")
[ "$ROW" = keepalive ] || args+=(-H "Connection: close")
[ "$ROW" = paced ] && args=(-t1 -c50 -d10s -H "Connection: close" -s "$WORK/paced.lua")

# JIT warm-up of every jlvs variant: 5 s keep-alive and 5 s new connections
for p in "${PORTS[@]:1}"; do
  only "$p"
  wrk -t1 -c50 -d5s "http://127.0.0.1:$p/small" >/dev/null 2>&1
  wrk -t1 -c50 -d5s -H "Connection: close" "http://127.0.0.1:$p/small" >/dev/null 2>&1
done

: > "$WORK/runs"
for r in $(seq "$ROUNDS"); do
  for p in "${PORTS[@]}"; do
    only "$p"
    t0=$(ticks "${PID[$p]}"); n0=$(ticks "$NGINX_WORKER"); w0=$(waited "${PID[$p]}"); v0=$(preempted "${PID[$p]}")
    { time wrk "${args[@]}" "http://127.0.0.1:$p/small" > "$WORK/out" 2>&1; } 2> "$WORK/time"
    t1=$(ticks "${PID[$p]}"); n1=$(ticks "$NGINX_WORKER"); w1=$(waited "${PID[$p]}"); v1=$(preempted "${PID[$p]}")
    out=$(cat "$WORK/out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    cpu=$(awk -v r="$rps" -v t=$((t1 - t0)) -v n=$((n1 - n0)) -v u=$TICK_US -v w="$(cat "$WORK/time")" \
        -v q="$w1" -v q0="$w0" -v v=$((v1 - v0)) \
        'BEGIN { split(w, c, " "); printf "%.1f %.1f %.1f %.2f %.2f", t * u / (r * 10), n * u / (r * 10), (c[1] + c[2]) * 1e6 / (r * 10),
                 (q - q0) / 1000 / (r * 10), v * 1000 / (r * 10) }')
    line="$r $p $rps $(awk '$1=="pct" {$1=""; print}' <<<"$out") $cpu"
    echo "$line" | tee -a "$WORK/runs" | awk '{printf "round %s port %s: %s req/s, p50 %s p90 %s p99 %s p99.9 %s p99.99 %s mean %s us; CPU per request: proxy %s nginx %s wrk %s us; proxy run-queue wait %s us/request, preempted %s times/1000 requests\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14}'
  done
done

echo "$ROW, $THREADS thread(s), $ROUNDS rounds of 10 s; medians (latency in us; CPU per request in us: proxy, nginx, wrk; the proxy's run-queue wait in us per request and preemptions per 1000 requests):"
for p in "${PORTS[@]}"; do
  awk -v p="$p" -v name="${NAME[$p]}" '
    function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                   return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    $2 == 18081 { h[$1] = $3 }
    $2 == p { n++; rps[n] = $3; p50[n] = $4; p90[n] = $5; p99[n] = $6; p999[n] = $7; mean[n] = $9; rat[n] = $3 / h[$1]
              cp[n] = $10; cn[n] = $11; cw[n] = $12; qw[n] = $13; pe[n] = $14 }
    END { printf "%-40s %9.0f req/s  p50 %5d  p90 %5d  p99 %5d  p99.9 %6d  mean %5d  ratio %.3f  CPU/req %.1f %.1f %.1f  wait %.2f  preempt %.2f\n",
          name, med(rps, n), med(p50, n), med(p90, n), med(p99, n), med(p999, n), med(mean, n), med(rat, n),
          med(cp, n), med(cn, n), med(cw, n), med(qw, n), med(pe, n) }' "$WORK/runs"
done
