#!/usr/bin/env bash
# Builds the Airlock signer enclave image file (EIF) and prints its measurements as JSON:
#
#   build-eif.sh --config <dir> [--output airlock-signer.eif] [--tag airlock-signer-enclave:local]
#                [--signing-certificate cert.pem --private-key key.pem]
#                [--node-image node:22-alpine3.23@sha256:<digest>] [--socat-package socat=<version>]
#
# 1. docker buildx build of packages/signer/enclave/Dockerfile from this checkout, with
#    SOURCE_DATE_EPOCH (the environment's, else the last commit's time) and rewrite-timestamp,
#    so the same commit and pinned inputs give the same image bytes, hence the same PCR0; the
#    enclave's configuration directory (--config: enclave.env and the files it names, no secret;
#    config.example/ shows the format) becomes /etc/airlock in the image, and so part of PCR0.
#    It is checked first when Node is installed here (enclave-config.mjs), and always in the
#    image build;
# 2. nitro-cli build-enclave --docker-uri <tag> --output-file <eif> (plus --signing-certificate
#    and --private-key when both are given: the EIF is then signed and PCR8 identifies the
#    signing certificate);
# 3. prints, from nitro-cli's JSON ({"Measurements": {"HashAlgorithm", "PCR0", "PCR1", "PCR2"
#    [, "PCR8"]}}), {"eif", "image", "config", "sourceDateEpoch", "signed", "pcrs", "allowedPcrs"} on
#    stdout and into <eif>.pcrs.json. "pcrs"."0" is what the owner registers on chain;
#    "allowedPcrs" is the client's `nitro.allowedPcrs` (docs/nitro.md).
# Everything else nitro-cli and docker print goes to stderr.
set -euo pipefail

# shellcheck disable=SC2034 # read by script-lib.sh
PROG=build-eif
# shellcheck source=script-lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/script-lib.sh"

usage() {
  echo "usage: $0 --config <dir> [--output <file.eif>] [--tag <image:tag>] [--signing-certificate <cert.pem> --private-key <key.pem|KMS key ARN>] [--node-image <image>] [--socat-package <apk spec>]" >&2
}
need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${script_dir}/../../.." && pwd)"
dockerfile="${repo}/packages/signer/enclave/Dockerfile"

output="airlock-signer.eif"
tag="airlock-signer-enclave:local"
certificate=""
private_key=""
node_image=""
socat_package=""
config=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config | --output | --tag | --signing-certificate | --private-key | --node-image | --socat-package)
      [[ $# -ge 2 && -n "$2" ]] || { usage; die "$1 needs a value"; }
      case "$1" in
        --config) config="$2" ;;
        --output) output="$2" ;;
        --tag) tag="$2" ;;
        --signing-certificate) certificate="$2" ;;
        --private-key) private_key="$2" ;;
        --node-image) node_image="$2" ;;
        --socat-package) socat_package="$2" ;;
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

# No default: PCR0 measures the configuration, so the operator names the one to build in.
[[ -n "$config" ]] || { usage; die "--config is required: the directory with enclave.env (see packages/signer/enclave/config.example)"; }
[[ -d "$config" && ! -L "$config" ]] || die "--config: not a directory: $config"
[[ -f "$config/enclave.env" ]] || die "--config: no enclave.env in $config"
config="$(cd "$config" && pwd)"

# nitro-cli signs only with both; one alone is a mistake worth stopping for.
if [[ -n "$certificate" && -z "$private_key" ]] || [[ -z "$certificate" && -n "$private_key" ]]; then
  die "--signing-certificate and --private-key go together (both to sign the EIF, neither for an unsigned one)"
fi
signed=false
if [[ -n "$certificate" ]]; then
  signed=true
  [[ -f "$certificate" ]] || die "--signing-certificate: no such file: $certificate"
  # A KMS key ARN is accepted by recent nitro-cli versions; anything else must be a file.
  [[ "$private_key" == arn:* || -f "$private_key" ]] || die "--private-key: no such file: $private_key"
fi
[[ "$tag" =~ ^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$ ]] || die "--tag is not a docker image reference: $tag"
[[ "$output" == *.eif ]] || die "--output must name a .eif file"
[[ -f "$dockerfile" ]] || die "no Dockerfile at $dockerfile (run this script from an Airlock checkout)"

if [[ -z "${SOURCE_DATE_EPOCH:-}" ]]; then
  need git "set SOURCE_DATE_EPOCH (seconds) or install git to use the last commit's time"
  SOURCE_DATE_EPOCH="$(git -C "$repo" log -1 --pretty=%ct)" || die "git could not read the last commit's time; set SOURCE_DATE_EPOCH"
fi
[[ "$SOURCE_DATE_EPOCH" =~ ^[0-9]{1,12}$ ]] || die "SOURCE_DATE_EPOCH must be seconds since the epoch (digits only)"
export SOURCE_DATE_EPOCH

# A refused configuration would otherwise fail late in the image build.
if command -v node >/dev/null 2>&1; then
  node "${script_dir}/enclave-config.mjs" check "$config" >&2 || die "the configuration in $config is refused (see above)"
fi

need docker "https://docs.docker.com/engine/install/ (with the buildx plugin)"
docker buildx version >/dev/null 2>&1 || die "docker buildx is not available (install the buildx plugin)"
need nitro-cli "on Amazon Linux: dnf install aws-nitro-enclaves-cli aws-nitro-enclaves-cli-devel"
need jq "dnf install jq / apt-get install jq"

build_args=(--build-context "enclave-config=${config}" --build-arg "SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH}")
[[ -z "$node_image" ]] || build_args+=(--build-arg "NODE_IMAGE=${node_image}")
[[ -z "$socat_package" ]] || build_args+=(--build-arg "SOCAT_PACKAGE=${socat_package}")

echo "build-eif: building ${tag} (SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH}, configuration ${config})" >&2
docker buildx build \
  --file "$dockerfile" \
  "${build_args[@]}" \
  --output "type=docker,rewrite-timestamp=true" \
  --tag "$tag" \
  "$repo" >&2

# ${a[@]+"${a[@]}"}: an empty array under set -u on bash 4.2 (Amazon Linux 2).
sign_args=()
if [[ "$signed" == true ]]; then
  sign_args=(--signing-certificate "$certificate" --private-key "$private_key")
fi
echo "build-eif: nitro-cli build-enclave -> ${output}" >&2
measurements="$(nitro-cli build-enclave --docker-uri "$tag" --output-file "$output" ${sign_args[@]+"${sign_args[@]}"})" \
  || die "nitro-cli build-enclave failed (see above; 'nitro-cli explain --error-code <E..>' details an error code)"

# Only what nitro-cli measured, checked: 48-byte SHA-384 values, PCR8 exactly when signed.
result="$(
  jq -e \
    --arg eif "$output" \
    --arg image "$tag" \
    --arg config "$config" \
    --argjson epoch "$SOURCE_DATE_EPOCH" \
    --argjson signed "$signed" '
    def pcr($m; $k):
      ($m[$k] // error("nitro-cli printed no " + $k))
      | if type == "string" and test("^[0-9a-f]{96}$") then . else error($k + " is not 48 bytes of lowercase hex") end;
    .Measurements as $m
    | if ($m | type) == "object" then . else error("nitro-cli printed no Measurements object") end
    | if (($m.HashAlgorithm // "") | tostring | startswith("Sha384")) then . else error("unexpected HashAlgorithm") end
    | ({"0": pcr($m; "PCR0"), "1": pcr($m; "PCR1"), "2": pcr($m; "PCR2")}
       + (if $signed then {"8": pcr($m; "PCR8")}
          elif $m.PCR8 != null then error("PCR8 measured for an unsigned EIF")
          else {} end)) as $p
    | {eif: $eif, image: $image, config: $config, sourceDateEpoch: $epoch, signed: $signed, pcrs: $p, allowedPcrs: ($p | map_values([.]))}
  ' <<<"$measurements"
)" || die "could not read the measurements nitro-cli printed: ${measurements}"

printf '%s\n' "$result" >"${output}.pcrs.json"
printf '%s\n' "$result"
echo "build-eif: wrote ${output} and ${output}.pcrs.json" >&2
