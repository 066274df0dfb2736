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
-- done(): the latency histogram for report.py (histogram.lua).
dofile("benches/load/histogram.lua")
