-- Spends a file of single-use values (codes, refresh tokens), each once, as form posts: thread k of THREADS takes
-- lines k+1, k+1+THREADS, ... . A thread that runs out sends "exhausted" instead, which the server refuses, so the
-- run shows non-2xx answers and does not count (bench/peer.sh). Environment:
--   TOKENS   the file, one value per line
--   BODY     the form body, with %s where the value goes
--   THREADS  the thread count given to wrk (-t)
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local values, next_value, body_format
function init(args)
  local threads = tonumber(os.getenv("THREADS"))
  body_format = os.getenv("BODY")
  values, next_value = {}, 1
  local line_number = 0
  for line in io.lines(os.getenv("TOKENS")) do
    if line ~= "" and line_number % threads == id then values[#values + 1] = line end
    line_number = line_number + 1
  end
end

function request()
  local value = values[next_value] or "exhausted"
  next_value = next_value + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"},
                    string.format(body_format, value))
end
