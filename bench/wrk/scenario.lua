-- One wrk script for every scenario (bench/loadgen.py sets the environment):
--   BENCH_METHOD   GET or POST
--   BENCH_BODY     a JSON body (sets Content-Type)
--   BENCH_TOKENS   a file of refresh tokens, one per line: each is sent once, as a Bearer
--   BENCH_THREADS  wrk's -t, so each thread takes its own share of the tokens
--   BENCH_PATHS    a file of request paths, one per line: requests cycle through them
-- done() prints one line "BENCH_RESULT {json}" for the harness to read.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local tokens_file = os.getenv("BENCH_TOKENS")
local paths_file = os.getenv("BENCH_PATHS")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

function init(args)
  wrk.method = method
  if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
  end
  if tokens_file and tokens_file ~= "" then
    tokens = {}
    local i = 0
    for line in io.lines(tokens_file) do
      if i % nthreads == thread_index then
        table.insert(tokens, line)
      end
      i = i + 1
    end
    next_token = 1
    exhausted = 0
  end
  if paths_file and paths_file ~= "" then
    paths = {}
    for line in io.lines(paths_file) do
      table.insert(paths, line)
    end
    next_path = 1 + thread_index
  end
end

if paths_file and paths_file ~= "" then
  function request()
    local path = paths[(next_path - 1) % #paths + 1]
    next_path = next_path + 1
    return wrk.format(nil, path)
  end
end

if tokens_file and tokens_file ~= "" then
  function request()
    local token = tokens[next_token]
    if token == nil then
      token = tokens[#tokens]
      exhausted = exhausted + 1
    end
    next_token = next_token + 1
    wrk.headers["Authorization"] = "Bearer " .. token
    return wrk.format()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
