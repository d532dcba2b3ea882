-- GETs spread over many paths (e.g. the public pages of many pledges), so one hot row
-- does not flatter the numbers, optionally each with its own cookie (several sessions of
-- one teacher). Environment: BENCH_TARGETS, a Lua file returning {{path=, cookie=}, ...}.

local targets = dofile(os.getenv("BENCH_TARGETS"))
local threads = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
  table.insert(threads, thread)
end

local counter = 0

function request()
  counter = counter + 1
  local target = targets[((thread_id * 7919 + counter) % #targets) + 1]
  local headers = nil
  if target.cookie then
    headers = {["Cookie"] = target.cookie}
  end
  return wrk.format("GET", target.path, headers)
end

function done(summary, latency, requests)
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("BENCH_PCT %d %d\n", p, latency:percentile(p)))
  end
end
