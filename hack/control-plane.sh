#!/usr/bin/env bash
# Runs a test control plane: etcd and kube-apiserver on free 127.0.0.1 ports,
# with RBAC authorization, an audit log and client certificates for an admin
# and for the operator under test (both in system:masters).
#
#   control-plane.sh up STATE_DIR              start both, write STATE_DIR/env and kubeconfigs
#   control-plane.sh down STATE_DIR            stop both
#   control-plane.sh stop-apiserver STATE_DIR  kill only the apiserver (etcd keeps the data)
#   control-plane.sh start-apiserver STATE_DIR start it again on the same port
#
# Processes are stopped by the PIDs recorded in STATE_DIR, never by name.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:?usage: control-plane.sh up|down|stop-apiserver|start-apiserver STATE_DIR}
STATE=${2:?state directory required}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # url, seconds, curl args...
  local url=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    if curl -fsS "$@" "$url" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

stop_pid() { # pidfile
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

make_pki() {
  local pki=$STATE/pki
  [ -f "$pki/operator.crt" ] && return 0
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj '/CN=image-security-operator-test-ca' 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout serving.key -out serving.csr \
      -subj '/CN=kube-apiserver' 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >serving.ext
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
      -extfile serving.ext -out serving.crt 2>/dev/null
    for user in admin operator; do
      openssl req -newkey rsa:2048 -nodes -keyout "$user.key" -out "$user.csr" \
        -subj "/O=system:masters/CN=$user" 2>/dev/null
      printf 'extendedKeyUsage=clientAuth\n' >client.ext
      openssl x509 -req -in "$user.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile client.ext -out "$user.crt" 2>/dev/null
    done
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

write_kubeconfig() { # user
  local user=$1 port
  port=$(cat "$STATE/apiserver.port")
  cat >"$STATE/$user.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $STATE/pki/ca.crt
users:
- name: $user
  user:
    client-certificate: $STATE/pki/$user.crt
    client-key: $STATE/pki/$user.key
contexts:
- name: $user
  context: {cluster: test, user: $user}
current-context: $user
KC
}

start_etcd() {
  local port
  port=$(free_port)
  echo "$port" >"$STATE/etcd.port"
  "$BIN/etcd" --data-dir "$STATE/etcd-data" --name test \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls http://127.0.0.1:0 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster test=http://127.0.0.1:2380 --unsafe-no-fsync \
    >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"
  wait_for "http://127.0.0.1:$port/health" 30 || { tail -n 20 "$STATE/etcd.log" >&2; exit 1; }
}

start_apiserver() {
  local port etcd_port pki=$STATE/pki
  [ -f "$STATE/apiserver.port" ] || free_port >"$STATE/apiserver.port"
  port=$(cat "$STATE/apiserver.port")
  etcd_port=$(cat "$STATE/etcd.port")
  cat >"$STATE/audit-policy.yaml" <<AP
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
AP
  "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$pki/serving.crt" --tls-private-key-file "$pki/serving.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-issuer "https://127.0.0.1:$port/" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 \
    --authorization-mode RBAC \
    --disable-admission-plugins ServiceAccount \
    --min-request-timeout 30 \
    --audit-policy-file "$STATE/audit-policy.yaml" --audit-log-path "$STATE/audit.log" \
    --audit-log-mode blocking --audit-log-format json \
    >>"$STATE/apiserver.log" 2>&1 &
  echo $! >"$STATE/apiserver.pid"
  wait_for "https://127.0.0.1:$port/readyz" 60 --cacert "$pki/ca.crt" \
    --cert "$pki/admin.crt" --key "$pki/admin.key" || { tail -n 30 "$STATE/apiserver.log" >&2; exit 1; }
}

case $CMD in
  up)
    if [ -f "$STATE/apiserver.pid" ] && kill -0 "$(cat "$STATE/apiserver.pid")" 2>/dev/null; then
      echo "control plane already running in $STATE" >&2
      exit 0
    fi
    BIN=$("$ROOT/hack/build-control-plane.sh")
    echo "$BIN" >"$STATE/bin-dir"
    # a fresh start: no data or audit entries from an earlier run
    stop_pid "$STATE/etcd.pid"
    rm -rf "$STATE/etcd-data" "$STATE/audit.log" "$STATE/apiserver.log" "$STATE/apiserver.port"
    make_pki
    start_etcd
    start_apiserver
    write_kubeconfig admin
    write_kubeconfig operator
    echo "control plane up: https://127.0.0.1:$(cat "$STATE/apiserver.port") (state in $STATE)" >&2
    ;;
  down)
    stop_pid "$STATE/apiserver.pid"
    stop_pid "$STATE/etcd.pid"
    ;;
  stop-apiserver)
    stop_pid "$STATE/apiserver.pid"
    ;;
  start-apiserver)
    BIN=$(cat "$STATE/bin-dir")
    start_apiserver
    ;;
  *)
    echo "unknown command $CMD; use up, down, stop-apiserver or start-apiserver" >&2
    exit 2
    ;;
esac
