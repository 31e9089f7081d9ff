#!/usr/bin/env bash
# The demo: starts a local control plane on 127.0.0.1, installs the CRDs, runs
# the operator, applies examples/ and prints what the operator did. Everything
# it starts is stopped on exit. With the OpenStack lab (Debian's Keystone,
# Glance and Barbican on 127.0.0.1) it also shows SignedImages verified and
# acted on. Options: --keep leaves the control plane running; --no-openstack
# skips the lab and its package install.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KEEP=0
OPENSTACK=1
for arg in "$@"; do
  case $arg in
    --keep) KEEP=1 ;;
    --no-openstack) OPENSTACK=0 ;;
    *) echo "unknown option $arg; use --keep or --no-openstack" >&2; exit 2 ;;
  esac
done

if [ "$OPENSTACK" = 1 ]; then
  eval "$(hack/provision.sh)"
else
  eval "$(ISO_SKIP_OPENSTACK=1 hack/provision.sh)"
fi
STATE=$ROOT/.demo-output/control-plane
LAB=${OSLAB_STATE_DIR:-$HOME/.cache/image-security-operator/openstack-lab}
cleanup() {
  if [ "$KEEP" = 0 ]; then
    hack/control-plane.sh down "$STATE"
    [ "$OPENSTACK" = 0 ] || hack/openstack-lab/lab.sh down "$LAB" >/dev/null
  fi
}
trap cleanup EXIT
hack/control-plane.sh up "$STATE"
if [ "$OPENSTACK" = 1 ]; then
  echo "starting the OpenStack lab (a first build takes about a minute)"
  hack/openstack-lab/lab.sh up "$LAB" >/dev/null
  node --import tsx hack/demo.ts "$STATE" "$LAB"
else
  node --import tsx hack/demo.ts "$STATE"
fi
if [ "$KEEP" = 1 ]; then
  echo
  echo "control plane left running; kubeconfig: $STATE/admin.kubeconfig"
  echo "stop it with: hack/control-plane.sh down $STATE"
  if [ "$OPENSTACK" = 1 ]; then
    echo "OpenStack lab left running; clouds.yaml: $LAB/clouds.yaml"
    echo "stop it with: hack/openstack-lab/lab.sh down $LAB"
  fi
fi
