-- Students signing: POSTs to /p/<link token>/ spread over many pledges, each with a name
-- no one has used (letters only, as names must be), the CSRF token pair fetched before
-- the run, and a count of every status so the bench can check no signature was lost.
--
-- Environment: BENCH_TARGETS (a Lua file returning {{path=, commitments=}, ...}),
-- BENCH_CSRF_TOKEN and BENCH_CSRF_COOKIE, BENCH_RUN_TAG (letters, unique per run).

local targets = dofile(os.getenv("BENCH_TARGETS"))
local token = os.getenv("BENCH_CSRF_TOKEN")
local cookie = os.getenv("BENCH_CSRF_COOKIE")
local run_tag = os.getenv("BENCH_RUN_TAG") or "Run"

-- Consonants only: no word of the blocked-names list can be spelt with them.
local letters = "bcdfghjkmnpqrstvwxz"

local function word(n)
  local out = ""
  repeat
    local digit = n % #letters
    out = letters:sub(digit + 1, digit + 1) .. out
    n = math.floor(n / #letters)
  until n == 0
  return out
end

local threads = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_id", thread_number)
  table.insert(threads, thread)
end

local counter = 0
statuses = {}  -- global: done() reads it through thread:get()

function init(args)
  statuses = {}
end

function request()
  counter = counter + 1
  local target = targets[((thread_id * 7919 + counter * 31) % #targets) + 1]
  local name = "Bench " .. run_tag .. " " .. string.upper(word(thread_id)) .. word(counter)
  local body = "csrfmiddlewaretoken=" .. token .. "&" .. target.commitments
    .. "&display_name=" .. name:gsub(" ", "+")
  return wrk.format("POST", target.path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. cookie,
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("BENCH_PCT %d %d\n", p, latency:percentile(p)))
  end
  local totals = {}
  for _, thread in ipairs(threads) do
    -- Each thread's table comes back through get(): copy its counts.
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("BENCH_STATUS %d %d\n", status, count))
  end
end
