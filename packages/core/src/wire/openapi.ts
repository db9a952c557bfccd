import { z } from "zod";
import { ERROR_CODES } from "./error-codes.js";
import { HEADER, ROUTE } from "./headers.js";
import { AttestationResponse, DfnsPreflightResponse, ErrorBody, HealthResponse, PolicyEvaluation, ReadyResponse, SignerStatus } from "./responses.js";
import { ExchangeRequest, SignedExchangeRequest } from "./exchange-schemas.js";
import { SessionTransactionRequest, SessionTransactionResponse } from "./session-schemas.js";
import { RECEIPT_HEADER } from "../receipts/receipt.js";
import { KMS_UNSEAL_ROUTE, KmsUnsealAnswer, KmsUnsealUpload, MAX_KMS_UNSEAL_BODY_BYTES } from "../provisioning/kms-unseal-wire.js";
import { MAX_PROVISION_BODY_BYTES, PROVISION_ROUTE, ProvisionAnswer, ProvisionUpload } from "../provisioning/provision-wire.js";

/**
 * The OpenAPI 3.1 description of the sidecar, generated from the zod schemas that both sides
 * use, so the document cannot drift from the code (a test regenerates it and compares it
 * with docs/openapi.yaml).
 */

function schemaOf(s: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ "application/json": { schema: ref(name) } });
const errorResponse = (description: string) => ({ description, content: json("ErrorBody") });

function errorTable(): string {
  return Object.entries(ERROR_CODES)
    .map(([code, { status, message }]) => `| ${code} | ${status} | ${message} |`)
    .join("\n");
}

const authedResponses = {
  "400": errorResponse("invalid payload or malformed JSON"),
  "401": errorResponse("authentication failed (missing/oversized headers, unknown client, timestamp, signature, replayed nonce)"),
  "403": errorResponse("browser origins are not allowed"),
  "413": errorResponse("request body too large (256 KiB)"),
  "415": errorResponse("content-type must be application/json"),
  "422": errorResponse("policy denied (with ruleId) or secret leak pattern detected"),
  "429": errorResponse("rate limit exceeded (Retry-After header and retryAfterMs)"),
  "500": errorResponse("internal error or outbound leak scanner blocked the response"),
  "503": errorResponse("a dependency the boundary needs is unavailable (replay store, rate limiter, spend store, signer)"),
};

/** The receipt every admin answer carries (refusals after the body was read too). */
const receiptHeader = {
  [RECEIPT_HEADER]: {
    schema: { type: "string" },
    description: "base64url JSON receipt signed by the attested receipt key; requestHash is the SHA-256 of the exact upload body (docs/receipts.md)",
  },
};

/** Responses in status order (the spreads below would leave overrides and additions out of order). */
const byStatus = (responses: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));

/** Answers both admin routes share. */
const adminResponses = (maxBody: number) => ({
  "400": errorResponse("malformed JSON or an invalid upload (INVALID_PAYLOAD, MALFORMED_JSON), or the secrets are not exactly the declared ones (PROVISION_SECRETS_INVALID)"),
  "401": errorResponse("the admin signature does not verify (ADMIN_SIGNATURE_INVALID)"),
  "403": errorResponse("keys already installed in this process (ALREADY_PROVISIONED), or a browser origin"),
  "405": errorResponse("method not allowed"),
  "413": errorResponse(`request body too large (${maxBody / 1024} KiB)`),
  "415": errorResponse("content-type must be application/json"),
  "429": errorResponse("too many admin requests (Retry-After header and retryAfterMs)"),
  "503": errorResponse("the audit log is unavailable"),
});

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const sessionBody = { required: true, content: json("SessionTransactionRequest") };
  const exchangeBody = { required: true, content: json("ExchangeRequest") };
  const evaluateBody = {
    required: true,
    description: "a session request, or an exchange request (told apart by shape: an exchange request has `venue` and `operation`)",
    content: { "application/json": { schema: { oneOf: [ref("SessionTransactionRequest"), ref("ExchangeRequest")] } } },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Airlock signer sidecar",
      version,
      description: [
        "Signs Starknet session transactions (SNIP-9 v2 outside executions, SNIP-12 revision 1) and",
        "exchange requests (Binance, Bybit, OKX, KuCoin, Hyperliquid, Asterdex) for authenticated",
        "clients, after replay protection, rate limits, policy and a leak scanner.",
        "Wire-compatible with SISNA. Every error is an ErrorBody with a stable code:",
        "",
        "| code | status | message |",
        "|---|---|---|",
        errorTable(),
      ].join("\n"),
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    security: [{ hmacTimestamp: [], hmacNonce: [], hmacSignature: [] }],
    paths: {
      [ROUTE.signSessionTransaction]: {
        post: {
          operationId: "signSessionTransaction",
          summary: "Sign a SNIP-9 v2 outside execution with a session key",
          parameters: [{ $ref: "#/components/parameters/ClientId" }, { $ref: "#/components/parameters/Traceparent" }],
          requestBody: sessionBody,
          responses: {
            "200": {
              description: "signed; the signature is [sessionPublicKey, r, s, validUntilHex]",
              headers: {
                [HEADER.rateLimitRemaining]: { schema: { type: "integer" }, description: "when rate limiting is on" },
                [HEADER.rateLimitReset]: { schema: { type: "integer" }, description: "absolute epoch ms of the window reset" },
              },
              content: json("SessionTransactionResponse"),
            },
            ...authedResponses,
          },
        },
      },
      [ROUTE.signExchangeRequest]: {
        post: {
          operationId: "signExchangeRequest",
          summary: "Build and sign a venue request for a typed exchange operation, under the trading policy",
          description:
            "Returns exactly what to send to the venue (method, URL, headers, body); the venue timestamp is the sidecar's. " +
            "Refusals carry an `exchange.*` ruleId. Withdrawals, transfers and sub-account moves are not operations: they cannot be signed.",
          parameters: [{ $ref: "#/components/parameters/ClientId" }, { $ref: "#/components/parameters/Traceparent" }],
          requestBody: exchangeBody,
          responses: {
            "200": {
              description: "signed; send it before expiresAtMs",
              headers: {
                [HEADER.rateLimitRemaining]: { schema: { type: "integer" }, description: "when rate limiting is on" },
                [HEADER.rateLimitReset]: { schema: { type: "integer" }, description: "absolute epoch ms of the window reset" },
              },
              content: json("SignedExchangeRequest"),
            },
            ...authedResponses,
          },
        },
      },
      [ROUTE.policyEvaluate]: {
        post: {
          operationId: "evaluatePolicy",
          summary: "Would this request be signed? A dry run: no signature, no budget, no rate-limit slot, no order counted",
          parameters: [{ $ref: "#/components/parameters/ClientId" }, { $ref: "#/components/parameters/Traceparent" }],
          requestBody: evaluateBody,
          responses: { "200": { description: "the answer, with the denying ruleId when not allowed", content: json("PolicyEvaluation") }, ...authedResponses },
        },
      },
      [ROUTE.status]: {
        get: {
          operationId: "status",
          summary: "The keys this client may use (with their session public keys), a summary of the policy that applies to it, and its exchange accounts",
          parameters: [{ $ref: "#/components/parameters/ClientId" }, { $ref: "#/components/parameters/Traceparent" }],
          responses: {
            "200": { description: "status", content: json("SignerStatus") },
            "400": errorResponse("a GET must have an empty body"),
            "401": authedResponses["401"],
            "403": authedResponses["403"],
            "503": authedResponses["503"],
          },
        },
      },
      [ROUTE.health]: {
        get: { operationId: "health", summary: "Liveness", security: [], responses: { "200": { description: "alive", content: json("HealthResponse") }, "403": errorResponse("browser origins are not allowed") } },
      },
      [ROUTE.dfnsPreflight]: {
        get: {
          operationId: "dfnsPreflight",
          summary: "Reachability of the DFNS signer (SISNA semantics)",
          security: [],
          responses: {
            "200": { description: "reachable", content: json("DfnsPreflightResponse") },
            "404": errorResponse("dfns signer provider is not enabled"),
            "503": { description: "not reachable", content: json("DfnsPreflightResponse") },
          },
        },
      },
      [ROUTE.ready]: {
        get: {
          operationId: "ready",
          summary: "Readiness: 200 only while Redis (when configured) and the signer provider answer",
          security: [],
          responses: { "200": { description: "ready", content: json("ReadyResponse") }, "503": { description: "not ready", content: json("ReadyResponse") } },
        },
      },
      [ROUTE.attestation]: {
        get: {
          operationId: "attestation",
          summary: "Nitro backend: a fresh attestation document with the caller's nonce, the receipt key as public_key and the enclave claims as user_data",
          security: [],
          parameters: [{ name: "nonce", in: "query", required: true, schema: { type: "string", pattern: "^([0-9a-f]{2}){16,64}$" }, description: "16 to 64 random bytes, lowercase hex" }],
          responses: {
            "200": { description: "attestation document", content: json("AttestationResponse") },
            "400": errorResponse("nonce missing or not 16-64 bytes of lowercase hex, or another query parameter"),
            "404": errorResponse("not the Nitro backend"),
            "429": errorResponse("too many attestation requests"),
            "503": errorResponse("attestation unavailable"),
          },
        },
      },
      [PROVISION_ROUTE]: {
        post: {
          operationId: "provision",
          summary: "Nitro backend with sealed provisioning: install the declared keys, client secrets and exchange credentials from an envelope sealed to the attested enclave and signed by the admin key",
          description:
            "Not HMAC-authenticated: the admin's Ed25519 signature over the envelope is the authority. The envelope must be sealed to this process's " +
            "provisioning key and name an attestation document this process issued within 10 minutes, not used before. Once per process. " +
            "`airlock-signer provision` builds the upload (docs/nitro.md, Sealed key provisioning).",
          security: [],
          requestBody: { required: true, content: json("ProvisionUpload") },
          responses: byStatus({
            "200": { description: "installed; ids and public keys only", headers: receiptHeader, content: json("ProvisionAnswer") },
            ...adminResponses(MAX_PROVISION_BODY_BYTES),
            "400": errorResponse(
              "INVALID_PAYLOAD, MALFORMED_JSON, PROVISION_DOCUMENT_UNKNOWN (document not issued here, expired or used), PROVISION_ENVELOPE_INVALID, PROVISION_SECRETS_INVALID",
            ),
            "404": errorResponse("sealed provisioning is not enabled (PROVISIONING_NOT_ENABLED)"),
          }),
        },
      },
      [KMS_UNSEAL_ROUTE]: {
        post: {
          operationId: "kmsUnseal",
          summary: "Nitro backend, restarts with AWS KMS: install the declared keys from an admin-signed KMS-sealed blob",
          description:
            "Not HMAC-authenticated: the admin's Ed25519 signature over the blob is the authority, checked before anything reaches KMS. The enclave calls " +
            "KMS Decrypt with a Recipient attestation document for a one-time RSA key; the key policy's PCR0 condition decides whether the data key is " +
            "released. The AWS credentials (the parent instance role's) are used for that call only, never logged or echoed. Once per process. " +
            "`airlock-signer kms-unseal` builds the upload (docs/nitro.md, Restarts with AWS KMS).",
          security: [],
          requestBody: { required: true, content: json("KmsUnsealUpload") },
          responses: byStatus({
            "200": { description: "installed; ids and public keys only", headers: receiptHeader, content: json("KmsUnsealAnswer") },
            ...adminResponses(MAX_KMS_UNSEAL_BODY_BYTES),
            "400": errorResponse("INVALID_PAYLOAD, MALFORMED_JSON, KMS_BLOB_WRONG_KEY (the blob names another KMS key than configured), PROVISION_SECRETS_INVALID"),
            "403": errorResponse("KMS_REFUSED (details.kmsCode, e.g. ACCESS_DENIED: the key policy does not admit this enclave), ALREADY_PROVISIONED, or a browser origin"),
            "404": errorResponse("KMS unseal is not enabled (KMS_UNSEAL_NOT_ENABLED)"),
            "502": errorResponse("KMS_ANSWER_INVALID: the answer for KMS could not be used (details.reason)"),
            "503": errorResponse("KMS_UNAVAILABLE (details.kmsCode), ATTESTATION_UNAVAILABLE or AUDIT_UNAVAILABLE: retry later"),
          }),
        },
      },
      [ROUTE.metrics]: {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics (text exposition format); 404 when switched off",
          security: [],
          responses: { "200": { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } }, "404": errorResponse("metrics are switched off") },
        },
      },
    },
    components: {
      securitySchemes: {
        hmacTimestamp: { type: "apiKey", in: "header", name: "X-Keyring-Timestamp", description: "epoch milliseconds, within the accepted skew" },
        hmacNonce: { type: "apiKey", in: "header", name: "X-Keyring-Nonce", description: "one-time per client, 1-128 of [A-Za-z0-9_:+/=-]" },
        hmacSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Keyring-Signature",
          description: "exactly 64 lowercase hex: HMAC-SHA256(secret, `${ts}.${nonce}.${METHOD}.${path incl. query}.${sha256hex(rawBody)}`)",
        },
        mutualTLS: { type: "mutualTLS", description: "when KEYRING_MTLS_REQUIRED=true" },
      },
      parameters: {
        ClientId: { name: "X-Keyring-Client-Id", in: "header", required: false, schema: { type: "string", maxLength: 128 }, description: "defaults to KEYRING_DEFAULT_AUTH_CLIENT_ID" },
        Traceparent: { name: "traceparent", in: "header", required: false, schema: { type: "string" }, description: "W3C trace context, propagated" },
      },
      schemas: {
        SessionTransactionRequest: schemaOf(SessionTransactionRequest, "input"),
        SessionTransactionResponse: schemaOf(SessionTransactionResponse, "output"),
        ExchangeRequest: schemaOf(ExchangeRequest, "input"),
        SignedExchangeRequest: schemaOf(SignedExchangeRequest, "output"),
        PolicyEvaluation: schemaOf(PolicyEvaluation, "output"),
        SignerStatus: schemaOf(SignerStatus, "output"),
        ErrorBody: schemaOf(ErrorBody, "output"),
        HealthResponse: schemaOf(HealthResponse, "output"),
        ReadyResponse: schemaOf(ReadyResponse, "output"),
        AttestationResponse: schemaOf(AttestationResponse, "output"),
        DfnsPreflightResponse: schemaOf(DfnsPreflightResponse, "output"),
        ProvisionUpload: schemaOf(ProvisionUpload, "input"),
        ProvisionAnswer: schemaOf(ProvisionAnswer, "output"),
        KmsUnsealUpload: schemaOf(KmsUnsealUpload, "input"),
        KmsUnsealAnswer: schemaOf(KmsUnsealAnswer, "output"),
      },
    },
  };
}
