-- wrk script for the benchmark's HTTP scenarios.
--
--   WRK_PIPELINE=16 wrk -t1 -c100 -d5s -s scripts/http.lua http://127.0.0.1:7000/
--
-- WRK_PIPELINE (default 1) is how many requests each connection sends back
-- to back before waiting for their responses. With 1 the script leaves
-- wrk's own static request alone, so plain runs cost wrk no Lua call per
-- request. At the end it prints one line, "RESULT {json}", that the matrix
-- runner reads: request count, duration, errors by kind and latency
-- percentiles in microseconds.

local depth = tonumber(os.getenv("WRK_PIPELINE") or "1") or 1

if depth > 1 then
  local batch
  -- wrk calls request() once before the run to count the requests in the
  -- batch; that count becomes the pipeline depth it waits for.
  request = function()
    if batch == nil then
      local parts = {}
      for i = 1, depth do
        parts[i] = wrk.format("GET", "/")
      end
      batch = table.concat(parts)
    end
    return batch
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%.1f,"p90_us":%.1f,"p99_us":%.1f,"p999_us":%.1f,"max_us":%.1f,"mean_us":%.1f,"pipeline":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, depth))
end
