#!/usr/bin/env bash
# Installs the Debian 12 packages that lab.sh runs: Keystone, Glance, Barbican,
# the openstack CLI and cursive (Glance's signature verification library).
# Needs root. Does nothing when every package is already installed, and starts
# no service. Prints one line on success; apt output goes to stderr only when
# something fails.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  keystone glance-api glance-common barbican-api barbican-worker
  python3-openstackclient python3-barbicanclient python3-glanceclient python3-cursive
  openssl curl jq sqlite3
)

if dpkg -s "${PACKAGES[@]}" >/dev/null 2>&1; then
  exit 0
fi

# The packages' maintainer scripts call invoke-rc.d, which would start uwsgi on
# ports 5000, 9292 and 9311 on every address. policy-rc.d exit code 101 makes
# invoke-rc.d skip the start. A file this script creates is removed on exit.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
elif ! grep -q 'exit 101' /usr/sbin/policy-rc.d; then
  echo "warning: /usr/sbin/policy-rc.d does not exit 101, so installing may start services" >&2
fi

# These debconf values equal the package defaults. Setting them keeps
# dbconfig-common, RabbitMQ and endpoint registration out of the install.
debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
glance-common glance/configure_db boolean false
glance-common glance/configure_rabbit boolean false
glance-common glance/configure_ksat boolean false
glance-api glance/configure_api-endpoint boolean false
barbican-common barbican/configure_db boolean false
barbican-common barbican/configure_rabbit boolean false
barbican-common barbican/configure_ksat boolean false
barbican-api barbican/configure_api-endpoint boolean false
EOF

# Recommended packages add about 150 packages (700 MB) that the lab never uses.
apt_install() {
  apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${PACKAGES[@]}"
}

log=$(mktemp)
# The current package lists are tried first, and refreshed only when they fail.
if ! apt_install >"$log" 2>&1; then
  if ! { apt-get update -q && apt_install; } >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    echo "error: apt-get install of the OpenStack lab packages failed; full output above" >&2
    exit 1
  fi
fi
rm -f "$log"
echo "OpenStack lab packages installed" >&2
