-- wrk script: GET /api/v4/oauth/apps/{random seeded app id} with the admin token (ids as in bench/seed.sql.in).
local apps = tonumber(os.getenv("BENCH_APPS") or "100000")
local token = os.getenv("BENCH_TOKEN") or ""
math.randomseed(42)

request = function()
  local id = string.format("app%023d", math.random(1, apps))
  return wrk.format("GET", "/api/v4/oauth/apps/" .. id, { ["Authorization"] = "Bearer " .. token })
end
