-- wrk script: replay a pool of pre-rendered HTTP requests, each at most once (bench/loadgen.py writes the pool).
-- Zalo's signature (SHA-256 over the body) and per-request Idempotency-Keys or event ids cannot be made in wrk's
-- Lua, so Python renders every request beforehand. Thread k reads `<pool>.<k>`: a first line with its quota
-- (responses to count), then entries `<byte length>\n<raw request>`. The pool holds a spare entry per connection
-- for the requests still in flight when a thread reaches its quota, so none is repeated.
-- wrk itself only stops at its -d duration: the last thread to reach its quota interrupts wrk's main thread
-- (SIGINT, as Ctrl-C would), and the rate is counted from the first request sent to the last counted response.
-- Usage: wrk -t T ... -s wrk_pool.lua URL -- <pool path prefix> T
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
  int getpid(void);
  int tgkill(int tgid, int tid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2

local function now_us()
  local now = ffi.new("bench_timespec")
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  return tonumber(now.tv_sec) * 1000000 + math.floor(tonumber(now.tv_nsec) / 1000)
end

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local pool, prefix, thread_count = {}, nil, 1
quota, sent, received, first_us, last_us = 0, 0, 0, 0, 0

function init(args)
  prefix, thread_count = args[1], tonumber(args[2])
  local file = assert(io.open(prefix .. "." .. index, "rb"))
  local data = file:read("*a")
  file:close()
  local newline = data:find("\n", 1, true)
  quota = tonumber(data:sub(1, newline - 1))
  local position = newline + 1
  while position <= #data do
    newline = data:find("\n", position, true)
    local length = tonumber(data:sub(position, newline - 1))
    pool[#pool + 1] = data:sub(newline + 1, newline + length)
    position = newline + 1 + length
  end
end

function request()
  if sent == 0 then first_us = now_us() end
  sent = sent + 1
  return pool[math.min(sent, #pool)]
end

local function finished()
  -- Each thread leaves a mark; the one that then sees every mark ends the run.
  assert(io.open(prefix .. ".done." .. index, "w")):close()
  for k = 0, thread_count - 1 do
    local mark = io.open(prefix .. ".done." .. k, "r")
    if not mark then return end
    mark:close()
  end
  ffi.C.tgkill(ffi.C.getpid(), ffi.C.getpid(), SIGINT)
end

function response(status, headers, body)
  if received >= quota then return end
  received = received + 1
  if received == quota then
    last_us = now_us()
    wrk.thread:stop()
    finished()
  end
end

function done(summary, latency, requests)
  -- The rate's window: first request to last counted response, or wrk's whole run if the -d bound cut it short.
  local counted, first, last, complete = 0, nil, 0, true
  for _, thread in ipairs(threads) do
    counted = counted + thread:get("received")
    local started, ended = thread:get("first_us"), thread:get("last_us")
    if started > 0 and (first == nil or started < first) then first = started end
    if ended == 0 then complete = false elseif ended > last then last = ended end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "complete": %s, "socket_errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    counted, (complete and first) and (last - first) or summary.duration, tostring(complete),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
