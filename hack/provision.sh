#!/usr/bin/env bash
# Installs what the tests need and is missing: Node 24, the npm dependencies,
# a kube-apiserver, etcd and kustomize built from their Go modules, and Debian's
# OpenStack packages for the lab. Safe to run again; each step is skipped when
# its result is already there. Prints nothing on stdout but the env to source.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_BIN=$("$ROOT/hack/ensure-node.sh")
export PATH="$NODE_BIN:$PATH"
export npm_config_nodedir
npm_config_nodedir=$(dirname "$NODE_BIN")

cd "$ROOT"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi
K8S_BIN=$("$ROOT/hack/build-control-plane.sh")
KUSTOMIZE_BIN=$("$ROOT/hack/build-kustomize.sh")
if [ "${ISO_SKIP_OPENSTACK:-}" != 1 ]; then
  "$ROOT/hack/openstack-lab/install.sh" >&2
fi
echo "export PATH=\"$NODE_BIN:\$PATH\" npm_config_nodedir=\"$npm_config_nodedir\" K8S_TEST_BIN_DIR=\"$K8S_BIN\" KUSTOMIZE_BIN=\"$KUSTOMIZE_BIN\""
