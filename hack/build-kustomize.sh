#!/usr/bin/env bash
# Builds the kustomize binary from its Go module and caches it outside the
# repository, so the tests can build deploy/ without kubectl. Prints the path
# of the binary.
set -euo pipefail
# v5.8.2 is the newest release whose go.mod accepts Go 1.26; v5.8.3 requires Go 1.27.
V=${KUSTOMIZE_VERSION:-v5.8.2}
OUT=$HOME/.cache/image-security-operator/kustomize/$V
if [ -x "$OUT/kustomize" ]; then
  echo "$OUT/kustomize"
  exit 0
fi
command -v go >/dev/null || { echo "go is required to build kustomize" >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building kustomize $V into $OUT" >&2
cd "$work"
go mod init example.invalid/kustomize-bin >/dev/null 2>&1
go get "sigs.k8s.io/kustomize/kustomize/v5@$V" >&2
go build -trimpath -ldflags "-s -w" -o "$OUT/kustomize.tmp" sigs.k8s.io/kustomize/kustomize/v5
mv "$OUT/kustomize.tmp" "$OUT/kustomize"
echo "$OUT/kustomize"
