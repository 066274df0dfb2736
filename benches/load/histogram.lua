-- With WRK_HISTOGRAM=FILE: the totals and every latency bucket (µs, count), so that
-- report.py can merge several wrk processes' (one per node) into one distribution.
function done(summary, latency, requests)
  local path = os.getenv("WRK_HISTOGRAM")
  if not path then return end
  local f = io.open(path, "w")
  local e = summary.errors
  f:write(string.format("requests %d duration_us %d connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
  for i = 1, #latency do
    local v, c = latency(i)
    f:write(string.format("%d %d\n", v, c))
  end
  f:close()
end
