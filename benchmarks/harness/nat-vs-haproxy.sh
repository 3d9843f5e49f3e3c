#!/usr/bin/env bash
# jlvs NAT vs HAProxy (mode tcp) vs direct, in one run, alternating, on loopback.
#
#   benchmarks/harness/nat-vs-haproxy.sh [seconds-per-run] [threads] [pairs]   (defaults 10, 1, 3)
#
# threads: event-loop threads of jlvs and HAProxy's nbthread alike (the same CPU budget).
# pairs: alternating HAProxy/jlvs runs per row; medians are reported.
# JLVS_OPTS (environment): more lvsadm --serve options for jlvs, e.g. JLVS_OPTS="--busy-poll 200" or
#   JLVS_OPTS="--coalesce 0" (event coalescing off; it is on by default);
# HAPROXY_GLOBAL (environment): more lines for HAProxy's global section, e.g. HAPROXY_GLOBAL="busy-polling".
#
# Needs nginx-light, haproxy, wrk and iperf3 from Debian's packages
# (apt-get install -y nginx-light haproxy wrk iperf3) and a built tree
# (mvn -B -q package -DskipTests). Everything listens on 127.0.0.1 only and stops by itself.
# Prints one table: median requests/s (or Gbit/s), median p99 latency, every run, and the
# median jlvs/HAProxy ratio per row. Rows: 128 B on keep-alive connections (wrk -c50), 128 B with a
# new connection per request (saturated, then paced by a 1 ms think time per request: wrk does
# not count connection set-up in latency, so at saturation a proxy that accepts faster has more
# requests in flight inside the measured window), 1 MiB responses (wrk -c8), iperf3 bulk.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benchmarks/harness/servers.sh
DUR=${1:-10}
THREADS=${2:-1}
PAIRS=${3:-3}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
missing=""
for tool in nginx haproxy wrk iperf3 curl; do command -v $tool >/dev/null || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  echo "missing:$missing — install with: apt-get install -y nginx-light haproxy wrk iperf3 curl" >&2
  exit 2
fi
[ -f lvs-examples/target/lvsadm.jar ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 2; }

# the ports must be free: jlvs listens with SO_REUSEPORT, so a leftover listener (say, a stopped
# lvsadm) would silently take a share of the measured connections
for p in 18080 18081 18082 15201 15202 15203; do
  ! ss -Htln "sport = :$p" | grep -q . || { echo "port $p is in use (another harness running, or a stopped lvsadm?)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/jlvs-harness.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as www-data
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$WORK"; }
trap cleanup EXIT

# --- nginx: the real server (128-byte and 1 MiB files) on 127.0.0.1:18080
mkdir -p "$WORK/www"
head -c 128 /dev/zero | tr '\0' 'x' > "$WORK/www/small"
head -c 1048576 /dev/urandom > "$WORK/www/big"
write_nginx_conf "$WORK"
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)

# --- iperf3 server on 127.0.0.1:15201
iperf3 -s -B 127.0.0.1 -p 15201 >/dev/null 2>&1 & PIDS+=($!)

# --- HAProxy, mode tcp, THREADS threads: :18081 -> nginx, :15202 -> iperf3
write_haproxy_cfg "$WORK" "$THREADS" "${HAPROXY_GLOBAL:-}" "listen bulk
  bind 127.0.0.1:15202
  server iperf 127.0.0.1:15201"
haproxy -f "$WORK/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!)
declare -A PID=([haproxy]=$!)

# --- jlvs: lvsadm serving NAT rules for real: :18082 -> nginx, :15203 -> iperf3
cat > "$WORK/jlvs.rules" <<CONF
-A -t 127.0.0.1:18082 -s rr
-a -t 127.0.0.1:18082 -r 127.0.0.1:18080 -m
-A -t 127.0.0.1:15203 -s rr
-a -t 127.0.0.1:15203 -r 127.0.0.1:15201 -m
CONF
"$JAVA" -XX:+UseParallelGC -jar lvs-examples/target/lvsadm.jar --serve "$WORK/jlvs.rules" --threads "$THREADS" ${JLVS_OPTS:-} > "$WORK/jlvs.log" 2>&1 & PIDS+=($!)
PID[jlvs]=$!
sleep 3

# Everything runs in this script's session: with sched_autogroup_enabled=1, processes started in
# different sessions are scheduled as different groups, which changes the result.
# Only the proxy under test runs; the other is stopped (SIGSTOP) meanwhile, so that neither its
# timers nor a busy-polling loop take CPU from the run (direct runs stop both).
only() { # direct | haproxy | jlvs
  for p in haproxy jlvs; do
    if [ "$1" = "$p" ]; then kill -CONT "${PID[$p]}"; else kill -STOP "${PID[$p]}"; fi
  done
  sleep 0.2
}

declare -A PORT=([direct]=18080 [haproxy]=18081 [jlvs]=18082)
declare -A BULK=([direct]=15201 [haproxy]=15202 [jlvs]=15203)

# every target must serve both files byte-exact before anything is measured
for target in direct haproxy jlvs; do
  for f in small big; do
    got=$(curl -s -o "$WORK/got" -w '%{http_code} %{size_download}' "http://127.0.0.1:${PORT[$target]}/$f" || true)
    want="200 $(stat -c %s "$WORK/www/$f")"
    if [ "$got" != "$want" ] || ! cmp -s "$WORK/got" "$WORK/www/$f"; then
      echo "$target /$f answered '$got', expected '$want' byte-exact — not measuring" >&2
      exit 1
    fi
  done
done

# A think time of 1 ms before each request (wrk's delay() hook; wrk starts a request's clock when
# it writes it, so the pause is not in the latency): the paced row compares latency below saturation.
echo 'function delay() return 1 end' > "$WORK/think.lua"

wrk_run() { # target path conns extra-header [wrk script]
  local out
  local args=(-t1 -c"$3" -d"${DUR}s" --latency)
  [ -n "$4" ] && args+=(-H "$4")
  [ -n "${5:-}" ] && args+=(-s "$5")
  out=$(wrk "${args[@]}" "http://127.0.0.1:${PORT[$1]}/$2" 2>&1)
  local rps bps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  bps=$(awk '/Transfer\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $bps $p99"
}

# JIT warm-up: a JVM serves its first connections through the interpreter; give jlvs 5 s of each
# small row first, as a server that has been running (not reported)
only jlvs
wrk -t1 -c50 -d5s "http://127.0.0.1:${PORT[jlvs]}/small" >/dev/null 2>&1
wrk -t1 -c50 -d5s -H "Connection: close" "http://127.0.0.1:${PORT[jlvs]}/small" >/dev/null 2>&1

# wrk's p99 in ms, whatever unit it printed
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print v }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Each row: direct once, then PAIRS alternating HAProxy/jlvs pairs; the table shows the median of
# each target over its runs, and the median of the per-pair ratios (robust to one noisy run).
printf '%-20s %-8s %16s %10s   %s\n' case target "median" "p99 ms" "runs"
for case in small-keepalive small-newconn small-newconn-paced big; do
  declare -A RUNS=() P99=()
  ratios=""
  for i in $(seq 0 "$PAIRS"); do
    for target in direct haproxy jlvs; do
      [ "$i" = 0 ] && [ "$target" != direct ] && continue
      [ "$i" != 0 ] && [ "$target" = direct ] && continue
      only "$target"
      case $case in
        small-keepalive) res=$(wrk_run $target small 50 "") ;;
        small-newconn)   res=$(wrk_run $target small 50 "Connection: close") ;;
        small-newconn-paced) res=$(wrk_run $target small 50 "Connection: close" "$WORK/think.lua") ;;
        big)             res=$(wrk_run $target big 8 "") ;;
      esac
      read -r rps _ p99 <<<"$res"
      RUNS[$target]="${RUNS[$target]:-} $rps"
      P99[$target]="${P99[$target]:-} $(to_ms "$p99")"
    done
    if [ "$i" != 0 ]; then
      h=$(awk '{print $NF}' <<<"${RUNS[haproxy]}"); j=$(awk '{print $NF}' <<<"${RUNS[jlvs]}")
      ratios="$ratios $(awk -v a="$j" -v b="$h" 'BEGIN{printf "%.3f", a/b}')"
    fi
  done
  for target in direct haproxy jlvs; do
    printf '%-20s %-8s %12s r/s %10s   %s\n' "$case" "$target" "$(median <<<"${RUNS[$target]:-}")" \
      "$(median <<<"${P99[$target]:-}")" "${RUNS[$target]# }"
  done
  printf '%-20s %-8s %15sx %10s   %s\n' "$case" "ratio" "$(median <<<"$ratios")" "" "${ratios# }"
done
declare -A BULKRUNS=()
ratios=""
for i in $(seq 0 "$PAIRS"); do
  for target in direct haproxy jlvs; do
    [ "$i" = 0 ] && [ "$target" != direct ] && continue
    [ "$i" != 0 ] && [ "$target" = direct ] && continue
    only "$target"
    g=$(iperf3 -c 127.0.0.1 -p "${BULK[$target]}" -t "$DUR" -f g 2>/dev/null | awk '/receiver/ {print $(NF-2)}')
    BULKRUNS[$target]="${BULKRUNS[$target]:-} $g"
  done
  if [ "$i" != 0 ]; then
    h=$(awk '{print $NF}' <<<"${BULKRUNS[haproxy]}"); j=$(awk '{print $NF}' <<<"${BULKRUNS[jlvs]}")
    ratios="$ratios $(awk -v a="$j" -v b="$h" 'BEGIN{printf "%.3f", a/b}')"
  fi
done
for target in direct haproxy jlvs; do
  printf '%-20s %-8s %11s Gb/s %10s   %s\n' "iperf3-bulk" "$target" "$(median <<<"${BULKRUNS[$target]:-}")" "" "${BULKRUNS[$target]# }"
done
printf '%-20s %-8s %15sx %10s   %s\n' "iperf3-bulk" "ratio" "$(median <<<"$ratios")" "" "${ratios# }"
