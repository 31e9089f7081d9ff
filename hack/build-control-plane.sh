#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules and caches them outside
# the repository. Prints the folder that contains both binaries.
set -euo pipefail
K=${K8S_VERSION:-v1.36.3}
S=v0.${K#v1.}
OUT=${K8S_TEST_BIN_DIR:-$HOME/.cache/image-security-operator/k8s/$K}
if [ -x "$OUT/kube-apiserver" ] && [ -x "$OUT/etcd" ]; then
  echo "$OUT"
  exit 0
fi
command -v go >/dev/null || { echo "go is required to build the test control plane" >&2; exit 1; }
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building kube-apiserver $K and etcd into $OUT (a cold build takes several minutes)" >&2
mkdir "$work/apiserver" "$work/etcd"
cd "$work/apiserver"
go mod init example.invalid/k8s-test-bins >/dev/null 2>&1
MOD=$(go mod download -json "k8s.io/kubernetes@$K" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
GOV=$(awk '$1=="go"{print $2}' "$MOD")
go mod edit -go="$GOV" -require="k8s.io/kubernetes@$K"
for m in $(grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging' "$MOD" | cut -d' ' -f1 | sort -u); do
  go mod edit -replace="$m=$m@$S"
done
go get "k8s.io/kubernetes/cmd/kube-apiserver@$K" >&2
V=k8s.io/component-base/version
go build -trimpath -o "$OUT/kube-apiserver.tmp" \
  -ldflags "-s -w -X $V.gitVersion=$K -X $V.gitMajor=1 -X $V.gitMinor=$(echo "$K" | cut -d. -f2)" \
  k8s.io/kubernetes/cmd/kube-apiserver
mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
E=$(awk '$1=="go.etcd.io/etcd/client/v3"{print $2}' "$MOD")
cd "$work/etcd"
go mod init example.invalid/etcd-bin >/dev/null 2>&1
go get "go.etcd.io/etcd/server/v3@$E" >&2
go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3
mv "$OUT/etcd.tmp" "$OUT/etcd"
echo "$OUT"
