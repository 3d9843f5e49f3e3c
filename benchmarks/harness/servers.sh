# Sourced by the harness scripts: the real server (nginx) and HAProxy, configured alike in all.
# Each function writes its configuration into the work directory given as $1.

# nginx, one worker, serving $1/www on 127.0.0.1:18080
write_nginx_conf() {
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:18080 backlog=4096; root $1/www; }
}
CONF
}

# HAProxy in mode tcp with $2 threads: 127.0.0.1:18081 -> nginx; $3: more lines for the global
# section; $4: more sections
write_haproxy_cfg() {
  cat > "$1/haproxy.cfg" <<CONF
global
  nbthread $2
  ${3:-}
  maxconn 9000   # fds = 2 x maxconn + extra; the hard limit here is 20000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen web
  bind 127.0.0.1:18081
  server nginx 127.0.0.1:18080
${4:-}
CONF
}
