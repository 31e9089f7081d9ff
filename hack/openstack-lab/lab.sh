#!/usr/bin/env bash
# Runs Keystone, Glance and Barbican from Debian 12's packages on 127.0.0.1 for
# the integration tests. Each service is a uwsgi master with one worker, backed
# by sqlite, and all state (config, databases, image files, logs, PID files)
# lives in one state folder outside the repository.
#
#   lab.sh up [STATE_DIR]              build the lab if needed, then start it
#   lab.sh down [STATE_DIR]            stop the three services by recorded PID
#   lab.sh status [STATE_DIR]          print each service's PID and port
#   lab.sh env [STATE_DIR]             print the env file (endpoints, credentials)
#   lab.sh restart-glance [STATE_DIR]  restart Glance after a protections change
#
# STATE_DIR defaults to $HOME/.cache/image-security-operator/openstack-lab.
# Ports: 15000 (Keystone), 19292 (Glance) and 19311 (Barbican) when free,
# otherwise free ports that the kernel assigns. The ports are kept in the state
# folder, and a later `up` reuses the built lab when those ports are still free.
# Needs the packages from install.sh. Runs as the invoking user.
set -euo pipefail

COMMAND=${1:-}
LAB=${2:-${OSLAB_STATE_DIR:-$HOME/.cache/image-security-operator/openstack-lab}}
HOST=127.0.0.1
SERVICES="keystone glance barbican"
# Debian's OpenStack modules are in /usr/lib/python3/dist-packages, which a
# pyenv or venv python3 earlier on PATH cannot import.
PY=/usr/bin/python3
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

log() { printf '[openstack-lab %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# ------------------------------------------------------------------ ports

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

# Prints the preferred port when nothing listens on it, else a free port.
pick_port() {
  if ! port_in_use "$1"; then
    echo "$1"
    return
  fi
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

load_ports() {
  # shellcheck disable=SC1091
  . "$LAB/ports.env"
  KEYSTONE_URL="http://$HOST:$KEYSTONE_PORT"
  GLANCE_URL="http://$HOST:$GLANCE_PORT"
  BARBICAN_URL="http://$HOST:$BARBICAN_PORT"
}

service_port() {
  case $1 in
  keystone) echo "$KEYSTONE_PORT" ;;
  glance) echo "$GLANCE_PORT" ;;
  barbican) echo "$BARBICAN_PORT" ;;
  esac
}

# ------------------------------------------------------------------ processes

# A process counts as running when it exists and is not a zombie. A container
# PID 1 may reap a stopped uwsgi master late, and `kill -0` succeeds on a zombie.
is_running() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && ! awk '{ exit !($3 == "Z") }' "/proc/$1/stat"
}

recorded_pid() { cat "$LAB/run/$1.pid" 2>/dev/null || true; }

# Succeeds when the service responds to HTTP on its port (the version document, or
# 401 from Barbican's authenticated root).
responds_http() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HOST:$(service_port "$1")/" || true)
  case $code in 2?? | 3?? | 401) return 0 ;; *) return 1 ;; esac
}

start_service() {
  local service=$1 port started pid i
  port=$(service_port "$service")
  if is_running "$(recorded_pid "$service")"; then
    return 0
  fi
  port_in_use "$port" && die "port $port for $service is in use by another process; run: $0 down $LAB, or remove $LAB to pick new ports"

  started=$(now)
  rm -f "$LAB/run/$service.pid"
  # setsid detaches uwsgi from this shell, so it outlives the caller. uwsgi
  # must not inherit the lock descriptor 9, or the lock would outlive lab.sh.
  (cd "$LAB/$service" && exec setsid /usr/bin/uwsgi --ini uwsgi.ini </dev/null >>"$LAB/logs/$service-uwsgi.log" 2>&1 9>&-) &

  for ((i = 0; i < 600; i++)); do
    responds_http "$service" && break
    pid=$(recorded_pid "$service")
    if ((i > 20)) && ! is_running "$pid"; then
      break
    fi
    sleep 0.1
  done
  if ! responds_http "$service"; then
    tail -n 30 "$LAB/logs/$service-uwsgi.log" >&2 || true
    die "$service did not respond on $HOST:$port within 60 s; log: $LAB/logs/$service-uwsgi.log"
  fi
  log "$service started on $HOST:$port (pid $(recorded_pid "$service")) in $(elapsed "$started")"
}

stop_service() {
  local service=$1 pid worker i
  pid=$(recorded_pid "$service")
  if ! is_running "$pid"; then
    rm -f "$LAB/run/$service.pid"
    return 0
  fi
  # die-on-term makes the master stop its workers on SIGTERM.
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    is_running "$pid" || break
    sleep 0.1
  done
  if is_running "$pid"; then
    log "$service (pid $pid) still running 10 s after SIGTERM, sending SIGKILL to it and its workers"
    for worker in $(pgrep -P "$pid" || true); do kill -KILL "$worker" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for ((i = 0; i < 50; i++)); do
    port_in_use "$(service_port "$service")" || break
    sleep 0.1
  done
  rm -f "$LAB/run/$service.pid"
  log "$service stopped (pid $pid)"
}

# ------------------------------------------------------------------ config files

# Writes a uwsgi ini: service, port, WSGI script, env line, worker count, extra lines.
write_uwsgi_ini() {
  cat >"$LAB/$1/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = $HOST:$2
master = true
processes = $5
# oslo.db with sqlite leaves locked connections behind when a worker has
# several threads, so each worker serves one request at a time.
threads = 1
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
need-app = true
buffer-size = 65535
# uwsgi's http-socket closes the connection after each response.
add-header = Connection: close
chdir = $LAB/$1
wsgi-file = $3
env = $4
pidfile = $LAB/run/$1.pid
logto = $LAB/logs/$1-uwsgi.log
$6
EOF
}

sqlite_url() { echo "sqlite:///$1?check_same_thread=False"; }

# WAL mode is stored in the database file. It lets readers run during a write,
# which avoids the "database is locked" errors seen with the default journal.
enable_wal() { sqlite3 "$1" 'PRAGMA journal_mode=WAL;' >/dev/null; }

write_keystone_config() {
  local dir=$LAB/keystone
  mkdir -p "$dir"
  cat >"$dir/keystone.conf" <<EOF
[DEFAULT]
log_dir = $LAB/logs
log_file = keystone.log
[database]
connection = $(sqlite_url "$dir/keystone.db")
[token]
provider = fernet
[fernet_tokens]
key_repository = $dir/fernet-keys
[fernet_receipts]
key_repository = $dir/fernet-keys
[credential]
key_repository = $dir/credential-keys
[cache]
# Without a cache a token validation took about 250 ms on a 2-core machine (measured).
enabled = true
backend = dogpile.cache.memory
EOF
  # One worker keeps the in-memory cache coherent after role changes.
  write_uwsgi_ini keystone "$KEYSTONE_PORT" /usr/bin/keystone-wsgi-public \
    "OS_KEYSTONE_CONFIG_DIR=$dir" 1 ""
}

write_glance_config() {
  local dir=$LAB/glance
  mkdir -p "$dir/images" "$dir/staging" "$dir/tasks" "$dir/locks"
  cp /etc/glance/glance-api-paste.ini "$dir/"
  cat >"$dir/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $HOST
bind_port = $GLANCE_PORT
log_dir = $LAB/logs
log_file = glance.log
property_protection_file = $dir/property-protections.conf
property_protection_rule_format = roles
node_staging_uri = file://$dir/staging
# Glance refuses to start unless this equals [oslo_policy] enforce_new_defaults.
enforce_secure_rbac = false
[database]
connection = $(sqlite_url "$dir/glance.db")
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $dir/images
[os_glance_staging_store]
filesystem_store_datadir = $dir/staging
[os_glance_tasks_store]
filesystem_store_datadir = $dir/tasks
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $GLANCE_SERVICE_PASSWORD
region_name = RegionOne
[paste_deploy]
flavor = keystone
[oslo_policy]
policy_file = $dir/policy.yaml
enforce_new_defaults = false
enforce_scope = false
# Uploads that carry all four img_signature* properties are verified by
# cursive, which fetches the certificate from Barbican with the caller's token.
[key_manager]
backend = barbican
[barbican]
barbican_endpoint = $BARBICAN_URL
auth_endpoint = $KEYSTONE_URL/v3
barbican_endpoint_type = public
[oslo_concurrency]
lock_path = $dir/locks
EOF
  # Glance v2 matches each section name as a regular expression (re.search)
  # against the bare property name, and the first matching section wins.
  cat >"$dir/property-protections.default.conf" <<'EOF'
[^img_signature]
create = admin
read = @
update = admin
delete = admin

[.*]
create = @
read = @
update = @
delete = @
EOF
  cat >"$dir/policy.default.yaml" <<'EOF'
"publicize_image": "role:admin"
EOF
  cp "$dir/property-protections.default.conf" "$dir/property-protections.conf"
  cp "$dir/policy.default.yaml" "$dir/policy.yaml"
  # The chunked-input options let uwsgi pass streamed uploads to Glance.
  write_uwsgi_ini glance "$GLANCE_PORT" /usr/bin/glance-wsgi-api "OS_GLANCE_CONFIG_DIR=$dir" 1 \
    "socket-timeout = 120
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
wsgi-manage-chunked-input = true"
}

write_barbican_config() {
  local dir=$LAB/barbican
  mkdir -p "$dir/home/.barbican"
  # barbican-wsgi-api takes no --config-file option. oslo.config looks for
  # ~/.barbican/barbican.conf before /etc/barbican, so uwsgi sets HOME.
  cat >"$dir/home/.barbican/barbican.conf" <<EOF
[DEFAULT]
host_href = $BARBICAN_URL
sql_connection = $(sqlite_url "$dir/barbican.db")
db_auto_create = false
log_dir = $LAB/logs
log_file = barbican.log
[queue]
enable = false
[keystone_notifications]
enable = false
[secretstore]
namespace = barbican.secretstore.plugin
enabled_secretstore_plugins = store_crypto
[crypto]
namespace = barbican.crypto.plugin
enabled_crypto_plugins = simple_crypto
[simple_crypto_plugin]
kek = $(openssl rand -base64 32)
[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = barbican
password = $BARBICAN_SERVICE_PASSWORD
region_name = RegionOne
[oslo_policy]
# The legacy rules let only admin and the 'creator' role store secrets. The
# new defaults let a project member store and read its project's secrets.
enforce_new_defaults = true
enforce_scope = false
EOF
  write_uwsgi_ini barbican "$BARBICAN_PORT" /usr/bin/barbican-wsgi-api "HOME=$dir/home" 1 ""
}

# The *-manage tools print a harmless eventlet traceback at exit, so their
# output is shown only when they fail.
run_quietly() {
  local output status=0
  output=$("$@" 2>&1) || status=$?
  if [ "$status" != 0 ]; then
    printf '%s\n' "$output" | tail -n 40 >&2
    die "command failed with status $status: $1 $2"
  fi
}

# ------------------------------------------------------------------ keystone seed

ADMIN_TOKEN=""

# Calls the Keystone API as admin: METHOD PATH [JSON]. Prints the body and
# fails on any HTTP status of 400 or more.
keystone_api() {
  local response status body args=()
  [ $# -ge 3 ] && args=(-d "$3")
  response=$(curl -s -w '\n%{http_code}' -X "$1" "$KEYSTONE_URL$2" \
    -H "X-Auth-Token: $ADMIN_TOKEN" -H 'Content-Type: application/json' "${args[@]}")
  status=${response##*$'\n'}
  body=${response%$'\n'*}
  [ "$status" -lt 400 ] || die "Keystone $1 $2 returned $status: $body"
  printf '%s' "$body"
}

create_entity() { keystone_api "$@" | jq -r '.[keys[0]].id'; }

role_id() { keystone_api GET "/v3/roles?name=$1" | jq -r '.roles[0].id'; }

create_user() { # name password project-id
  create_entity POST /v3/users "$(jq -cn --arg n "$1" --arg p "$2" --arg d "$3" \
    '{user: {name: $n, password: $p, domain_id: "default", default_project_id: $d}}')"
}

grant() { keystone_api PUT "/v3/projects/$1/users/$2/roles/$3" >/dev/null; }

seed_keystone() {
  local body role_admin role_member role_reader service demo other user service_id interface
  body=$(jq -cn --arg p "$ADMIN_PASSWORD" '{auth: {identity: {methods: ["password"],
    password: {user: {name: "admin", domain: {id: "default"}, password: $p}}},
    scope: {project: {name: "admin", domain: {id: "default"}}}}}')
  ADMIN_TOKEN=$(curl -sf -D - -o /dev/null -X POST "$KEYSTONE_URL/v3/auth/tokens" \
    -H 'Content-Type: application/json' -d "$body" |
    awk 'tolower($1) == "x-subject-token:" { print $2 }' | tr -d '\r')
  [ -n "$ADMIN_TOKEN" ] || die "Keystone issued no admin token; log: $LAB/logs/keystone.log"

  role_admin=$(role_id admin)
  role_member=$(role_id member)
  role_reader=$(role_id reader)
  ADMIN_PROJECT_ID=$(keystone_api GET '/v3/projects?name=admin' | jq -r '.projects[0].id')
  service=$(create_entity POST /v3/projects '{"project":{"name":"service","domain_id":"default"}}')
  demo=$(create_entity POST /v3/projects '{"project":{"name":"demo","domain_id":"default"}}')
  other=$(create_entity POST /v3/projects '{"project":{"name":"other","domain_id":"default"}}')
  DEMO_PROJECT_ID=$demo
  OTHER_PROJECT_ID=$other
  SERVICE_PROJECT_ID=$service

  user=$(create_user glance "$GLANCE_SERVICE_PASSWORD" "$service")
  grant "$service" "$user" "$role_admin"
  user=$(create_user barbican "$BARBICAN_SERVICE_PASSWORD" "$service")
  grant "$service" "$user" "$role_admin"
  user=$(create_user member "$MEMBER_PASSWORD" "$demo")
  grant "$demo" "$user" "$role_member"
  grant "$demo" "$user" "$role_reader"
  user=$(create_user other-member "$OTHER_MEMBER_PASSWORD" "$other")
  grant "$other" "$user" "$role_member"
  grant "$other" "$user" "$role_reader"

  service_id=$(create_entity POST /v3/services '{"service":{"name":"glance","type":"image"}}')
  for interface in public internal admin; do
    keystone_api POST /v3/endpoints "$(jq -cn --arg s "$service_id" --arg i "$interface" \
      --arg u "$GLANCE_URL" '{endpoint: {service_id: $s, interface: $i, region_id: "RegionOne", url: $u}}')" >/dev/null
  done
  service_id=$(create_entity POST /v3/services '{"service":{"name":"barbican","type":"key-manager"}}')
  for interface in public internal admin; do
    keystone_api POST /v3/endpoints "$(jq -cn --arg s "$service_id" --arg i "$interface" \
      --arg u "$BARBICAN_URL" '{endpoint: {service_id: $s, interface: $i, region_id: "RegionOne", url: $u}}')" >/dev/null
  done
}

# ------------------------------------------------------------------ client files

write_cloud_entry() { # entry user password project
  cat <<EOF
  $1:
    auth:
      auth_url: $KEYSTONE_URL/v3
      username: $2
      password: $3
      project_name: $4
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
}

write_client_files() {
  {
    echo "clouds:"
    write_cloud_entry admin admin "$ADMIN_PASSWORD" admin
    write_cloud_entry member member "$MEMBER_PASSWORD" demo
    write_cloud_entry other-member other-member "$OTHER_MEMBER_PASSWORD" other
  } >"$LAB/clouds.yaml"
  chmod 600 "$LAB/clouds.yaml"

  # KEY=value lines without quotes: both `source` and the test helpers read it.
  cat >"$LAB/lab.env" <<EOF
OSLAB_STATE_DIR=$LAB
OS_CLIENT_CONFIG_FILE=$LAB/clouds.yaml
OSLAB_KEYSTONE_URL=$KEYSTONE_URL/v3
OSLAB_GLANCE_URL=$GLANCE_URL
OSLAB_BARBICAN_URL=$BARBICAN_URL
OSLAB_REGION=RegionOne
OSLAB_ADMIN_USER=admin
OSLAB_ADMIN_PASSWORD=$ADMIN_PASSWORD
OSLAB_ADMIN_PROJECT=admin
OSLAB_ADMIN_PROJECT_ID=$ADMIN_PROJECT_ID
OSLAB_MEMBER_USER=member
OSLAB_MEMBER_PASSWORD=$MEMBER_PASSWORD
OSLAB_MEMBER_PROJECT=demo
OSLAB_MEMBER_PROJECT_ID=$DEMO_PROJECT_ID
OSLAB_OTHER_USER=other-member
OSLAB_OTHER_PASSWORD=$OTHER_MEMBER_PASSWORD
OSLAB_OTHER_PROJECT=other
OSLAB_OTHER_PROJECT_ID=$OTHER_PROJECT_ID
OSLAB_SERVICE_PROJECT_ID=$SERVICE_PROJECT_ID
OSLAB_GLANCE_CONFIG_DIR=$LAB/glance
OSLAB_PROPERTY_PROTECTION_FILE=$LAB/glance/property-protections.conf
OSLAB_GLANCE_POLICY_FILE=$LAB/glance/policy.yaml
EOF
  chmod 600 "$LAB/lab.env"
}

# ------------------------------------------------------------------ build

check_packages() {
  local tool
  for tool in keystone-manage glance-manage barbican-manage uwsgi sqlite3 jq curl openssl; do
    command -v "$tool" >/dev/null || die "$tool is missing; run: sudo $(dirname "$0")/install.sh"
  done
}

# Creates a fresh lab: config files, databases, Keystone seed and client files.
build_lab() {
  local started
  case $LAB in / | /tmp | /root | /home | "$HOME" | "") die "state folder $LAB is too broad; pass a dedicated folder" ;; esac
  if [ -d "$LAB" ] && [ -n "$(ls -A "$LAB")" ] && [ ! -e "$LAB/.openstack-lab" ]; then
    die "$LAB is not empty and has no .openstack-lab marker; pass an empty or new folder"
  fi
  rm -rf "$LAB"
  mkdir -p "$LAB/logs" "$LAB/run"
  chmod 700 "$LAB"
  touch "$LAB/.openstack-lab"

  random_password() { openssl rand -hex 12; }
  cat >"$LAB/ports.env" <<EOF
KEYSTONE_PORT=$(pick_port 15000)
GLANCE_PORT=$(pick_port 19292)
BARBICAN_PORT=$(pick_port 19311)
ADMIN_PASSWORD=$(random_password)
MEMBER_PASSWORD=$(random_password)
OTHER_MEMBER_PASSWORD=$(random_password)
GLANCE_SERVICE_PASSWORD=$(random_password)
BARBICAN_SERVICE_PASSWORD=$(random_password)
EOF
  chmod 600 "$LAB/ports.env"
  load_ports

  started=$(now)
  write_keystone_config
  local config=(--config-file "$LAB/keystone/keystone.conf")
  run_quietly keystone-manage "${config[@]}" db_sync
  enable_wal "$LAB/keystone/keystone.db"
  run_quietly keystone-manage "${config[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  run_quietly keystone-manage "${config[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  run_quietly keystone-manage "${config[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KEYSTONE_URL/v3" --bootstrap-public-url "$KEYSTONE_URL/v3" \
    --bootstrap-internal-url "$KEYSTONE_URL/v3"
  log "Keystone database ready in $(elapsed "$started")"

  # Glance and Barbican databases are prepared while Keystone starts.
  write_glance_config
  write_barbican_config
  (
    run_quietly glance-manage --config-file "$LAB/glance/glance-api.conf" db_sync
    enable_wal "$LAB/glance/glance.db"
  ) &
  local glance_db=$!
  (
    run_quietly env HOME="$LAB/barbican/home" barbican-manage db upgrade
    enable_wal "$LAB/barbican/barbican.db"
  ) &
  local barbican_db=$!

  start_service keystone
  started=$(now)
  seed_keystone
  write_client_files
  log "Keystone seeded (projects service, demo, other; users member, other-member) in $(elapsed "$started")"

  wait "$glance_db" || die "Glance database setup failed"
  wait "$barbican_db" || die "Barbican database setup failed"
  touch "$LAB/.built"
}

# ------------------------------------------------------------------ commands

all_healthy() {
  local service
  for service in $SERVICES; do
    is_running "$(recorded_pid "$service")" && responds_http "$service" || return 1
  done
}

command_up() {
  local started service pid
  started=$(now)
  check_packages
  if [ -e "$LAB/.built" ]; then
    load_ports
    if all_healthy; then
      log "lab already running in $LAB"
      return 0
    fi
    for service in $SERVICES; do
      if ! is_running "$(recorded_pid "$service")" && port_in_use "$(service_port "$service")"; then
        log "port $(service_port "$service") of the stopped $service is in use; building a new lab"
        command_down
        rm -f "$LAB/.built"
        break
      fi
    done
  fi
  [ -e "$LAB/.built" ] || build_lab
  # The services need each other only per request, so they start in parallel.
  local pids=()
  for service in $SERVICES; do
    start_service "$service" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || die "a service failed to start; logs: $LAB/logs"; done
  log "lab up in $(elapsed "$started"): Keystone $KEYSTONE_URL/v3, Glance $GLANCE_URL, Barbican $BARBICAN_URL"
  log "env file: $LAB/lab.env, clouds.yaml: $LAB/clouds.yaml"
}

command_down() {
  local service
  [ -e "$LAB/ports.env" ] || return 0
  load_ports
  for service in barbican glance keystone; do stop_service "$service"; done
}

command_status() {
  local service pid healthy=0
  [ -e "$LAB/.built" ] || {
    echo "no lab in $LAB"
    return 3
  }
  load_ports
  for service in $SERVICES; do
    pid=$(recorded_pid "$service")
    if is_running "$pid"; then
      echo "$service: running, pid $pid, http://$HOST:$(service_port "$service")"
    else
      echo "$service: stopped"
      healthy=3
    fi
  done
  return $healthy
}

command_env() {
  [ -e "$LAB/lab.env" ] || die "no env file in $LAB; run: $0 up $LAB"
  cat "$LAB/lab.env"
}

command_restart_glance() {
  [ -e "$LAB/.built" ] || die "no lab in $LAB; run: $0 up $LAB"
  load_ports
  stop_service glance
  start_service glance
}

# Commands that change the lab take a lock beside the state folder, so parallel
# test workers calling `up` build and start it once.
lock_lab() {
  mkdir -p "$(dirname "$LAB")"
  exec 9>"$LAB.lock"
  flock -w 300 9 || die "another lab.sh held $LAB.lock for 300 s"
}

case $COMMAND in
up)
  lock_lab
  command_up
  ;;
down)
  lock_lab
  command_down
  ;;
status) command_status ;;
env) command_env ;;
restart-glance)
  lock_lab
  command_restart_glance
  ;;
*)
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
