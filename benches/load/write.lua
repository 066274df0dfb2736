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
-- done(): the latency histogram for report.py (histogram.lua).
dofile("benches/load/histogram.lua")
