#!/usr/bin/env bash
# `npm run e2e:kind`: the e2e suites (vitest.e2e.config.ts) against a kind cluster instead of the local
# control plane. Makes the cluster (pinned node image), builds the gateway and operator images from this
# checkout, loads them and the PostgreSQL and Redis images the suites deploy into the node, runs the suites
# with SWITCHYARD_E2E_CLUSTER=kind, and deletes the cluster it made. See e2e/kind/README.md.
#
# Usage: npm run e2e:kind [-- <vitest args>]     e.g. npm run e2e:kind -- e2e/operator/whole-chain.e2e.test.ts
#
# Environment:
#   SWITCHYARD_E2E_KIND_CLUSTER     cluster name (default switchyard-e2e). A cluster of that name that already
#                                   exists is used as it is and left alone at the end.
#   SWITCHYARD_E2E_KIND_KEEP=1      keep the cluster this script made (kubectl --context kind-<name> ...).
#   SWITCHYARD_E2E_KIND_NODE_IMAGE  node image (default: the pin below).
#   SWITCHYARD_E2E_SKIP_BUILD=1     use the images already built instead of building them again.
#   SWITCHYARD_E2E_GATEWAY_IMAGE, SWITCHYARD_E2E_OPERATOR_IMAGE   local image names (default switchyard-*:e2e).
#   SWITCHYARD_E2E_POSTGRES_IMAGE, SWITCHYARD_E2E_REDIS_IMAGE     (default postgres:15-alpine, redis:7-alpine).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Pins. The local control plane runs Kubernetes v1.36.3 (e2e/cluster/build.sh); kind publishes no v1.36.3
# node image, so this is the v1.36 image of the kind release below (its release notes list it by digest, and
# a node image is only supported with the kind release that built it).
KIND_RELEASE=v0.33.0
NODE_IMAGE_PIN='kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed'

cluster="${SWITCHYARD_E2E_KIND_CLUSTER:-switchyard-e2e}"
node_image="${SWITCHYARD_E2E_KIND_NODE_IMAGE:-$NODE_IMAGE_PIN}"
gateway_image="${SWITCHYARD_E2E_GATEWAY_IMAGE:-switchyard-gateway:e2e}"
operator_image="${SWITCHYARD_E2E_OPERATOR_IMAGE:-switchyard-operator:e2e}"
postgres_image="${SWITCHYARD_E2E_POSTGRES_IMAGE:-postgres:15-alpine}"
redis_image="${SWITCHYARD_E2E_REDIS_IMAGE:-redis:7-alpine}"

fail() {
  echo "e2e:kind: $*" >&2
  exit 1
}

for tool in docker kind kubectl helm node npx; do
  command -v "$tool" >/dev/null || fail "needs $tool on PATH (see e2e/kind/README.md: what you need)"
done
docker info >/dev/null 2>&1 || fail "docker is installed but its daemon does not answer (docker info failed)"
kind_version="$(kind version)"
case "$kind_version" in
  "kind $KIND_RELEASE "*) ;;
  *) echo "e2e:kind: warning: $kind_version; the node image is pinned for kind $KIND_RELEASE" >&2 ;;
esac

made_cluster=0
cleanup() {
  local status=$?
  if [[ "$made_cluster" == 1 ]]; then
    if [[ "${SWITCHYARD_E2E_KIND_KEEP:-}" == 1 ]]; then
      echo "e2e:kind: kept cluster $cluster (kubectl --context kind-$cluster; kind delete cluster --name $cluster)"
    else
      kind delete cluster --name "$cluster" || status=1
    fi
  fi
  exit "$status"
}
trap cleanup EXIT

if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  echo "e2e:kind: using the existing kind cluster $cluster (left as it is at the end)"
else
  made_cluster=1
  kind create cluster --name "$cluster" --image "$node_image" --wait 180s
fi

if [[ "${SWITCHYARD_E2E_SKIP_BUILD:-}" != 1 ]]; then
  docker build -f Dockerfile.gateway -t "$gateway_image" .
  docker build -f Dockerfile.operator -t "$operator_image" .
fi
for image in "$postgres_image" "$redis_image"; do
  docker image inspect "$image" >/dev/null 2>&1 || docker pull "$image"
done
# Loaded once here; the suites load the gateway and operator builds again under the names they use.
for image in "$gateway_image" "$operator_image" "$postgres_image" "$redis_image"; do
  kind load docker-image "$image" --name "$cluster"
done

export SWITCHYARD_E2E_CLUSTER=kind SWITCHYARD_E2E_KIND_CLUSTER="$cluster"
export SWITCHYARD_E2E_GATEWAY_IMAGE="$gateway_image" SWITCHYARD_E2E_OPERATOR_IMAGE="$operator_image"
export SWITCHYARD_E2E_POSTGRES_IMAGE="$postgres_image" SWITCHYARD_E2E_REDIS_IMAGE="$redis_image"
npx vitest run --config vitest.e2e.config.ts "$@"
