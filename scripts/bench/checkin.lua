-- wrk load for the clock-in benchmark (scripts/bench/bench_checkin.py): many signed-in members, each posting real
-- clock-ins at a point in their grid with the photo they uploaded beforehand and a fresh client_uuid every time.
--   CHECKIN_MEMBERS=file   lines "token|lat|lng|photo_id"
--   CHECKIN_DELAY_MS=n     pause per connection between requests (a steady offered load); 0 = back to back
-- Answers other than 201 are counted, never fatal; wrk itself counts dropped connections and timeouts.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local members = {}
local counter = 0
local nonce = 0
local delay_ms = tonumber(os.getenv("CHECKIN_DELAY_MS") or "0") or 0
bad = 0
bad_status = 0

function init(args)
  for l in io.lines(os.getenv("CHECKIN_MEMBERS")) do
    local token, lat, lng, photo = l:match("([^|]+)|([^|]+)|([^|]+)|([^|]+)")
    if token then
      members[#members + 1] = {token = token, lat = lat, lng = lng, photo = photo}
    end
  end
  math.randomseed(os.time() * 1000 + id)
  nonce = math.random(0, 2147483647)
  counter = id * 100003
end

function request()
  counter = counter + 1
  local m = members[(counter % #members) + 1]
  local body = string.format(
    '{"client_uuid":"%08x-%04x-4000-8000-%012d","device_time":"%s","location":{"lat":%s,"lng":%s,' ..
    '"accuracy":10.0},"photo_ids":["%s"]}',
    nonce, id, counter, os.date("!%Y-%m-%dT%H:%M:%SZ"), m.lat, m.lng, m.photo)
  return wrk.format("POST", "/api/v1/checkins",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. m.token}, body)
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status ~= 201 then
    bad = bad + 1
    bad_status = status
  end
end

function done(summary, latency, requests)
  local non201, last = 0, 0
  for _, t in ipairs(threads) do
    non201 = non201 + t:get("bad")
    if t:get("bad_status") ~= 0 then last = t:get("bad_status") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non201":%d,"last_bad_status":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, non201, last, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
