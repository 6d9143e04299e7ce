#!/usr/bin/env bash
# conn: long-lived TCP connections that outlive the `kubectl exec` that opened them, for run.sh's
# idle-timeout check.
#   conn open NAME HOST:PORT  connect, send "NAME-hello" and wait for the echo
#   conn send NAME TEXT       send a line on an open connection and wait for its echo
#   conn state NAME           "open", or "closed after N s" (N = seconds from open to close)
# Each connection is a socat whose stdin is a FIFO held open by its parent shell, so it never
# sees EOF from our side: it ends only when the peer (here: a sidecar's idle timeout) closes.
set -euo pipefail

dir=/tmp/conn
usage() {
  echo "usage: conn open NAME HOST:PORT | conn send NAME TEXT | conn state NAME" >&2
  exit 2
}

send() {
  local name=$1 text=$2
  if [[ -e "$dir/$name.end" ]]; then
    echo "conn: $name is closed" >&2
    return 1
  fi
  # The FIFO has a reader while the connection lives; the timeout guards the race with its end.
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  timeout 5 bash -c 'printf "%s\n" "$2" >"$1"' conn-send "$dir/$name.in" "$text"
  for _ in $(seq 50); do
    if grep -qxF -- "$text" "$dir/$name.out" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "conn: no echo of '$text' on $name within 5 s" >&2
  return 1
}

[[ $# -ge 2 ]] || usage
cmd=$1 name=$2
case "$cmd" in
  open)
    [[ $# -eq 3 ]] || usage
    mkdir -p "$dir"
    rm -f "$dir/$name".*
    mkfifo "$dir/$name.in"
    # setsid: a session of its own, so the end of the kubectl exec does not take it along.
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    setsid bash -c '
      exec 3<>"$1.in"
      date +%s >"$1.start"
      socat STDIO "TCP:$2" <&3 >"$1.out" 2>"$1.err" || true
      date +%s >"$1.end"' conn-hold "$dir/$name" "$3" </dev/null >/dev/null 2>&1 &
    send "$name" "$name-hello"
    ;;
  send)
    [[ $# -eq 3 ]] || usage
    send "$name" "$3"
    ;;
  state)
    if [[ -e "$dir/$name.end" ]]; then
      echo "closed after $(($(cat "$dir/$name.end") - $(cat "$dir/$name.start"))) s"
    else
      echo open
    fi
    ;;
  *) usage ;;
esac
