-- wrk script for make bench (bench/load.py runs it).
--
--   wrk ... -s load.lua URL -- HEADERS_FILE [BODIES_FILE]
--
-- HEADERS_FILE holds "Name: value" lines (cookies, content type, origin). With
-- BODIES_FILE, every request is a POST whose body is the next line of that file: thread
-- i of n takes lines i, i+n, i+2n, ... so no body is sent twice unless the file runs
-- out (counted as "wrapped"). Without it, every request is a GET.
--
-- Counted per thread and summed in done(): requests handed to wrk ("sent"), responses
-- by class, and success = 2xx or 303 (a form's redirect after a stored POST). done()
-- prints one line, "BENCH_JSON {...}", for bench/load.py to read.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  f:close()
  return lines
end

function init(args)
  headers = {}
  for _, line in ipairs(read_lines(args[1])) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  bodies = nil
  if args[2] then
    bodies = read_lines(args[2])
  end
  nthreads = tonumber(args[3] or "1")
  index = id + 1 -- Lua tables start at 1
  -- wrk calls request() once on thread 0 before the run, to check the request parses;
  -- that call sends nothing, so it neither counts nor uses up a body.
  checking = (id == 0)
  sent, success, s3xx, s4xx, s5xx, wrapped = 0, 0, 0, 0, 0, 0
end

function request()
  if bodies == nil then
    if checking then checking = false else sent = sent + 1 end
    return wrk.format("GET", nil, headers, nil)
  end
  if checking then
    checking = false
    return wrk.format("POST", nil, headers, bodies[index])
  end
  sent = sent + 1
  if index > #bodies then
    index = id + 1
    wrapped = wrapped + 1
  end
  local body = bodies[index]
  index = index + nthreads
  return wrk.format("POST", nil, headers, body)
end

function response(status, resp_headers, body)
  if (status >= 200 and status < 300) or status == 303 then
    success = success + 1
  elseif status < 400 then
    s3xx = s3xx + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
end

function done(summary, latency, requests)
  local totals = {sent = 0, success = 0, s3xx = 0, s4xx = 0, s5xx = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (tonumber(thread:get(key)) or 0)
    end
  end
  local e = summary.errors
  local parts = {
    string.format('"duration_us": %d', summary.duration),
    string.format('"requests": %d', summary.requests),
    string.format('"bytes": %d', summary.bytes),
    string.format('"err_connect": %d', e.connect),
    string.format('"err_read": %d', e.read),
    string.format('"err_write": %d', e.write),
    string.format('"err_status": %d', e.status),
    string.format('"err_timeout": %d', e.timeout),
    string.format('"lat_mean_us": %.1f', latency.mean),
    string.format('"lat_max_us": %d', latency.max),
    string.format('"lat_p50_us": %d', latency:percentile(50)),
    string.format('"lat_p90_us": %d', latency:percentile(90)),
    string.format('"lat_p99_us": %d', latency:percentile(99)),
  }
  for key, value in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', key, value))
  end
  io.write("BENCH_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
