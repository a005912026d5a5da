#!/usr/bin/env bash
# Installs the real parts the end-to-end suite runs against (`npm run e2e:setup`):
#   .cache/e2e/bin/kube-apiserver  built from the published k8s.io/kubernetes module (kube-apiserver/go.mod)
#   .cache/e2e/bin/kube-controller-manager  from the same module and go.mod (kube-controller-manager/go.mod links to it)
#   .cache/e2e/bin/etcd            built from go.etcd.io/etcd/server/v3 (etcd/go.mod)
#   .cache/e2e/bin/registry        the CNCF distribution registry, cmd/registry (registry/go.mod)
#   .cache/e2e/venv                Python venv with moto[server] and cfn-lint (requirements.txt)
#   .cache/e2e/lambda-venv         Python venv with aws-sam-cli: the Runtime Interface Emulator and SAM's
#                                  local API Gateway service (lambda-requirements.txt)
#   .cache/e2e/lambda-ric          the Node.js runtime interface client (aws-lambda-ric), built against
#                                  the project's Node 24 headers (lambda-ric/package-lock.json)
#
# Only the package registries are used: the Go module proxy (and its checksum database) and PyPI.
# Each part has a stamp under .cache/e2e/stamps keyed on its pinned inputs (go.mod, go.sum,
# the Go or Python version, build flags), so a second run does nothing and takes seconds.
# The parts are built concurrently; logs go to .cache/e2e/logs/setup-*.log.
#
# Outside CI a missing tool (go, python3) is a loud warning and that part is skipped: the suite
# then skips with a message. Under CI=true a missing tool or a failed build exits non-zero.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="$root/.cache/e2e"
bin="$cache/bin"
logs="$cache/logs"
stamps="$cache/stamps"
build="$cache/build"
mkdir -p "$bin" "$logs" "$stamps" "$build"

# Bounds, in seconds, so a wedged build can never eat CI's whole budget.
KUBE_BUILD_TIMEOUT="${E2E_KUBE_BUILD_TIMEOUT:-3000}"
ETCD_BUILD_TIMEOUT="${E2E_ETCD_BUILD_TIMEOUT:-1500}"
VENV_TIMEOUT="${E2E_VENV_TIMEOUT:-900}"
RIC_BUILD_TIMEOUT="${E2E_RIC_BUILD_TIMEOUT:-1500}"
GO_LDFLAGS="-s -w"

# Never let a go.mod 'toolchain' line make Go download another toolchain: only modules come
# from the proxy.
export GOTOOLCHAIN=local

is_ci() { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; }
log() { printf 'e2e:setup: %s\n' "$*" >&2; }

# A part that cannot be set up: fatal under CI, a warning (and the part skipped) otherwise.
missing() {
  if is_ci; then
    log "ERROR: $* (CI=true: the end-to-end suite cannot be skipped)"
    exit 1
  fi
  log "WARNING: $* -- skipping this part; the end-to-end tests that need it will be skipped"
}

sha_of() { sha256sum | cut -c1-16; }

# One setup at a time: two concurrent runs would build into the same folders.
exec 9>"$cache/setup.lock"
if ! flock -w 3600 9; then
  log "ERROR: another e2e:setup has held $cache/setup.lock for an hour"
  exit 1
fi

stamp_ok() { # name key binary-or-dir
  [ -f "$stamps/$1" ] && [ "$(cat "$stamps/$1")" = "$2" ] && [ -e "$3" ]
}

# Builds one Go main package from a committed module folder (go.mod, go.sum, tools.go).
# Args: name  module-folder  package  output  timeout  ldflags
go_build() {
  local name="$1" src="$2" pkg="$3" out="$4" limit="$5" ldflags="$6"
  local dir="$build/$name" logf="$logs/setup-$name.log"
  mkdir -p "$dir"
  cp "$src/go.mod" "$src/go.sum" "$src/tools.go" "$dir/"
  # Chained with && because `set -e` does not apply inside a function called from `if !`.
  # Tidy adds the indirect requirements the generated go.mod leaves out; versions are fixed
  # by the pinned main requirement (minimal version selection), checksums by go.sum + sumdb.
  {
    echo "== $(date -u +%FT%TZ) building $pkg with $(go version)" &&
    cd "$dir" &&
    timeout "$limit" go mod tidy &&
    timeout "$limit" go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$out.tmp" "$pkg" &&
    mv -f "$out.tmp" "$out" &&
    "$out" --version &&
    echo "== $(date -u +%FT%TZ) built $out"
  } >"$logf" 2>&1
}

pids=()
names=()
start_part() { # name function args...
  local name="$1"; shift
  ( "$@" ) &
  pids+=("$!")
  names+=("$name")
}

t0=$(date +%s)

# --- Go parts ---------------------------------------------------------------------------
kube_mod="$here/kube-apiserver"
etcd_mod="$here/etcd"
registry_mod="$here/registry"
kube_version="$(sed -n 's/^require k8s\.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$kube_mod/go.mod")"
etcd_version="$(sed -n 's/^require go\.etcd\.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\1/p' "$etcd_mod/go.mod")"

build_go_part() { # name module-folder package binary timeout ldflags
  local name="$1" src="$2" pkg="$3" out="$4" limit="$5" ldflags="$6" key
  key="$(cat "$src/go.mod" "$src/go.sum" "$src/tools.go" <(go version) <(echo "$ldflags") | sha_of)"
  if stamp_ok "$name" "$key" "$out"; then
    log "$name: up to date ($(basename "$out") in .cache/e2e/bin)"
    return 0
  fi
  log "$name: building (first build takes minutes; log: .cache/e2e/logs/setup-$name.log)"
  # An out-of-date binary must not outlive a failed build and be run by the tests.
  rm -f "$out" "$stamps/$name"
  local s; s=$(date +%s)
  if ! go_build "$name" "$src" "$pkg" "$out" "$limit" "$ldflags"; then
    log "ERROR: $name build failed or timed out after ${limit}s; last lines of .cache/e2e/logs/setup-$name.log:"
    tail -n 20 "$logs/setup-$name.log" >&2 || true
    return 1
  fi
  echo "$key" >"$stamps/$name"
  log "$name: built in $(( $(date +%s) - s ))s"
}

# The Go release the pinned modules declare (`go` line): an older local Go cannot build them,
# and GOTOOLCHAIN=local forbids fetching a newer one.
go_too_old() { # module-folder
  local need have
  need="$(sed -n 's/^go \([0-9]*\.[0-9]*\).*$/\1/p' "$1/go.mod")"
  have="$(go env GOVERSION | sed -n 's/^go\([0-9]*\.[0-9]*\).*$/\1/p')"
  [ -n "$need" ] && [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]
}

if command -v go >/dev/null 2>&1 && { go_too_old "$kube_mod" || go_too_old "$etcd_mod"; }; then
  missing "$(go env GOVERSION) is older than the Go that kube-apiserver ${kube_version} / etcd ${etcd_version} need ($(sed -n 's/^go //p' "$kube_mod/go.mod"))"
elif command -v go >/dev/null 2>&1; then
  [ -n "$kube_version" ] || { log "ERROR: cannot read the k8s.io/kubernetes pin from $kube_mod/go.mod"; exit 1; }
  [ -n "$etcd_version" ] || { log "ERROR: cannot read the etcd pin from $etcd_mod/go.mod"; exit 1; }
  # Stamp the release into the binary as Kubernetes' own build does (hack/lib/version.sh);
  # without it /version says v0.0.0-master and the binary version derived from it is wrong.
  kv="k8s.io/component-base/version"
  kube_minor="${kube_version#v1.}"; kube_minor="${kube_minor%%.*}"
  kube_ldflags="$GO_LDFLAGS -X $kv.gitVersion=$kube_version -X $kv.gitMajor=1 -X $kv.gitMinor=$kube_minor"
  kube_ldflags="$kube_ldflags -X $kv.gitTreeState=clean -X $kv.buildDate=1970-01-01T00:00:00Z"
  # kube-controller-manager comes from the same pinned release (its go.mod is a link to
  # kube-apiserver's) and is built after it, not beside it: most of its packages are then in the
  # Go build cache (about 5 more minutes on 2 cores instead of a second full build).
  build_kube_parts() {
    build_go_part kube-apiserver "$kube_mod" \
      k8s.io/kubernetes/cmd/kube-apiserver "$bin/kube-apiserver" "$KUBE_BUILD_TIMEOUT" "$kube_ldflags" &&
    build_go_part kube-controller-manager "$here/kube-controller-manager" \
      k8s.io/kubernetes/cmd/kube-controller-manager "$bin/kube-controller-manager" "$KUBE_BUILD_TIMEOUT" "$kube_ldflags"
  }
  start_part kube-apiserver+kube-controller-manager build_kube_parts
  start_part etcd build_go_part etcd "$etcd_mod" \
    go.etcd.io/etcd/server/v3 "$bin/etcd" "$ETCD_BUILD_TIMEOUT" "$GO_LDFLAGS"
  registry_version="$(sed -n 's/^require github\.com\/distribution\/distribution\/v3 \(v[0-9.]*\)$/\1/p' "$registry_mod/go.mod")"
  start_part registry build_go_part registry "$registry_mod" \
    github.com/distribution/distribution/v3/cmd/registry "$bin/registry" "$ETCD_BUILD_TIMEOUT" \
    "$GO_LDFLAGS -X github.com/distribution/distribution/v3/version.version=$registry_version"
else
  missing "go is not on PATH: it is needed to build kube-apiserver ${kube_version} and etcd ${etcd_version}"
fi

# --- Python part ------------------------------------------------------------------------
build_venv() {
  local venv="$cache/venv" logf="$logs/setup-venv.log" key
  key="$(cat "$here/requirements.txt" "$here/constraints.txt" <(python3 --version 2>&1) | sha_of)"
  if stamp_ok venv "$key" "$venv/bin/moto_server" && [ -x "$venv/bin/cfn-lint" ]; then
    log "venv: up to date (moto_server, cfn-lint in .cache/e2e/venv/bin)"
    return 0
  fi
  log "venv: installing moto[server] and cfn-lint (log: .cache/e2e/logs/setup-venv.log)"
  local s; s=$(date +%s)
  rm -rf "$venv" "$stamps/venv"
  if ! {
    timeout "$VENV_TIMEOUT" python3 -m venv "$venv" &&
    timeout "$VENV_TIMEOUT" "$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
      -r "$here/requirements.txt" -c "$here/constraints.txt" &&
    "$venv/bin/cfn-lint" --version &&
    "$venv/bin/python" -c 'import moto.server, flask'
  } >"$logf" 2>&1; then
    log "ERROR: venv setup failed; last lines of .cache/e2e/logs/setup-venv.log:"
    tail -n 20 "$logf" >&2 || true
    return 1
  fi
  echo "$key" >"$stamps/venv"
  log "venv: installed in $(( $(date +%s) - s ))s"
}

if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  start_part venv build_venv
else
  missing "python3 with the venv and ensurepip modules is not available: it is needed for moto and cfn-lint"
fi

# --- The Lambda path: SAM's emulator venv and the Node runtime interface client ------------
build_lambda_venv() {
  local venv="$cache/lambda-venv" logf="$logs/setup-lambda-venv.log" key
  key="$(cat "$here/lambda-requirements.txt" "$here/lambda-constraints.txt" <(python3 --version 2>&1) | sha_of)"
  if stamp_ok lambda-venv "$key" "$venv/bin/python" && [ -n "$(ls "$venv"/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-* 2>/dev/null)" ]; then
    log "lambda-venv: up to date (aws-sam-cli in .cache/e2e/lambda-venv)"
    return 0
  fi
  log "lambda-venv: installing aws-sam-cli (log: .cache/e2e/logs/setup-lambda-venv.log)"
  local s; s=$(date +%s)
  rm -rf "$venv" "$stamps/lambda-venv"
  if ! {
    timeout "$VENV_TIMEOUT" python3 -m venv "$venv" &&
    timeout "$VENV_TIMEOUT" "$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
      -r "$here/lambda-requirements.txt" -c "$here/lambda-constraints.txt" &&
    "$venv/bin/python" -c 'import samcli.local.apigw.local_apigw_service, flask' &&
    ls "$venv"/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-*
  } >"$logf" 2>&1; then
    log "ERROR: lambda-venv setup failed; last lines of .cache/e2e/logs/setup-lambda-venv.log:"
    tail -n 20 "$logf" >&2 || true
    return 1
  fi
  echo "$key" >"$stamps/lambda-venv"
  log "lambda-venv: installed in $(( $(date +%s) - s ))s"
}

# aws-lambda-ric compiles a native addon (with its bundled curl and aws-lambda-cpp) through
# node-gyp. It must see Node 24's headers (the node@24 devDependency ships them) and run on that
# Node: the machine's npm configuration may name another Node's headers (nodedir), and the
# machine's node may be older, so both are set here explicitly.
node24_dir="$root/node_modules/node/node_modules/node-linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')"
build_lambda_ric() {
  local dir="$cache/lambda-ric" logf="$logs/setup-lambda-ric.log" key
  key="$(cat "$here/lambda-ric/package.json" "$here/lambda-ric/package-lock.json" <("$node24_dir/bin/node" --version) <(g++ --version | head -n1) | sha_of)"
  if stamp_ok lambda-ric "$key" "$dir/node_modules/aws-lambda-ric/rapid-client.node"; then
    log "lambda-ric: up to date (aws-lambda-ric in .cache/e2e/lambda-ric)"
    return 0
  fi
  log "lambda-ric: building aws-lambda-ric (a few minutes; log: .cache/e2e/logs/setup-lambda-ric.log)"
  local s; s=$(date +%s)
  rm -rf "$dir" "$stamps/lambda-ric"
  mkdir -p "$dir"
  cp "$here/lambda-ric/package.json" "$here/lambda-ric/package-lock.json" "$dir/"
  if ! {
    cd "$dir" &&
    PATH="$node24_dir/bin:$PATH" npm_config_nodedir="$node24_dir" \
      timeout "$RIC_BUILD_TIMEOUT" npm ci --foreground-scripts --no-audit --no-fund &&
    [ -f "$dir/node_modules/aws-lambda-ric/rapid-client.node" ]
  } >"$logf" 2>&1; then
    log "ERROR: lambda-ric build failed; last lines of .cache/e2e/logs/setup-lambda-ric.log:"
    tail -n 20 "$logf" >&2 || true
    return 1
  fi
  echo "$key" >"$stamps/lambda-ric"
  log "lambda-ric: built in $(( $(date +%s) - s ))s"
}

if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  start_part lambda-venv build_lambda_venv
fi
if [ ! -x "$node24_dir/bin/node" ] || [ ! -d "$node24_dir/include/node" ]; then
  missing "Node 24 with its headers is not at $node24_dir (run npm ci first): it is needed to build aws-lambda-ric"
elif ! command -v g++ >/dev/null 2>&1 || ! command -v cmake >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
  missing "g++, cmake and make are needed to build aws-lambda-ric (apt-get install g++ cmake make)"
else
  start_part lambda-ric build_lambda_ric
fi

# --- Tools the harness calls directly ---------------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
  missing "openssl is not on PATH: the harness uses it to make the test CA and serving certificates"
fi

# --- Wait for every part; any failure fails the setup --------------------------------------
failed=()
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then failed+=("${names[$i]}"); fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  log "ERROR: failed: ${failed[*]}"
  exit 1
fi

# Write what was pinned where the harness (and people) can read it.
{
  echo "kubernetes=${kube_version}"
  echo "etcd=${etcd_version}"
  echo "registry=${registry_version:-}"
  sed -n 's/^\([a-z0-9_-]*\)\(\[[a-z]*\]\)\{0,1\}==\([^ ]*\)$/\1=\3/p' "$here/requirements.txt" "$here/lambda-requirements.txt"
  sed -n 's/^    "aws-lambda-ric": "\(.*\)"$/aws-lambda-ric=\1/p' "$here/lambda-ric/package.json"
} >"$cache/versions.txt"
log "done in $(( $(date +%s) - t0 ))s ($(tr '\n' ' ' <"$cache/versions.txt"))"
