-- New draft testimonies (seal, index, audit in one transaction). -- TOKEN CASE_ID WITNESS_ID
local token, case_id, witness
function init(args) token, case_id, witness = args[1], args[2], args[3] end
function request()
  local body = '{"witness_id":"' .. witness .. '","source_connection":"victim","languages":["ru"],'
    .. '"account":"Нас задержали у станции метро и избивали дубинками в автозаке, потом держали в коридоре на коленях.",'
    .. '"consent":{"share_with":{"prosecutors":true},"may_be_named":false,"given_on":"2021-01-01",'
    .. '"how_given":"written","text_version":"1"}}'
  return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/testimonies",
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
