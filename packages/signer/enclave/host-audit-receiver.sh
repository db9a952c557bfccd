#!/usr/bin/env bash
# Host side of the enclave's audit channel: receives the sidecar's hash-chained audit log, which
# the enclave's supervisor sends to vsock port 5001 of the parent instance, into append-only
# files, one per connection. One connection is one enclave run, and each run starts its chain
# again at seq 0, so each gets its own file: `airlock-signer audit verify <file>` checks it.
#
#   host-audit-receiver.sh --dir <directory> [--vsock-port 5001]
#
# One connection at a time (socat without fork): a second sender is refused while a run is
# being received. Each file is created new (O_CREAT|O_EXCL, mode 0600) and written with
# O_APPEND; an existing file is never opened. Named audit-<UTC time the receiver started
# waiting>-<pid>-<n>.jsonl; the records' own `ts` say when each decision was made.
#
# The host can write anything into these files, but it cannot forge a decision: every decision
# record carries the receipt the enclave signed with its attested key (docs/receipts.md), and
# the chain shows a record removed, changed or reordered inside a file. It can still cut the end
# of a file or drop a whole file (keep the clients' receipts, and copy the files and their head
# hashes elsewhere: docs/nitro.md).
#
# Runs in the foreground; after each connection, however it ended, it waits for the next one
# (a run that ended abruptly shows as a file whose last line is cut: the enclave stopped). It
# exits with socat's status when socat fails before a file exists (it cannot listen, or cannot
# create the file). Whenever the channel breaks, the enclave's supervisor stops the enclave:
# decisions are never made with nowhere to record them. See airlock-audit-receiver.service.
set -euo pipefail

# shellcheck disable=SC2034 # read by script-lib.sh
PROG=host-audit-receiver
# shellcheck source=script-lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/script-lib.sh"

usage() {
  echo "usage: $0 --dir <directory> [--vsock-port <port>]" >&2
}

dir=""
vsock_port="5001"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir | --vsock-port)
      [[ $# -ge 2 ]] || { usage; die "$1 needs a value"; }
      case "$1" in
        --dir) dir="$2" ;;
        --vsock-port) vsock_port="$2" ;;
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

[[ -n "$dir" ]] || { usage; die "--dir is required (where the audit files go)"; }
# The path goes into a socat address: no ':', ',', '!' or spaces, which socat would parse.
[[ "$dir" =~ ^/[A-Za-z0-9._/-]*$ ]] || die "--dir must be an absolute path of letters, digits, '.', '_', '-' and '/'"
[[ -d "$dir" ]] || die "--dir: no such directory: $dir"
check_int "--vsock-port" "$vsock_port" 1 4294967294

command -v socat >/dev/null 2>&1 || die "socat is not installed (dnf install socat / apt-get install socat; 1.7.4 or later, for VSOCK)"
socat -V 2>/dev/null | grep -q "define WITH_VSOCK 1" || die "this socat has no VSOCK support (1.7.4 or later is needed)"

umask 077
echo "host-audit-receiver: vsock port ${vsock_port} -> ${dir}" >&2
n=0
while true; do
  n=$((n + 1))
  file="${dir}/audit-$(date -u +%Y%m%dT%H%M%SZ)-$$-${n}.jsonl"
  [[ ! -e "$file" ]] || die "${file} exists already; refusing to touch it"
  # -u: read the connection, write the file, which socat opens once a sender has connected.
  status=0
  socat -u "VSOCK-LISTEN:${vsock_port},reuseaddr" "OPEN:${file},creat,excl,wronly,append,perm=0600" || status=$?
  if [[ ! -e "$file" ]]; then
    echo "host-audit-receiver: socat exited with status ${status} before a connection was stored" >&2
    exit $((status == 0 ? 1 : status))
  fi
  echo "host-audit-receiver: connection ended (socat status ${status}): ${file}" >&2
done
