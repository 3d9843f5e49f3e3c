#!/usr/bin/env bash
# jlvs NAT vs HAProxy (mode tcp) vs direct, in one run, alternating, on loopback.
#
#   benchmarks/harness/nat-vs-haproxy.sh [seconds-per-run] [threads]   (defaults 10, 1)
#
# threads: event-loop threads of jlvs and HAProxy's nbthread alike (the same CPU budget).
#
# Needs nginx-light, haproxy, wrk and iperf3 from Debian's packages
# (apt-get install -y nginx-light haproxy wrk iperf3) and a built tree
# (mvn -B -q package -DskipTests). Everything listens on 127.0.0.1 only and stops by itself.
# Prints one table: requests/s (or Gbit/s), p99 latency, and the jlvs/HAProxy ratio per row.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${1:-10}
THREADS=${2:-1}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
missing=""
for tool in nginx haproxy wrk iperf3 curl; do command -v $tool >/dev/null || missing="$missing $tool"; done
if [ -n "$missing" ]; then
  echo "missing:$missing — install with: apt-get install -y nginx-light haproxy wrk iperf3 curl" >&2
  exit 2
fi
[ -f lvs-examples/target/lvsadm.jar ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 2; }

WORK=$(mktemp -d /tmp/jlvs-harness.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as www-data
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$WORK"; }
trap cleanup EXIT

# --- nginx: the real server (128-byte and 1 MiB files) on 127.0.0.1:18080
mkdir -p "$WORK/www"
head -c 128 /dev/zero | tr '\0' 'x' > "$WORK/www/small"
head -c 1048576 /dev/urandom > "$WORK/www/big"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:18080 backlog=4096; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK" & PIDS+=($!)

# --- iperf3 server on 127.0.0.1:15201
iperf3 -s -B 127.0.0.1 -p 15201 >/dev/null 2>&1 & PIDS+=($!)

# --- HAProxy, mode tcp, THREADS threads: :18081 -> nginx, :15202 -> iperf3
cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread $THREADS
  maxconn 9000   # fds = 2 x maxconn + extra; the hard limit here is 20000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen web
  bind 127.0.0.1:18081
  server nginx 127.0.0.1:18080
listen bulk
  bind 127.0.0.1:15202
  server iperf 127.0.0.1:15201
CONF
haproxy -f "$WORK/haproxy.cfg" -db >/dev/null 2>&1 & PIDS+=($!)

# --- jlvs: lvsadm serving NAT rules for real: :18082 -> nginx, :15203 -> iperf3
cat > "$WORK/jlvs.rules" <<CONF
-A -t 127.0.0.1:18082 -s rr
-a -t 127.0.0.1:18082 -r 127.0.0.1:18080 -m
-A -t 127.0.0.1:15203 -s rr
-a -t 127.0.0.1:15203 -r 127.0.0.1:15201 -m
CONF
"$JAVA" -XX:+UseParallelGC -jar lvs-examples/target/lvsadm.jar --serve "$WORK/jlvs.rules" --threads "$THREADS" > "$WORK/jlvs.log" 2>&1 & PIDS+=($!)
sleep 3

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

wrk_run() { # target path conns extra-header
  local out
  if [ -n "$4" ]; then
    out=$(wrk -t1 -c"$3" -d"${DUR}s" --latency -H "$4" "http://127.0.0.1:${PORT[$1]}/$2" 2>&1)
  else
    out=$(wrk -t1 -c"$3" -d"${DUR}s" --latency "http://127.0.0.1:${PORT[$1]}/$2" 2>&1)
  fi
  local rps bps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  bps=$(awk '/Transfer\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $bps $p99"
}

printf '%-34s %-8s %14s %14s %10s\n' case target result transfer p99
declare -A R
for case in small-keepalive small-newconn big; do
  for target in direct haproxy jlvs haproxy jlvs; do   # alternate; the last pair is kept
    case $case in
      small-keepalive) res=$(wrk_run $target small 50 "") ;;
      small-newconn)   res=$(wrk_run $target small 50 "Connection: close") ;;
      big)             res=$(wrk_run $target big 8 "") ;;
    esac
    R[$case,$target]="$res"
  done
  for target in direct haproxy jlvs; do
    read -r rps bps p99 <<<"${R[$case,$target]}"
    printf '%-34s %-8s %14s %14s %10s\n' "$case" "$target" "$rps req/s" "$bps" "$p99"
  done
  read -r hr _ hp <<<"${R[$case,haproxy]}"
  read -r jr _ jp <<<"${R[$case,jlvs]}"
  printf '%-34s %-8s %14s\n' "$case" "ratio" "$(awk -v a="$jr" -v b="$hr" 'BEGIN{printf "%.2fx", a/b}')"
done
for target in direct haproxy jlvs; do
  g=$(iperf3 -c 127.0.0.1 -p "${BULK[$target]}" -t "$DUR" -f g 2>/dev/null | awk '/receiver/ {print $(NF-2)}')
  R[bulk,$target]=$g
  printf '%-34s %-8s %14s\n' "iperf3 bulk" "$target" "$g Gbit/s"
done
printf '%-34s %-8s %14s\n' "iperf3 bulk" "ratio" "$(awk -v a="${R[bulk,jlvs]}" -v b="${R[bulk,haproxy]}" 'BEGIN{printf "%.2fx", a/b}')"
