-- Prints the latency percentiles the report needs (wrk's --latency has no 95th).
function done(summary, latency, requests)
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("BENCH_PCT %d %d\n", p, latency:percentile(p)))
  end
end
