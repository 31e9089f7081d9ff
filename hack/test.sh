#!/usr/bin/env bash
# The one test command. It provisions what is missing: Node 24, npm packages,
# the test control plane binaries and the OpenStack lab packages. Then it runs
# the type check, the linter, the unit tests and the integration tests, and
# ends with a plain "N passed, N failed" line.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/.test-output
mkdir -p "$OUT"

ENV_LINE=$(hack/provision.sh) || { echo "provisioning failed"; echo "0 passed, 1 failed"; exit 1; }
eval "$ENV_LINE"
echo "node $(node --version), kube-apiserver from $K8S_TEST_BIN_DIR"

passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name"
    failed=$((failed + 1))
  fi
}

check typecheck npx tsc -p tsconfig.json --noEmit
check lint npx eslint .

count_jest() { # project, extra args...
  local project=$1
  shift
  rm -f "$OUT/$project.json"
  node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects "$project" \
    --json --outputFile "$OUT/$project.json" "$@"
  if [ -s "$OUT/$project.json" ]; then
    local p f
    p=$(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests)' "$OUT/$project.json")
    f=$(node -e 'const r=require(process.argv[1]);console.log(r.numFailedTests+r.numRuntimeErrorTestSuites)' "$OUT/$project.json")
    passed=$((passed + p))
    failed=$((failed + f))
  else
    echo "FAILED: jest $project produced no results"
    failed=$((failed + 1))
  fi
}

echo "== unit tests"
count_jest unit --maxWorkers=2
echo "== integration tests"
count_jest integration --runInBand

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
