#!/usr/bin/env bash
# Deletes what e2e/kind/run.sh created: the kind cluster and the Docker network of the workers' eth1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  kind delete cluster --name "$CLUSTER"
fi
# After the cluster: a network with containers still connected cannot be removed.
if docker network inspect "$NET1_NETWORK" >/dev/null 2>&1; then
  docker network rm "$NET1_NETWORK" >/dev/null
  echo "Deleted Docker network $NET1_NETWORK"
fi
