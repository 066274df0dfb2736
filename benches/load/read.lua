-- Reads of random testimonies (decrypt, redact, audit). wrk … -s read.lua URL -- TOKEN IDS_FILE
local ids, token = {}, nil
function init(args)
  token = args[1]
  for line in io.lines(args[2]) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  return wrk.format("GET", "/api/v1/testimonies/" .. ids[math.random(#ids)], { ["Authorization"] = "Bearer " .. token })
end
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
