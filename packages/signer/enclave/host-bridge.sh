#!/usr/bin/env bash
# Host side of the vsock bridge: listens on the parent instance's loopback (127.0.0.1 only) and
# relays each connection to the enclave's vsock port, where the enclave's own socat relays it to
# the sidecar on the enclave's 127.0.0.1. The host only ever carries bytes: requests are
# HMAC-authenticated, every answer carries a receipt signed inside the enclave, and key material
# arrives sealed to the attested enclave key, so this bridge can delay or drop traffic but not
# forge or read what matters (docs/nitro.md).
#
#   host-bridge.sh --cid <enclave CID> [--vsock-port 5000] [--listen-port 8545] [--max-connections 64]
#
# The CID is the one given to run-enclave.sh (--enclave-cid). Runs in the foreground (exec
# socat): see airlock-host-bridge.service for systemd.
set -euo pipefail

# shellcheck disable=SC2034 # read by script-lib.sh
PROG=host-bridge
# shellcheck source=script-lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/script-lib.sh"

usage() {
  echo "usage: $0 --cid <enclave CID> [--vsock-port <port>] [--listen-port <port>] [--max-connections <n>]" >&2
}

cid=""
vsock_port="5000"
listen_port="8545"
max_connections="64"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cid | --vsock-port | --listen-port | --max-connections)
      [[ $# -ge 2 ]] || { usage; die "$1 needs a value"; }
      case "$1" in
        --cid) cid="$2" ;;
        --vsock-port) vsock_port="$2" ;;
        --listen-port) listen_port="$2" ;;
        --max-connections) max_connections="$2" ;;
      esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage
      die "unknown argument: $1"
      ;;
  esac
done

[[ -n "$cid" ]] || { usage; die "--cid is required (the enclave's CID, as given to run-enclave.sh --enclave-cid)"; }
# CIDs 0..3 are the hypervisor, local, host and parent instance; 4294967295 is VMADDR_CID_ANY.
check_int "--cid" "$cid" 4 4294967294
check_int "--vsock-port" "$vsock_port" 1 4294967294
check_int "--listen-port" "$listen_port" 1 65535
check_int "--max-connections" "$max_connections" 1 4096

command -v socat >/dev/null 2>&1 || die "socat is not installed (dnf install socat / apt-get install socat; 1.7.4 or later, for VSOCK)"
socat -V 2>/dev/null | grep -q "define WITH_VSOCK 1" || die "this socat has no VSOCK support (1.7.4 or later is needed)"

echo "host-bridge: 127.0.0.1:${listen_port} -> vsock ${cid}:${vsock_port}" >&2
# bind=127.0.0.1: never reachable from another machine; max-children bounds concurrent relays.
exec socat \
  "TCP-LISTEN:${listen_port},bind=127.0.0.1,fork,reuseaddr,max-children=${max_connections}" \
  "VSOCK-CONNECT:${cid}:${vsock_port}"
