-- POST a new point per request, each thread through its own share of the units:
-- wrk -s register.lua URL -- UNITS_FILE OFFICER_TOKEN SLUG
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  thread:set("nthreads", 0)
  table.insert(threads, thread)
  for _, t in ipairs(threads) do t:set("nthreads", #threads) end
end
function init(args)
  units = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then units[#units + 1] = line end
    n = n + 1
  end
  token, path, i = args[2], "/api/v1/conferences/" .. args[3] .. "/points", 0
end
function request()
  i = i + 1
  local unit = units[(i - 1) % #units + 1]
  local body = string.format('{"unit": "%s", "venue": "Hội trường UBND", "capacity": 80, ' ..
    '"counts": {"bch": 15, "chuyen_trach": 2, "chi_hoi_truong": 9}, ' ..
    '"technicians": [{"name": "Kỹ thuật viên %s", "phone": "0912%06d", "email": "reg%s@bench-mail.vn"}], ' ..
    '"probe": {"target": "tcp://127.0.0.1:9"}}', unit, unit, i % 1000000, unit)
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}, body)
end
