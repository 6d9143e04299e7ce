# Names shared by run.sh and down.sh (sourced, not run). Override them from the environment.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
CLUSTER=${TELMESH_KIND_CLUSTER:-telmesh-e2e}
# The Docker network that becomes the workers' eth1; its subnet must match the static net1
# addresses in manifests/30-workloads.yaml (10.203.0.200 and .201).
NET1_NETWORK=${TELMESH_KIND_NET1_NETWORK:-telmesh-e2e-net1}
NET1_SUBNET=10.203.0.0/24
# Docker hands the nodes addresses from the lower half; the pods use the upper half.
NET1_NODE_RANGE=10.203.0.0/25
