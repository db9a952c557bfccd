import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { utils as starkUtils } from "@scure/starknet";
import { existsSync, readFileSync } from "node:fs";
import { KeystoreError, openKeystore, passphraseFromFile, writeKeystoreFile, type KeystoreContents } from "../custody/keystore.js";

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/**
 * `airlock-signer keygen`: makes a new Stark key inside an encrypted keystore (created when the
 * file is missing, re-encrypted with a fresh salt and IV when it exists). Prints the key id and
 * the public Stark key; the private key never leaves the keystore.
 */
export async function runKeygen(opts: { keystore: string | undefined; passphraseFile: string | undefined; keyId: string | undefined }): Promise<number> {
  if (!opts.keystore || !opts.passphraseFile) {
    process.stderr.write("airlock-signer keygen: --keystore FILE and --passphrase-file FILE are required\n");
    return 2;
  }
  const keyId = opts.keyId ?? "default";
  if (!KEY_ID.test(keyId)) {
    process.stderr.write("airlock-signer keygen: --key-id must be 1-64 of [A-Za-z0-9._:@-], starting with a letter or digit\n");
    return 2;
  }
  try {
    const passphrase = passphraseFromFile(readFileSync(opts.passphraseFile, "utf8"));
    const existing: KeystoreContents = existsSync(opts.keystore)
      ? openKeystore(readFileSync(opts.keystore, "utf8"), passphrase)
      : { keys: [], exchangeCredentials: [] };
    if (existing.keys.some((k) => k.keyId === keyId)) {
      process.stderr.write(`airlock-signer keygen: key id "${keyId}" already exists in the keystore\n`);
      return 1;
    }
    const privateKey = BigInt(`0x${Buffer.from(starkUtils.randomPrivateKey()).toString("hex")}`);
    const next: KeystoreContents = { ...existing, keys: [...existing.keys, { keyId, privateKey: feltHex(privateKey) }] };
    writeKeystoreFile(opts.keystore, next, passphrase);
    process.stdout.write(`${JSON.stringify({ keyId, publicKey: feltHex(starkKeyOf(privateKey)), keystore: opts.keystore })}\n`);
    return 0;
  } catch (err) {
    if (err instanceof KeystoreError) {
      process.stderr.write(`airlock-signer keygen: ${err.message}\n`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write("airlock-signer keygen: the passphrase file does not exist\n");
      return 1;
    }
    throw err;
  }
}
