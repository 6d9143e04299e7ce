#!/usr/bin/env bash
# End-to-end check of telmesh in a real cluster: kind, Multus (thick plugin), telmesh and Envoy
# sidecars bootstrapped and captured by the telmesh CLI. See README.md, "End-to-end in kind".
#
#   e2e/kind/run.sh [--keep]   build, create the cluster, deploy, check; delete it all at the end
#                              unless --keep (then e2e/kind/down.sh deletes it)
#
# Needs docker, kind and kubectl; Java 17 and Maven too, or else the jar is built in Docker's
# maven image. The host kernel must have SCTP loaded (sudo modprobe sctp).
# CI cannot run this (no Docker there): KindRecipeTest checks the manifests and shellcheck this
# script; the run itself is the user's.
set -euo pipefail
# Failures inside $(...) must stop the script too (bash >= 4.4).
shopt -s inherit_errexit 2>/dev/null || { echo "run.sh needs bash 4.4 or newer" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"

NS=telmesh-e2e
SERVER_NET1=10.203.0.200   # manifests/30-workloads.yaml
TELMESH_IMAGE=telmesh:e2e
DEMO_IMAGE=telmesh-e2e-demo:e2e
CNI_PLUGINS_VERSION=v1.6.2
XDS=127.0.0.1:15010        # telmesh's xDS port, seen from inside its own pod
IDLE_TIMEOUT=30            # seconds; the bootstrap's --idle-timeout in manifests/30-workloads.yaml
IDLE_WAIT=90               # how long the idle connections are left alone

keep=false
case "${1:-}" in
  --keep) keep=true ;;
  "") ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

log() { printf '\n=== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pass() { printf 'ok: %s\n' "$*"; }

for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
# Every kubectl call goes to this cluster, whatever the current context is.
kubectl() { command kubectl --context "kind-$CLUSTER" "$@"; }

on_exit() {
  local rc=$?
  if ((rc != 0)) && kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    log "diagnostics (exit $rc)"
    kubectl get pods -A -o wide || true
    kubectl -n "$NS" describe pods || true
    kubectl -n telmesh-system logs deploy/telmesh --tail=100 || true
    for pod in server client; do
      kubectl -n "$NS" logs "$pod" --all-containers --prefix --tail=50 || true
    done
  fi
  if [[ $keep == true ]]; then
    log "cluster $CLUSTER kept (kubectl context kind-$CLUSTER); delete it with e2e/kind/down.sh"
  else
    "$here/down.sh" || true
  fi
  exit "$rc"
}

# --- build -----------------------------------------------------------------------------------

build_jar() {
  if command -v mvn >/dev/null && command -v java >/dev/null; then
    (cd "$repo" && mvn -B -q -DskipTests package -pl xds-server -am)
  else
    # No local Maven: the official Maven image, as the calling user, with the user's Maven cache.
    mkdir -p "$HOME/.m2/repository"
    docker run --rm --user "$(id -u):$(id -g)" -e HOME=/tmp -v "$repo:/src" -v "$HOME/.m2:/m2" -w /src \
      maven:3.9-eclipse-temurin-17 \
      mvn -B -q -DskipTests -Dmaven.repo.local=/m2/repository package -pl xds-server -am
  fi
}

log "building the telmesh jar and images"
build_jar
docker build -t "$TELMESH_IMAGE" "$repo"
docker build -t "$DEMO_IMAGE" "$here/demo"

# --- cluster -----------------------------------------------------------------------------------

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  fail "a kind cluster named $CLUSTER exists already: delete it with e2e/kind/down.sh (or set TELMESH_KIND_CLUSTER)"
fi
log "creating the second network ($NET1_NETWORK, $NET1_SUBNET) and the cluster ($CLUSTER)"
if ! docker network inspect "$NET1_NETWORK" >/dev/null 2>&1; then
  docker network create --driver bridge --subnet "$NET1_SUBNET" --ip-range "$NET1_NODE_RANGE" "$NET1_NETWORK" >/dev/null
fi
trap on_exit EXIT
kind create cluster --name "$CLUSTER" --config "$here/kind-config.yaml" --wait 180s

mapfile -t workers < <(kind get nodes --name "$CLUSTER" | grep -v control-plane | sort)
((${#workers[@]} == 2)) || fail "expected 2 workers, got: ${workers[*]}"

for node in "${workers[@]}"; do
  # SCTP lives in the (shared) host kernel: containers cannot load the module.
  docker exec "$node" test -d /proc/net/sctp \
    || fail "the Docker host's kernel has no SCTP: run 'sudo modprobe sctp' on the host (some distributions blacklist it in /etc/modprobe.d) and retry"

  # eth1 on each worker: the lower device of the macvlan network `signaling`.
  docker network connect "$NET1_NETWORK" "$node"
  iface=$(docker exec "$node" ip -o -4 addr show | awk -v net="${NET1_SUBNET%.0/24}." 'index($4, net) == 1 { print $2; exit }')
  [[ -n $iface ]] || fail "$node: no interface on $NET1_NETWORK after docker network connect"
  if [[ $iface != eth1 ]]; then
    # Docker normally names it eth1; the NetworkAttachmentDefinition says eth1, so make it so.
    docker exec "$node" sh -ec "ip link set dev $iface down; ip link set dev $iface name eth1; ip link set dev eth1 up"
  fi

  # The reference CNI plugins the NetworkAttachmentDefinition uses (kind ships neither).
  arch=$(docker exec "$node" uname -m)
  case "$arch" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
  esac
  tgz="cni-plugins-linux-$arch-$CNI_PLUGINS_VERSION.tgz"
  url="https://github.com/containernetworking/plugins/releases/download/$CNI_PLUGINS_VERSION/$tgz"
  docker exec "$node" sh -ec "
    cd /tmp && curl -fsSLO '$url' && curl -fsSLO '$url.sha256' && sha256sum -c '$tgz.sha256'
    mkdir -p cni-plugins && tar -xzf '$tgz' -C cni-plugins
    cp cni-plugins/macvlan cni-plugins/static /opt/cni/bin/"
done
pass "workers ${workers[*]}: SCTP available, eth1 on $NET1_NETWORK, macvlan and static CNI plugins"

kind load docker-image --name "$CLUSTER" "$TELMESH_IMAGE" "$DEMO_IMAGE"

# --- deploy ------------------------------------------------------------------------------------

log "installing Multus (thick plugin)"
kubectl apply -f "$here/manifests/00-multus.yaml"
kubectl -n kube-system rollout status daemonset/kube-multus-ds --timeout=300s

log "deploying telmesh"
kubectl apply -f "$here/manifests/10-telmesh.yaml"
kubectl -n telmesh-system rollout status deployment/telmesh --timeout=300s

log "deploying the demo workloads"
kubectl apply -f "$here/manifests/20-network.yaml"
kubectl apply -f "$here/manifests/30-workloads.yaml"
kubectl -n "$NS" wait --for=condition=Ready pod/server pod/client --timeout=300s

for pod in server client; do
  status=$(kubectl -n "$NS" get pod "$pod" -o jsonpath='{.metadata.annotations.k8s\.v1\.cni\.cncf\.io/network-status}')
  grep -q '"interface": *"net1"' <<<"$status" || fail "$pod: Multus reports no net1: $status"
done
pass "server and client are Ready with net1 (Multus network-status)"

# --- helpers -----------------------------------------------------------------------------------

# The container of each pod that has curl and socat (the Envoy image has no HTTP client).
tools_container() { if [[ $1 == server ]]; then echo tcp-echo; else echo app; fi; }

# A sidecar's counters, from its admin endpoint (127.0.0.1:15000, which capture leaves alone).
envoy_stats() { kubectl -n "$NS" exec "$1" -c "$(tools_container "$1")" -- curl -fsS http://127.0.0.1:15000/stats; }

# One counter out of envoy_stats output; fails if Envoy has no such stat (a wrong name must not
# pass as "unchanged").
stat_of() { # STATS NAME
  awk -v name="$2" 'index($0, name ": ") == 1 { print substr($0, length(name) + 3); found = 1 }
    END { exit !found }' <<<"$1" || fail "no Envoy stat $2"
}

# The counters that move when the sidecar carries a connection: listeners 15001/15006, every
# tcp_proxy, the data-plane clusters' connections and bytes.
traffic_counters() { # STATS
  grep -E '^(tcp\.|listener\.0\.0\.0\.0_1500[16]\.|cluster\.(inbound|outbound|PassthroughCluster|InboundPassthroughCluster|BlackHoleCluster))' <<<"$1" \
    | grep -E '\.(downstream_cx_total|upstream_cx_total|downstream_cx_no_route|no_filter_chain_match|idle_timeout|[a-z_]*cx_[rt]x_bytes_total): ' \
    | sort || true
}

# The client sends one line to HOST:PORT (a socat address type) and must get it back. Its input
# stays open 2 s: SCTP has no half-close, and closing early could drop the echo.
echo_via() { # SOCAT_TYPE HOST:PORT TOKEN
  local reply
  # shellcheck disable=SC2016 # $1..$3 are the remote shell's arguments
  reply=$(kubectl -n "$NS" exec client -c app -- sh -c '{ printf "%s\n" "$3"; sleep 2; } | socat -t 5 - "$1:$2"' \
    sh "$1" "$2" "$3") \
    || fail "$1 to $2: socat failed"
  [[ $reply == "$3" ]] || fail "$1 to $2: sent '$3', got back '$reply'"
}

proxy_status_synced() {
  local out=""
  for _ in $(seq 30); do
    # -Xmx: a second JVM next to the server's, inside the same memory limit. Only stdout (the
    # table: NAME CDS LDS EDS RDS VERSION) is parsed; errors go to the terminal.
    if out=$(kubectl -n telmesh-system exec deploy/telmesh -- env TELMESH_JAVA_OPTS=-Xmx128m \
        telmesh proxy-status --xds-address "$XDS") \
      && awk -v ns="$NS" '
        NR == 1 || NF == 0 { next }
        $1 == "server." ns || $1 == "client." ns { seen++ }
        !($2 == "SYNCED" && $3 == "SYNCED" && $4 == "SYNCED" && $5 == "SYNCED") { bad = 1 }
        END { exit !(seen == 2 && !bad) }' <<<"$out"; then
      printf '%s\n' "$out"
      return 0
    fi
    sleep 2
  done
  printf '%s\n' "$out" >&2
  fail "telmesh proxy-status: not every sidecar is SYNCED (CDS, LDS, EDS, RDS)"
}

# --- checks ------------------------------------------------------------------------------------

log "telmesh proxy-status: every sidecar SYNCED"
proxy_status_synced
pass "server.$NS and client.$NS are SYNCED"

# The client's sidecar knows the server's net1 address as a Diameter peer (headless Service
# diameter-signaling) once telmesh has seen the server Ready; wait for that listener.
# (Output is read into variables before grep: a `curl | grep -q` pipeline can fail on SIGPIPE.)
peer_listener=false
for _ in $(seq 60); do
  listeners=$(kubectl -n "$NS" exec client -c app -- curl -fsS http://127.0.0.1:15000/listeners)
  if grep -q "^${SERVER_NET1}_3868::" <<<"$listeners"; then
    peer_listener=true
    break
  fi
  sleep 1
done
[[ $peer_listener == true ]] \
  || fail "the client's sidecar has no Diameter listener ${SERVER_NET1}_3868 for the server's net1 address"

log "TCP through the sidecars, counted per network"
# Each path: the echo must come back, the chain of its interface (and of the client's outbound
# side) must count exactly this connection, and the same port's chain on the other interface
# must not move. Stat prefixes: docs/translation.md (inbound|PORT|IFACE| per interface chain,
# the cluster name for outbound).
tcp_path() { # TARGET TOKEN SERVER_STAT OTHER_INTERFACE_STAT CLIENT_STAT
  local s0 c0 s1 c1 own0 own1 other0 other1 out0 out1
  s0=$(envoy_stats server); c0=$(envoy_stats client)
  echo_via TCP "$1" "$2"
  sleep 1
  s1=$(envoy_stats server); c1=$(envoy_stats client)
  own0=$(stat_of "$s0" "$3"); own1=$(stat_of "$s1" "$3")
  other0=$(stat_of "$s0" "$4"); other1=$(stat_of "$s1" "$4")
  out0=$(stat_of "$c0" "$5"); out1=$(stat_of "$c1" "$5")
  ((own1 == own0 + 1)) || fail "$2: server $3 went from $own0 to $own1, not +1"
  ((other1 == other0)) || fail "$2: server $4 moved ($other0 to $other1) for traffic on the other interface"
  ((out1 == out0 + 1)) || fail "$2: client $5 went from $out0 to $out1, not +1"
  pass "$2: echoed; server $3 +1, $4 unchanged; client $5 +1"
}
tcp_path "tcp-echo.$NS.svc.cluster.local:9000" eth0-tcp \
  'tcp.inbound|9000|eth0|.downstream_cx_total' 'tcp.inbound|9000|net1|.downstream_cx_total' \
  "tcp.outbound|9000||tcp-echo.$NS.svc.cluster.local.downstream_cx_total"
tcp_path "$SERVER_NET1:9000" net1-tcp \
  'tcp.inbound|9000|net1|.downstream_cx_total' 'tcp.inbound|9000|eth0|.downstream_cx_total' \
  'tcp.PassthroughCluster.downstream_cx_total'
tcp_path "diameter.$NS.svc.cluster.local:3868" eth0-diameter \
  'tcp.inbound|3868|eth0|.downstream_cx_total' 'tcp.inbound|3868|net1|.downstream_cx_total' \
  "tcp.outbound|3868||diameter.$NS.svc.cluster.local.downstream_cx_total"
tcp_path "$SERVER_NET1:3868" net1-diameter \
  'tcp.inbound|3868|net1|.downstream_cx_total' 'tcp.inbound|3868|eth0|.downstream_cx_total' \
  "tcp.outbound|3868||diameter-signaling.$NS.svc.cluster.local.downstream_cx_total"

log "SCTP and UDP over net1: they work, and no Envoy counter moves"
sleep 2 # let the closed TCP connections' last bytes settle in the counters
server_before=$(traffic_counters "$(envoy_stats server)")
client_before=$(traffic_counters "$(envoy_stats client)")
[[ -n $server_before && -n $client_before ]] || fail "no traffic counters read from the sidecars"
echo_via SCTP-CONNECT "$SERVER_NET1:38412" net1-sctp
echo_via UDP "$SERVER_NET1:2152" net1-udp
sleep 2
server_after=$(traffic_counters "$(envoy_stats server)")
client_after=$(traffic_counters "$(envoy_stats client)")
[[ $server_after == "$server_before" ]] || { diff <(echo "$server_before") <(echo "$server_after") || true; fail "server sidecar counters moved for SCTP/UDP"; }
[[ $client_after == "$client_before" ]] || { diff <(echo "$client_before") <(echo "$client_after") || true; fail "client sidecar counters moved for SCTP/UDP"; }
for pod in server client; do
  listeners=$(kubectl -n "$NS" exec "$pod" -c "$(tools_container "$pod")" -- curl -fsS http://127.0.0.1:15000/listeners)
  clusters=$(kubectl -n "$NS" exec "$pod" -c "$(tools_container "$pod")" -- curl -fsS http://127.0.0.1:15000/clusters \
    | cut -d: -f1 | sort -u)
  ! grep -Eq '_(38412|2152)(:|$)|:(38412|2152)$' <<<"$listeners" || fail "$pod: a listener for the SCTP/UDP port: $listeners"
  ! grep -Eq '\|(38412|2152)\|' <<<"$clusters" || fail "$pod: a cluster for the SCTP/UDP port"
done
pass "SCTP 38412 and UDP 2152 echoed over net1; $(wc -l <<<"$server_before") server and $(wc -l <<<"$client_before") client counters unchanged; no listener or cluster for either port"

log "idle connections: plain TCP is cut after ${IDLE_TIMEOUT}s (IDLE_TIMEOUT), Diameter is not (${IDLE_WAIT}s wait)"
conns=(plain-eth0 plain-net1 diameter-eth0 diameter-net1)
targets=("tcp-echo.$NS.svc.cluster.local:9000" "$SERVER_NET1:9000" "diameter.$NS.svc.cluster.local:3868" "$SERVER_NET1:3868")
# The idle_timeout counter of each connection's tcp_proxy, client side then server side.
idle_stats=(
  "tcp.outbound|9000||tcp-echo.$NS.svc.cluster.local.idle_timeout" 'tcp.inbound|9000|eth0|.idle_timeout'
  'tcp.PassthroughCluster.idle_timeout' 'tcp.inbound|9000|net1|.idle_timeout'
  "tcp.outbound|3868||diameter.$NS.svc.cluster.local.idle_timeout" 'tcp.inbound|3868|eth0|.idle_timeout'
  "tcp.outbound|3868||diameter-signaling.$NS.svc.cluster.local.idle_timeout" 'tcp.inbound|3868|net1|.idle_timeout'
)
idle_count() { # CLIENT_STATS SERVER_STATS INDEX: both sides' idle_timeout for connection INDEX
  local client server
  client=$(stat_of "$1" "${idle_stats[$((2 * $3))]}")
  server=$(stat_of "$2" "${idle_stats[$((2 * $3 + 1))]}")
  echo $((client + server))
}
c0=$(envoy_stats client); s0=$(envoy_stats server)
for i in "${!conns[@]}"; do
  kubectl -n "$NS" exec client -c app -- conn open "${conns[$i]}" "${targets[$i]}" \
    || fail "${conns[$i]}: cannot open a connection to ${targets[$i]}"
done
sleep "$IDLE_WAIT"
c1=$(envoy_stats client); s1=$(envoy_stats server)
for i in "${!conns[@]}"; do
  name=${conns[$i]}
  state=$(kubectl -n "$NS" exec client -c app -- conn state "$name")
  before=$(idle_count "$c0" "$s0" "$i"); after=$(idle_count "$c1" "$s1" "$i")
  cut=$((after - before))
  if [[ $name == plain-* ]]; then
    [[ $state =~ ^closed\ after\ ([0-9]+)\ s$ ]] || fail "$name: still $state after ${IDLE_WAIT}s idle"
    secs=${BASH_REMATCH[1]}
    ((secs >= IDLE_TIMEOUT - 5 && secs <= IDLE_WAIT)) || fail "$name: closed after ${secs}s, not at the ${IDLE_TIMEOUT}s idle timeout"
    ((cut >= 1)) || fail "$name: closed, but no sidecar counted an idle timeout"
    pass "$name: closed after ${secs}s idle; the sidecars counted $cut idle timeout(s)"
  else
    [[ $state == open ]] || fail "$name: $state (a Diameter connection must survive idleness)"
    kubectl -n "$NS" exec client -c app -- conn send "$name" "$name-after-idle" || fail "$name: no echo after ${IDLE_WAIT}s idle"
    ((cut == 0)) || fail "$name: a sidecar counted an idle timeout on a Diameter connection"
    pass "$name: open after ${IDLE_WAIT}s idle and still echoing; no idle timeout counted"
  fi
done

log "telmesh proxy-status after the traffic"
proxy_status_synced

log "PASSED: every check of the kind e2e recipe"
