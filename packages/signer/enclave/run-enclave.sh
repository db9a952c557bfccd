#!/usr/bin/env bash
# Starts the Airlock signer enclave from an EIF built by build-eif.sh, in production mode only.
#
#   run-enclave.sh --eif <file.eif> --cid <CID> [--cpu-count 2] [--memory 2048] [--name airlock-signer]
#
# The CID is fixed (not left to nitro-cli) so host-bridge.sh knows where to connect. The CPUs
# and memory must fit what the allocator reserves (/etc/nitro_enclaves/allocator.yaml:
# cpu_count, memory_mib). nitro-cli prints the enclave's EnclaveID, EnclaveCID, CPUs and memory
# as JSON on stdout.
#
# There is no --debug-mode here, and passing it is refused: a debug-mode enclave reports PCR0,
# PCR1 and PCR2 as all zeros, so its attestation proves nothing about the code, and Airlock
# clients refuse it (allowDebugPcrs is off by default); its console also shows the host what the
# enclave prints. Debug enclaves are for development with throwaway keys, started by hand.
set -euo pipefail

# shellcheck disable=SC2034 # read by script-lib.sh
PROG=run-enclave
# shellcheck source=script-lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/script-lib.sh"

usage() {
  echo "usage: $0 --eif <file.eif> --cid <CID> [--cpu-count <n>] [--memory <MiB>] [--name <name>]" >&2
}

eif=""
cid=""
cpu_count="2"
memory="2048"
name="airlock-signer"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --eif | --cid | --cpu-count | --memory | --name)
      [[ $# -ge 2 ]] || { usage; die "$1 needs a value"; }
      case "$1" in
        --eif) eif="$2" ;;
        --cid) cid="$2" ;;
        --cpu-count) cpu_count="$2" ;;
        --memory) memory="$2" ;;
        --name) name="$2" ;;
      esac
      shift 2
      ;;
    --debug-mode | --attach-console)
      die "$1 is refused: a debug-mode enclave reports all-zero PCR0..2 (its attestation proves nothing and Airlock clients refuse it) and shows its console to the host"
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

[[ -n "$eif" ]] || { usage; die "--eif is required (the file build-eif.sh wrote)"; }
[[ -n "$cid" ]] || { usage; die "--cid is required (host-bridge.sh connects to it)"; }
[[ -f "$eif" ]] || die "--eif: no such file: $eif"
# CIDs 0..3 are the hypervisor, local, host and parent instance; 4294967295 is VMADDR_CID_ANY.
check_int "--cid" "$cid" 4 4294967294
check_int "--cpu-count" "$cpu_count" 1 1024
check_int "--memory" "$memory" 64 1048576
[[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] || die "--name must be 1 to 64 letters, digits, '.', '_' or '-'"

command -v nitro-cli >/dev/null 2>&1 || die "nitro-cli is not installed (on Amazon Linux: dnf install aws-nitro-enclaves-cli), or this is not a Nitro Enclaves parent instance"

exec nitro-cli run-enclave \
  --eif-path "$eif" \
  --enclave-cid "$cid" \
  --cpu-count "$cpu_count" \
  --memory "$memory" \
  --enclave-name "$name"
