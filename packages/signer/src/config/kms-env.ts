// Restarts with AWS KMS (Nitro backend with sealed provisioning): which KMS key an admin-signed
// sealed blob may name and how the enclave reaches KMS. Only with sealed provisioning: the
// unsealed bundle installs the declared keys through the same door as an upload.
import { checkKmsEndpoint, defaultKmsEndpoint, parseKmsKeyArn, AWS_REGION } from "../enclave/kms/kms-endpoint.js";
import type { KmsUnsealConfig } from "./config-types.js";
import type { EnvReader } from "./env-reader.js";
import type { Problems } from "./problems.js";

const NAMES = ["AIRLOCK_KMS_KEY_ID", "AIRLOCK_KMS_REGION", "AIRLOCK_KMS_ENDPOINT", "AIRLOCK_KMS_CONNECT_PORT"] as const;

/**
 * Undefined when KMS unseal is not configured, or misconfigured (a problem is added for every
 * broken rule). `provisioningAsked`: sealed provisioning variables are set (its own problems are
 * reported by readProvisioningEnv).
 */
export function readKmsEnv(r: EnvReader, problems: Problems, opts: { provisioningAsked: boolean; production: boolean }): KmsUnsealConfig | undefined {
  const given = NAMES.filter((name) => r.has(name));
  if (given.length === 0) return undefined;
  if (!opts.provisioningAsked) {
    problems.add(`${given.join(", ")}: KMS unseal needs sealed provisioning (AIRLOCK_BACKEND=nitro with AIRLOCK_ADMIN_PUBLIC_KEY and AIRLOCK_PROVISIONED_KEY_IDS)`);
    return undefined;
  }
  const keyText = r.optional("AIRLOCK_KMS_KEY_ID");
  const region = r.optional("AIRLOCK_KMS_REGION");
  if (keyText === undefined || region === undefined) {
    problems.add("AIRLOCK_KMS_KEY_ID and AIRLOCK_KMS_REGION must be set together (AIRLOCK_KMS_ENDPOINT and AIRLOCK_KMS_CONNECT_PORT are optional)");
    return undefined;
  }
  let ok = true;
  const arn = parseKmsKeyArn(keyText);
  if (arn === undefined) {
    problems.add("AIRLOCK_KMS_KEY_ID must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>); not a bare key id or an alias");
    ok = false;
  }
  if (!AWS_REGION.test(region)) {
    problems.add("AIRLOCK_KMS_REGION must be an AWS region name such as us-east-1");
    ok = false;
  } else if (arn !== undefined && arn.region !== region) {
    problems.add("AIRLOCK_KMS_KEY_ID names a key in another region than AIRLOCK_KMS_REGION");
    ok = false;
  }

  let endpoint = defaultKmsEndpoint(region, arn?.partition);
  const endpointText = r.optional("AIRLOCK_KMS_ENDPOINT");
  if (endpointText !== undefined) {
    try {
      const url = checkKmsEndpoint(endpointText);
      endpoint = url.origin;
      // In an enclave the path to KMS runs through the host: only TLS keeps it end to end.
      if (opts.production && url.protocol !== "https:") {
        problems.add("AIRLOCK_KMS_ENDPOINT must be https with NODE_ENV=production");
        ok = false;
      }
    } catch (err) {
      const why = err instanceof TypeError ? err.message.replace(/^KMS client: /, "") : "invalid";
      problems.add(`AIRLOCK_KMS_ENDPOINT: ${why}`);
      ok = false;
    }
  }

  let connectPort: number | undefined;
  if (r.has("AIRLOCK_KMS_CONNECT_PORT")) {
    const raw = r.optional("AIRLOCK_KMS_CONNECT_PORT") ?? "";
    connectPort = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(connectPort >= 1 && connectPort <= 65535)) {
      problems.add("AIRLOCK_KMS_CONNECT_PORT must be an integer between 1 and 65535 (the enclave's loopback forwarder to the vsock-proxy)");
      ok = false;
    }
  }
  if (!ok || arn === undefined) return undefined;
  return { keyArn: arn.arn, region, endpoint, ...(connectPort === undefined ? {} : { connectPort }) };
}
