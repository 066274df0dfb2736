-- Selective one- and two-word searches across the investigator's cases. -- TOKEN
-- The demo corpus is one template: every word of it is in half the accounts or more,
-- and such a search is refused as too broad (by design: no full scans). What makes a
-- demo account findable on its own is its witness's pseudonym (V-01234), indexed in
-- place of the name; so each search asks for a pseudonym's number, alone or with a
-- word of the template, as an investigator asks for a name or a unit.
local token
local words = { "задержали", "избивали", "дубинками", "коридор", "колени", "автозак", "врач",
  "beaten", "batons", "corridor", "knees", "doctor", "detained", "стена", "воды", "water" }
local n = 100000
function init(args)
  token = args[1]
  n = tonumber(args[2] or "100000")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local q = string.format("%04d", math.random(n))
  if math.random() < 0.5 then q = words[math.random(#words)] .. " " .. q end
  local body = '{"q":"' .. q .. '","limit":20}'
  return wrk.format("POST", "/api/v1/search",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
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
