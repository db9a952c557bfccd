import { METRICS_CONTENT_TYPE } from "./exposition.js";
import { MetricsRegistry, type CounterSeries, type HistogramSeries, type RegistryOptions } from "./registry.js";

/**
 * The sidecar's metrics: exactly these series, served by GET /metrics (render()).
 *
 *   airlock_requests_total{route,outcome}         counter
 *   airlock_sign_duration_seconds{route}          histogram (SIGN_DURATION_BUCKETS)
 *   airlock_policy_denials_total{rule}            counter
 *   airlock_replay_rejections_total               counter
 *   airlock_store_errors_total{store}             counter
 *   airlock_auth_failures_total{reason}           counter
 *   airlock_build_info{version,poseidon}          gauge, always 1
 *
 * Label values must come from small fixed sets (route templates, rule ids, store names,
 * failure reasons), never from raw paths, client input or ids: each metric keeps at most
 * `maxSeries` combinations and counts the rest under label value "other". Updates cost a Map
 * lookup or two and never build a string; the handle getters (requests(), signDuration(), ...)
 * return the series itself for callers that want to keep it.
 */

/** Upper bounds of the sign latency histogram, in seconds (0.5 ms to 2.5 s). */
export const SIGN_DURATION_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

export interface SignerMetricsOptions extends RegistryOptions {
  /** Sidecar version for airlock_build_info. */
  readonly version: string;
  /** Poseidon implementation in use ("wasm" or "js") for airlock_build_info. */
  readonly poseidon: string;
}

export interface SignerMetrics {
  /** airlock_requests_total{route,outcome} += 1 */
  countRequest(route: string, outcome: string): void;
  /** airlock_sign_duration_seconds{route}.observe(seconds) */
  observeSignDuration(route: string, seconds: number): void;
  /** airlock_policy_denials_total{rule} += 1 */
  countPolicyDenial(rule: string): void;
  /** airlock_replay_rejections_total += 1 */
  countReplayRejection(): void;
  /** airlock_store_errors_total{store} += 1 */
  countStoreError(store: string): void;
  /** airlock_auth_failures_total{reason} += 1 */
  countAuthFailure(reason: string): void;

  /** The series behind each helper, for callers that keep a handle. */
  requests(route: string, outcome: string): CounterSeries;
  signDuration(route: string): HistogramSeries;
  policyDenials(rule: string): CounterSeries;
  storeErrors(store: string): CounterSeries;
  authFailures(reason: string): CounterSeries;

  /** The exposition text, HELP and TYPE lines included. */
  render(): string;
  /** Content-Type for the /metrics answer. */
  readonly contentType: string;
}

export function createSignerMetrics(options: SignerMetricsOptions): SignerMetrics {
  const registry = new MetricsRegistry(options);
  const requests = registry.counter("airlock_requests_total", "Requests answered, by route and outcome.", ["route", "outcome"]).index;
  const duration = registry.histogram(
    "airlock_sign_duration_seconds",
    "Time to answer a signing request, in seconds.",
    ["route"],
    SIGN_DURATION_BUCKETS,
  ).index;
  const denials = registry.counter("airlock_policy_denials_total", "Signing requests refused by policy, by rule.", ["rule"]).index;
  const replays = registry.counter("airlock_replay_rejections_total", "Requests refused because their nonce was already used.").index.get0();
  const storeErrors = registry.counter("airlock_store_errors_total", "Failed calls to a backing store, by store.", ["store"]).index;
  const authFailures = registry.counter("airlock_auth_failures_total", "Requests refused by authentication, by reason.", ["reason"]).index;
  registry
    .gauge("airlock_build_info", "Build of this sidecar; the value is always 1.", ["version", "poseidon"])
    .index.get2(options.version, options.poseidon)
    .set(1);

  return {
    countRequest: (route, outcome) => requests.get2(route, outcome).inc(),
    observeSignDuration: (route, seconds) => duration.get1(route).observe(seconds),
    countPolicyDenial: (rule) => denials.get1(rule).inc(),
    countReplayRejection: () => replays.inc(),
    countStoreError: (store) => storeErrors.get1(store).inc(),
    countAuthFailure: (reason) => authFailures.get1(reason).inc(),
    requests: (route, outcome) => requests.get2(route, outcome),
    signDuration: (route) => duration.get1(route),
    policyDenials: (rule) => denials.get1(rule),
    storeErrors: (store) => storeErrors.get1(store),
    authFailures: (reason) => authFailures.get1(reason),
    render: () => registry.render(),
    contentType: METRICS_CONTENT_TYPE,
  };
}
