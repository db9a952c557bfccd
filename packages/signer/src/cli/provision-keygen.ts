// `airlock-signer provision-keygen --out FILE`: makes the operator's admin key pair for sealed
// provisioning. The private key (PKCS#8 PEM, what `openssl genpkey -algorithm ed25519` writes)
// goes to a new file readable by its owner only; the public key is printed, ready for
// AIRLOCK_ADMIN_PUBLIC_KEY (base64 DER) or AIRLOCK_ADMIN_PUBLIC_KEY_FILE (PEM).
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { adminKeyIdOf } from "@airlock/core/provisioning";

export async function runProvisionKeygen(opts: { out: string | undefined; json: boolean }): Promise<number> {
  if (!opts.out) {
    process.stderr.write("airlock-signer provision-keygen: --out FILE is required (the admin private key is written there)\n");
    return 2;
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  try {
    // "wx": never overwrite an existing key (it may be the one the enclaves trust).
    writeFileSync(opts.out, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === "EEXIST" ? "the file exists; refusing to overwrite a key" : `could not write the file (${typeof code === "string" && /^[A-Z0-9_]{1,32}$/.test(code) ? code : "write failed"})`;
    process.stderr.write(`airlock-signer provision-keygen: ${why}\n`);
    return 1;
  }
  const der = (publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64");
  const pem = publicKey.export({ format: "pem", type: "spki" }) as string;
  const adminKeyId = adminKeyIdOf(publicKey);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ privateKeyFile: opts.out, adminPublicKey: der, adminPublicKeyPem: pem, adminKeyId })}\n`);
  } else {
    process.stdout.write(
      `admin private key written to ${opts.out} (keep it offline; it authorises key uploads)\n` +
        `AIRLOCK_ADMIN_PUBLIC_KEY=${der}\n` +
        `admin key id (SHA-256 of the public key): ${adminKeyId}\n` +
        pem,
    );
  }
  return 0;
}
