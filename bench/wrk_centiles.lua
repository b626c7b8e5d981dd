-- wrk script of bench.mesurer: the session cookie comes from the environment, and the summary
-- is printed on one machine-readable line (latencies in microseconds).
wrk.headers["Cookie"] = os.getenv("BANC_COOKIE")

done = function(summary, latency, requests)
  io.write(string.format(
    "BANC requetes=%d duree_us=%d p50_us=%d p95_us=%d max_us=%d non_2xx=%d erreurs=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
