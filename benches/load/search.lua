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
-- done(): the latency histogram for report.py (histogram.lua).
dofile("benches/load/histogram.lua")
