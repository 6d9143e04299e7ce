#!/usr/bin/env bash
# Builds the Go programs telmesh's tests run against ("peers") from the Go module
# proxy, once, into $TELMESH_E2E_CACHE (default ~/.cache/telmesh-e2e).
#
#   build.sh PEER...   build (or find) each peer; print one binary path per line
#   build.sh all-ci    the peers CI's tests run: kube-apiserver, kubectl, etcd,
#                      istioctl, pilot-agent (istio-agent), and every module
#                      e2e/peers/NAME/ of our own
#   build.sh all       all-ci plus pilot-discovery (istiod, for benchmarks)
#
# Upstream peers are built from the modules under upstream/ (see README.md); a
# peer of our own is any directory e2e/peers/NAME/ holding a go.mod whose root
# package is a main package. Paths go to stdout, progress to stderr. Safe to run
# from several processes at once: each peer is built by one and waited for by
# the others.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TELMESH_E2E_CACHE:-$HOME/.cache/telmesh-e2e}

# The toolchain fetched when the machine's go is missing or older than a module
# needs. Go publishes its toolchains on the module proxy as this module; the sum
# is the one the checksum database holds for it (linux-amd64 only).
fallback_go=1.26.8
fallback_go_sum='h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM='

# kube-apiserver first: kubectl after it reuses most of its build.
ci_upstream=(kube-apiserver kubectl etcd istioctl pilot-agent)
# Built on demand: benchmarks only.
more_upstream=(pilot-discovery)

# Flags every peer is built with (the environment is set in main).
build_flags=(-trimpath)

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Peers of our own: directories beside this script with their own go.mod.
own_peers() {
  local mod
  for mod in "$here"/*/go.mod; do
    [[ -e $mod ]] && basename "$(dirname "$mod")"
  done
  return 0
}

# The version of module $2 that go.mod $1 requires.
required_version() {
  awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

# Hash of the files under $1 (names and contents) and of the remaining
# arguments, so that editing a module or a build flag builds anew.
inputs_hash() {
  local dir=$1
  shift
  {
    (cd "$dir" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-12
}

version_at_least() { # $1 >= $2, both like 1.26.8
  [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]
}

# Go's directory hash ("h1:"), as go.sum records it, of the tree under $1 whose
# files the module zip names with prefix $2.
dirhash() {
  local hex
  hex=$(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
    sed "s|  \./|  $2/|" | sha256sum | cut -c1-64)
  local bytes='' i
  for ((i = 0; i < ${#hex}; i += 2)); do bytes+="\\x${hex:i:2}"; done
  printf 'h1:%s\n' "$(printf '%b' "$bytes" | base64)"
}

# Sets $go to a go command of at least version $1, fetching the fallback
# toolchain from the module proxy when there is none.
go=
choose_go() {
  local need=$1 have=
  if [[ -n $go ]] && version_at_least "$("$go" env GOVERSION | sed 's/^go//')" "$need"; then
    return
  fi
  if command -v go >/dev/null 2>&1; then
    have=$(go env GOVERSION | sed 's/^go//')
    if version_at_least "$have" "$need"; then
      go=$(command -v go)
      return
    fi
  fi
  version_at_least "$fallback_go" "$need" || die "modules need go $need, newer than the fallback go $fallback_go"
  log "go ${have:-not found}, need $need: using go $fallback_go from the module proxy"
  go=$(fetch_go)
}

fetch_go() {
  local root=$cache/go$fallback_go
  if [[ ! -x $root/bin/go ]]; then
    [[ $(uname -sm) == "Linux x86_64" ]] || die "no fallback toolchain for $(uname -sm): install go $fallback_go"
    if ! command -v curl >/dev/null || ! command -v unzip >/dev/null; then
      die "fetching go needs curl and unzip"
    fi
    local proxy=${GOPROXY:-}
    [[ -n $proxy ]] || ! command -v go >/dev/null || proxy=$(go env GOPROXY)
    proxy=$(tr ',|' '\n' <<<"$proxy" | grep -m1 '^https\?://') ||
      die "no module proxy to fetch go from: set GOPROXY to its URL"
    local mod=golang.org/toolchain@v0.0.1-go$fallback_go.linux-amd64
    locked "go$fallback_go" fetch_go_locked "$root" "$proxy" "$mod"
  fi
  printf '%s\n' "$root/bin/go"
}

fetch_go_locked() {
  local root=$1 proxy=$2 mod=$3
  [[ -x $root/bin/go ]] && return
  local start=$SECONDS
  curl -fsSL --retry 3 -o "$tmp/go.zip" "$proxy/${mod%@*}/@v/${mod#*@}.zip"
  unzip -q "$tmp/go.zip" -d "$tmp/x"
  local sum
  sum=$(dirhash "$tmp/x/$mod" "$mod")
  [[ $sum == "$fallback_go_sum" ]] || die "go $fallback_go: checksum $sum, expected $fallback_go_sum"
  # Module zips carry no file modes; the go command marks these executable itself.
  find "$tmp/x/$mod/bin" "$tmp/x/$mod/pkg/tool" -type f -exec chmod 755 {} +
  mv -T "$tmp/x/$mod" "$root"
  log "go $fallback_go: fetched and verified in $((SECONDS - start))s"
}

tmp=
# Runs "$2 ARGS..." holding the lock named $1, with $tmp a fresh directory on
# the cache's file system that is removed afterwards. A builder that fails or is
# killed leaves only its temporary directory behind, cleared by the next holder.
locked() {
  local name=$1
  shift
  mkdir -p "$cache/.locks"
  local fd
  exec {fd}>>"$cache/.locks/$name.lock"
  if ! flock -n "$fd"; then
    log "$name: waiting for another build of it"
    flock "$fd"
  fi
  rm -rf "$cache/.tmp-$name".*
  tmp=$(mktemp -d "$cache/.tmp-$name.XXXXXX")
  # Not "$@" || ...: that would switch off set -e for everything the command runs.
  "$@"
  rm -rf "$tmp"
  exec {fd}>&-
}

# Sets the recipe of peer $1: module directory, package, binary name, version,
# and the go build flags.
describe() {
  peer=$1 bin=$1 pkg='' version='' tags='' companion=''
  ldflags=(-s -w)
  case $peer in
    kube-apiserver | kubectl)
      dir=$here/upstream/kube pkg=k8s.io/kubernetes/cmd/$peer
      version=$(required_version "$dir/go.mod" k8s.io/kubernetes)
      local minor=${version#v1.}
      minor=${minor%%.*}
      local p
      # What hack/lib/version.sh stamps, minus the commit: "--version" and the
      # API's /version then say v1.35.4 rather than v0.0.0-master.
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=(-X "$p.gitVersion=$version" -X "$p.gitMajor=1" -X "$p.gitMinor=$minor")
      done
      ;;
    etcd)
      dir=$here/upstream/etcd pkg=go.etcd.io/etcd/server/v3
      version=$(required_version "$dir/go.mod" "$pkg")
      ;;
    istioctl | pilot-discovery | pilot-agent)
      dir=$here/upstream/istio
      pkg=istio.io/istio/$([[ $peer == istioctl ]] && echo istioctl || echo pilot)/cmd/$peer
      version=$(required_version "$dir/go.mod" istio.io/istio)
      # Istio's own release build: vtprotobuf marshalling, no protoc-gen-validate code.
      tags=vtprotobuf,disable_pgv
      # The agent renders Envoy's bootstrap from this template, which Istio's proxy image
      # holds at ./var/lib/istio/envoy/; kept beside the binary for tests to put there.
      [[ $peer != pilot-agent ]] || companion=tools/packaging/common/envoy_bootstrap.json
      local rev=${version##*-} p=istio.io/istio/pkg/version
      # buildVersion comes from the module's VERSION file once it is downloaded.
      ldflags+=(-X "$p.buildGitRevision=$rev" -X "$p.buildStatus=Clean" -X "$p.buildTag=$version")
      ;;
    *)
      [[ $peer =~ ^[a-z0-9][a-z0-9_-]*$ && -f $here/$peer/go.mod ]] ||
        die "unknown peer '$peer' (known: ${ci_upstream[*]} ${more_upstream[*]} $(own_peers | tr '\n' ' ')all-ci all)"
      dir=$here/$peer pkg=.
      ;;
  esac
  local h
  h=$(inputs_hash "$dir" "$pkg" "$tags" "$companion" "${ldflags[@]}" "${build_flags[@]}" "$CGO_ENABLED")
  if [[ -n $version ]]; then key=$peer-$version-$h; else key=$peer-$h; fi
}

# Builds the peer described last into $cache/$key unless a process that held
# the lock before us already did.
build_locked() {
  [[ -x $cache/$key/$bin ]] && return
  choose_go "$(awk '$1 == "go" { print $2; exit }' "$dir/go.mod")"
  local start=$SECONDS
  # The sources a build needs, fetched first so the log tells network time from
  # compile time.
  "$go" -C "$dir" list -deps "$pkg" >/dev/null
  local fetched=$((SECONDS - start)) flags=("${ldflags[@]}") tagflag=()
  [[ -z $tags ]] || tagflag=(-tags="$tags")
  if [[ $pkg == istio.io/* ]]; then
    flags+=(-X "istio.io/istio/pkg/version.buildVersion=$(<"$("$go" -C "$dir" list -m -f '{{.Dir}}' istio.io/istio)/VERSION")-dev")
  fi
  "$go" -C "$dir" build "${build_flags[@]}" "${tagflag[@]}" -ldflags="${flags[*]}" -o "$tmp/$bin" "$pkg"
  if [[ -n $companion ]]; then
    cp "$("$go" -C "$dir" list -m -f '{{.Dir}}' istio.io/istio)/$companion" "$tmp/"
  fi
  chmod 755 "$tmp"
  mv -T "$tmp" "$cache/$key"
  built="built in $((SECONDS - start))s (sources ${fetched}s) with $("$go" env GOVERSION)"
}

build() {
  describe "$1"
  local out=$cache/$key/$bin start=$SECONDS built=
  if [[ -x $out ]]; then
    built=cached
  else
    locked "$key" build_locked
    [[ -x $out ]] || die "$peer: no binary at $out"
    : "${built:=built by another process while we waited $((SECONDS - start))s}"
  fi
  log "$peer ${version:-(own)}: $built"
  printf '%s\n' "$out"
}

main() {
  (($#)) || die "usage: build.sh PEER... | all-ci | all"
  # Static binaries, no C toolchain; the peers' own modules and go.sum decide
  # every version, whatever go.work or GOFLAGS the caller has.
  export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false
  mkdir -p "$cache"
  trap '[[ -z ${tmp:-} ]] || rm -rf "$tmp"' EXIT
  local peers=() arg
  for arg in "$@"; do
    case $arg in
      all-ci) peers+=("${ci_upstream[@]}") ;;
      all) peers+=("${ci_upstream[@]}" "${more_upstream[@]}") ;;
      *) peers+=("$arg") ;;
    esac
    if [[ $arg == all-ci || $arg == all ]]; then
      mapfile -t -O "${#peers[@]}" peers < <(own_peers)
    fi
  done
  local peer
  for peer in "${peers[@]}"; do
    build "$peer"
  done
}

main "$@"
