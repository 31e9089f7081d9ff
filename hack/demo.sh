#!/usr/bin/env bash
# The demo: starts a local control plane on 127.0.0.1, installs the CRDs, runs
# the operator, applies examples/ and prints what the operator did. Everything
# it starts is stopped on exit; pass --keep to leave the control plane running.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KEEP=0
[ "${1:-}" = --keep ] && KEEP=1

eval "$(ISO_SKIP_OPENSTACK=1 hack/provision.sh)"
STATE=$ROOT/.demo-output/control-plane
hack/control-plane.sh up "$STATE"
if [ "$KEEP" = 0 ]; then
  trap 'hack/control-plane.sh down "$STATE"' EXIT
fi
node --import tsx hack/demo.ts "$STATE"
if [ "$KEEP" = 1 ]; then
  echo
  echo "control plane left running; kubeconfig: $STATE/admin.kubeconfig"
  echo "stop it with: hack/control-plane.sh down $STATE"
fi
