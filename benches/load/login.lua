-- Sessions: one in twenty requests is a login (argon2id at the production parameters,
-- about 16 ms of a core each), the rest ask who is signed in. -- USERNAME PASSWORD TOKEN
local body, token, n = nil, nil, 0
function init(args)
  body = '{"username":"' .. args[1] .. '","password":"' .. args[2] .. '"}'
  token = args[3]
end
function request()
  n = n + 1
  if n % 20 == 0 then
    return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/api/v1/auth/me", { ["Authorization"] = "Bearer " .. token })
end
-- done(): the latency histogram for report.py (histogram.lua).
dofile("benches/load/histogram.lua")
