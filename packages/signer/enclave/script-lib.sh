# shellcheck shell=bash
# Helpers shared by the enclave's operator scripts (build-eif.sh, run-enclave.sh, host-bridge.sh,
# host-audit-receiver.sh). Sourced, never run: the caller sets PROG to its name first.

# A usage or input error: one line on stderr naming the script, exit 2.
die() {
  echo "${PROG}: $*" >&2
  exit 2
}

# A decimal integer within [min, max], digits only (no sign, no leading zero, no spaces).
check_int() {
  local name="$1" value="$2" min="$3" max="$4"
  [[ "$value" =~ ^[1-9][0-9]{0,9}$ ]] || die "$name must be a decimal integer from $min to $max"
  ((value >= min && value <= max)) || die "$name must be a decimal integer from $min to $max"
}
