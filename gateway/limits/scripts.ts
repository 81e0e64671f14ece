import { luaScript } from '../redis/lua-script.ts';

/*
 * Counters are sliding-window counters: a count per fixed window (one minute) and, at time t, the estimate
 * `previous × (1 − elapsed/window) + current`. One key of a few bytes per window, O(1) per check, and no
 * burst of twice the limit at a window edge as fixed windows allow; the price is that the estimate assumes the
 * previous window's requests were spread evenly (Cloudflare's measured error is a fraction of a percent).
 * Time comes from the Redis server, so pods with skewed clocks still share one window.
 */
const slidingWindow = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function estimate(base, win, elapsed, window)
  local cur = tonumber(redis.call('GET', base .. ':' .. win) or '0')
  local prev = tonumber(redis.call('GET', base .. ':' .. (win - 1)) or '0')
  if cur < 0 then cur = 0 end
  if prev < 0 then prev = 0 end
  return cur, prev, prev * (1 - elapsed / window) + cur
end
-- Milliseconds until the estimate leaves room for amount more.
local function wait_ms(cur, prev, elapsed, window, limit, amount)
  if amount > limit then return window end
  if cur + amount <= limit then
    if prev <= 0 then return 1 end
    local f = 1 - (limit - amount - cur) / prev
    return math.max(1, math.ceil((f * window) - elapsed))
  end
  local g = 0
  if cur > 0 then g = 1 - (limit - amount) / cur end
  if g < 0 then g = 0 end
  return math.max(1, math.ceil(window - elapsed + g * window))
end
`;

/**
 * Admits a batch of requests (those that arrived in one turn of the event loop) in one round trip. Each is
 * checked against every limit it has (its key's and its deployment's) and, only when all pass, counted in all:
 * all or nothing per request, in the order given. ARGV = window, lease ttl, then per request: lease id, number of
 * checks n, and per check kind (r requests, t tokens, p parallel, s spend: read only), limit (0: count only),
 * amount; KEYS are the checks' base keys, request after request. Returns per request {1, window index,
 * usage...} or {0, failed check, retry ms, usage}.
 */
export const admitScript = luaScript(
  'admit',
  `${slidingWindow}
local window = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local now = now_ms()
local win = math.floor(now / window)
local elapsed = now - win * window
-- One request: its checks are KEYS[kb + i] and ARGV[ab + (i - 1) * 3 + 1 .. 3].
local function admit(kb, ab, n, lease)
  local usage = {}
  for i = 1, n do
    local kind = ARGV[ab + (i - 1) * 3 + 1]
    local limit = tonumber(ARGV[ab + (i - 1) * 3 + 2])
    local amount = tonumber(ARGV[ab + (i - 1) * 3 + 3])
    local base = KEYS[kb + i]
    if kind == 's' then
      usage[i] = redis.call('GET', base) or '0'
    elseif kind == 'p' then
      redis.call('ZREMRANGEBYSCORE', base, '-inf', now)
      local held = redis.call('ZCARD', base)
      if limit > 0 and held >= limit then return {0, i, 1000, held} end
      usage[i] = held + 1
    else
      local cur, prev, est = estimate(base, win, elapsed, window)
      if limit > 0 and est + amount > limit then
        return {0, i, wait_ms(cur, prev, elapsed, window, limit, amount), math.floor(est)}
      end
      usage[i] = math.floor(est + amount)
    end
  end
  for i = 1, n do
    local kind = ARGV[ab + (i - 1) * 3 + 1]
    local amount = tonumber(ARGV[ab + (i - 1) * 3 + 3])
    local base = KEYS[kb + i]
    if kind == 'p' then
      redis.call('ZADD', base, now + ttl, lease)
      redis.call('PEXPIRE', base, ttl * 2)
    elseif kind ~= 's' then
      local k = base .. ':' .. win
      redis.call('INCRBY', k, amount)
      redis.call('PEXPIRE', k, window * 2 + 1000)
    end
  end
  local reply = {1, win}
  for i = 1, n do reply[i + 2] = usage[i] end
  return reply
end
local replies = {}
local kb, ab = 0, 2
while ab < #ARGV do
  local n = tonumber(ARGV[ab + 2])
  replies[#replies + 1] = admit(kb, ab + 2, n, ARGV[ab + 1])
  kb = kb + n
  ab = ab + 2 + n * 3
end
return replies
`,
);

/**
 * Settles many requests at once (batched off the request path). ARGV = window, live pods, then per KEYS[i] op, a,
 * b. `d`: add b tokens to window a (only while that window's counter lives), `x`: release lease a, `e`: extend
 * lease a by b ms, `f`: add cost a to a spend counter that lives b ms, `q`: claim up to a of a counter whose
 * limit is b, never more than half the headroom divided among the live pods (see claims.ts). Returns per op 0,
 * or for a claim {granted, window, estimate with it, ms left in the window}.
 */
export const settleScript = luaScript(
  'settle',
  `${slidingWindow}
local window = tonumber(ARGV[1])
local pods = math.max(1, tonumber(ARGV[2]))
local now = now_ms()
local win = math.floor(now / window)
local elapsed = now - win * window
local replies = {}
for i = 1, #KEYS do
  local op = ARGV[(i - 1) * 3 + 3]
  local a = ARGV[(i - 1) * 3 + 4]
  local b = ARGV[(i - 1) * 3 + 5]
  local base = KEYS[i]
  replies[i] = 0
  if op == 'd' then
    local k = base .. ':' .. a
    if redis.call('EXISTS', k) == 1 then redis.call('INCRBY', k, b) end
  elseif op == 'x' then
    redis.call('ZREM', base, a)
  elseif op == 'e' then
    redis.call('ZADD', base, 'XX', now + tonumber(b), a)
    redis.call('PEXPIRE', base, tonumber(b) * 2)
  elseif op == 'f' then
    redis.call('INCRBYFLOAT', base, a)
    redis.call('PEXPIRE', base, tonumber(b))
  elseif op == 'q' then
    local _, _, est = estimate(base, win, elapsed, window)
    local grant = math.min(tonumber(a), math.floor((tonumber(b) - est) / (2 * pods)))
    if grant > 0 then
      local k = base .. ':' .. win
      redis.call('INCRBY', k, grant)
      redis.call('PEXPIRE', k, window * 2 + 1000)
    else
      grant = 0
    end
    replies[i] = {grant, win, math.floor(est + grant), window - elapsed}
  end
end
return replies
`,
);

/**
 * Once a second per pod: heartbeat into the live-pod set (KEYS[1]) and count the live pods, and read the usage
 * estimate of the deployment counters KEYS[2..]. ARGV = window, pod id, pod staleness ms.
 * Returns {live pods, usage...}.
 */
export const housekeepingScript = luaScript(
  'housekeeping',
  `${slidingWindow}
local window = tonumber(ARGV[1])
local now = now_ms()
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
local reply = {redis.call('ZCARD', KEYS[1])}
local win = math.floor(now / window)
local elapsed = now - win * window
for i = 2, #KEYS do
  local _, _, est = estimate(KEYS[i], win, elapsed, window)
  reply[i] = math.floor(est)
end
return reply
`,
);
