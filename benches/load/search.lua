-- One- and two-word searches across the investigator's cases. -- TOKEN
local token
local words = { "задержали", "избивали", "дубинками", "коридор", "колени", "автозак", "врач",
  "beaten", "batons", "corridor", "knees", "doctor", "detained", "стена", "воды", "water" }
function init(args)
  token = args[1]
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local q = words[math.random(#words)]
  if math.random() < 0.5 then q = q .. " " .. words[math.random(#words)] end
  local body = '{"q":"' .. q .. '","limit":20}'
  return wrk.format("POST", "/api/v1/search",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
