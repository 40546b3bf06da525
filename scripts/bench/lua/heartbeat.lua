-- POST /api/v1/heartbeat rotating technician tokens: wrk -s heartbeat.lua URL -- TOKENS_FILE
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
local counter = 1
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  counter = (id or 0) * 7919 % #tokens + 1
end
function request()
  counter = counter % #tokens + 1
  return wrk.format("POST", "/api/v1/heartbeat",
    {["Authorization"] = "Bearer " .. tokens[counter], ["Content-Length"] = "0"}, "")
end
