-- POST /rows of the baseline app: wrk -s baseline_insert.lua URL
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua"
require "report"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"value": "Điểm cầu Xã Bench"}'
