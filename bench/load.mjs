// Drives a running sidecar with autocannon: every request is a fresh, correctly authenticated
// signing request (new HMAC nonce, timestamp and MAC; a new body from `makeBody`, by default a
// session transaction with a new outside-execution nonce).
import autocannon from "autocannon";
import { authHeaders, SIGN_PATH, sessionBody } from "./workload.mjs";

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One autocannon run of `seconds` at `connections`, returning req/s and latency percentiles.
 * Latencies are taken from autocannon's per-response timings (float ms, every response), so
 * sub-millisecond differences show; autocannon's own histogram only keeps whole milliseconds.
 * `path` and `makeBody(nowMs)` choose the route and the body (default: 1-call session requests).
 */
export function runLoad({ url, hmacSecret, connections, seconds, calls = 1, path = SIGN_PATH, makeBody = (nowMs) => sessionBody({ calls, nowMs }) }) {
  const latencies = [];
  const failures = { count: 0, statuses: {}, sample: undefined };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: "POST",
            path,
            setupRequest(req) {
              const nowMs = Date.now();
              const body = makeBody(nowMs);
              return { ...req, method: "POST", path, body, headers: authHeaders({ hmacSecret, method: "POST", path, body, nowMs }) };
            },
            onResponse(status, body) {
              if (status !== 200) {
                failures.count += 1;
                failures.statuses[status] = (failures.statuses[status] ?? 0) + 1;
                failures.sample ??= `${status} ${String(body).slice(0, 300)}`;
              }
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        latencies.sort((a, b) => a - b);
        const ok = result.statusCodeStats?.["200"]?.count ?? 0;
        resolve({
          connections,
          seconds,
          requests: result.requests.total,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          failures,
          reqPerSecMean: result.requests.average,
          reqPerSecMin: result.requests.min,
          reqPerSecMax: result.requests.max,
          // 2xx answers over the measured wall time, a check on the per-second mean.
          okPerSec: ok / ((result.finish - result.start) / 1000),
          latency: {
            mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            max: latencies[latencies.length - 1],
          },
        });
      },
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/** True when the run answered every request with 200 and had no socket errors or timeouts. */
export function runWasClean(r) {
  return r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && r.failures.count === 0 && r.ok === r.requests;
}
