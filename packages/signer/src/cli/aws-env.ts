// AWS credentials for the KMS commands, from the standard environment variables only
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): no profiles, files or instance
// metadata, so what is used is exactly what the caller exported. Never printed.
import { assertCredentials, type AwsCredentials } from "../enclave/kms/sigv4.js";
import { Failure } from "./operator-cli.js";

/** The credentials in `env`; a Failure (exit 2) names the variables, never their values. */
export function awsCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): AwsCredentials {
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const accessKeyId = value("AWS_ACCESS_KEY_ID");
  const secretAccessKey = value("AWS_SECRET_ACCESS_KEY");
  const sessionToken = value("AWS_SESSION_TOKEN");
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Failure(2, "usage", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (AWS_SESSION_TOKEN too for temporary credentials)");
  }
  const credentials: AwsCredentials = sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
  try {
    assertCredentials(credentials);
  } catch {
    throw new Failure(2, "usage", "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_SESSION_TOKEN is not a valid credential (printable ASCII, within AWS's lengths)");
  }
  return credentials;
}
