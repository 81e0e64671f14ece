#!/usr/bin/env bash
# Builds the binaries of a real Kubernetes control plane for e2e tests
# (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd,
# kwok, helm) from source with the Go module proxy, once per pinned version,
# into ~/.cache/switchyard/k8s/<k8s-version>/bin. A warm run is a no-op.
#
# Usage: e2e/cluster/build.sh   (prints the bin dir on the last line)
set -euo pipefail

# Pins. The etcd version is the one k8s.io/kubernetes@K8S_VERSION requires.
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0

CACHE_ROOT="${SWITCHYARD_K8S_CACHE:-$HOME/.cache/switchyard/k8s}"
OUT="$CACHE_ROOT/$K8S_VERSION"
BIN="$OUT/bin"
STAMPS="$OUT/stamps"
PINS="kubernetes=$K8S_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION helm=$HELM_VERSION"
MARKER="$OUT/complete"

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$PINS" ]]; then
  echo "$BIN"
  exit 0
fi

export CGO_ENABLED=0
# Lowest CPU priority: whatever else runs on the machine goes first.
GO=(nice -n 19 go)

log() { echo "[build.sh] $*" >&2; }

# Runs "$@" to build binary $1 unless it exists and its stamp records the
# current pins, so an interrupted build resumes where it stopped.
step() {
  local name=$1
  shift
  if [[ -x "$BIN/$name" && -f "$STAMPS/$name" && "$(cat "$STAMPS/$name")" == "$PINS" ]]; then
    log "$name: cached"
    return
  fi
  local start=$EPOCHREALTIME
  log "$name: building..."
  "$@"
  printf '%s' "$PINS" >"$STAMPS/$name"
  log "$name: done in $(elapsed "$start")s"
}

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Writes a throwaway module that requires k8s.io/kubernetes. Kubernetes
# requires its staging repos at v0.0.0 and replaces them with local paths,
# which only work inside its own repo; here they point at the published
# v0.<minor>.<patch> tags instead.
make_k8s_module() {
  local dir=$1 gomod staging
  gomod=$("${GO[@]}" mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
  staging="v0.${K8S_VERSION#v1.}"
  {
    echo "module switchyard.local/k8s-build"
    echo
    grep -E '^(go|godebug) ' "$gomod"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    for tool in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      echo "tool k8s.io/kubernetes/cmd/$tool"
    done
    echo
    grep -oE '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk -v v="$staging" '{ print "replace " $1 " => " $1 " " v }'
  } >"$dir/go.mod"
  # etcd's own main module carries local replaces, so `go install` of it
  # fails; its entry point is a library, and Kubernetes pins the version.
  mkdir -p "$dir/cmd/etcd"
  cat >"$dir/cmd/etcd/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  (cd "$dir" && "${GO[@]}" mod tidy)
  local etcd
  etcd=$(cd "$dir" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
  if [[ "$etcd" != "$ETCD_VERSION" ]]; then
    log "ETCD_VERSION=$ETCD_VERSION but Kubernetes $K8S_VERSION pins etcd $etcd; update the pin"
    exit 1
  fi
}

# Without these the binaries report v0.0.0, which kubectl and clients reject.
k8s_ldflags() {
  local minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  local pkg flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
  done
  echo "$flags"
}

build_k8s() {
  (cd "$MODULE" && "${GO[@]}" build -trimpath -ldflags "$(k8s_ldflags)" -o "$BIN/$1" "k8s.io/kubernetes/cmd/$1")
}

build_etcd() {
  (cd "$MODULE" && "${GO[@]}" build -trimpath -ldflags "-s -w" -o "$BIN/etcd" ./cmd/etcd)
}

install_kwok() {
  GOBIN="$BIN" "${GO[@]}" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

install_helm() {
  GOBIN="$BIN" "${GO[@]}" install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

main() {
  mkdir -p "$BIN" "$STAMPS"
  local total=$EPOCHREALTIME
  MODULE=$(mktemp -d)
  trap 'rm -rf "$MODULE"' EXIT
  BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)

  local start=$EPOCHREALTIME
  make_k8s_module "$MODULE"
  log "module: resolved in $(elapsed "$start")s"

  step kube-apiserver build_k8s kube-apiserver
  step kube-controller-manager build_k8s kube-controller-manager
  step kube-scheduler build_k8s kube-scheduler
  step kubectl build_k8s kubectl
  step etcd build_etcd
  step kwok install_kwok
  step helm install_helm

  printf '%s' "$PINS" >"$MARKER"
  log "total: $(elapsed "$total")s"
  echo "$BIN"
}

main
