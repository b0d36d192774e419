-- Applies one event to a user's profile exactly once: the dedup checks, the profile operations and the
-- consumed position are one atomic step.
-- KEYS: 1 seen marker, 2 profile, 3 traits, 4 members, 5 outbox (all of one user: one hash tag)
-- ARGV: 1 dedup TTL seconds, 2 offset field ('' when not from Kafka), 3 offset, 4 number of trait arguments,
--       then trait name / JSON value pairs, then profile operations (see io.segflow.core.profile.ProfileOp):
--       INCR f | AGG f value | MIN f ms | MAX f ms | LAST f ms json | SCORE f ms weight halfLifeMs |
--       TRIM period n (prefix keepFrom){n}   (at most once per period: field 'T' holds the last one)
-- Returns: { applied (1 or 0), profile pairs, traits pairs, members pairs, number of records in the outbox }
--   (records waiting there are claimed and published after the evaluation: see claim-outbox.lua)
local profile = KEYS[2]
local applied = 1
if ARGV[2] ~= '' then
  local done = redis.call('HGET', profile, ARGV[2])
  if done and tonumber(done) >= tonumber(ARGV[3]) then
    applied = 0 -- Kafka redelivered a record this user already applied
  end
end
if applied == 1 and not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  applied = 0 -- an SDK retried a messageId already applied
end
if ARGV[2] ~= '' then
  redis.call('HSET', profile, ARGV[2], ARGV[3])
end

local function decode(value, n)
  local parts = {}
  for part in string.gmatch(value, '%S+') do parts[#parts + 1] = part end
  return parts
end
local function num(x) return string.format('%.17g', x) end

if applied == 1 then
  local traitArgs = tonumber(ARGV[4])
  if traitArgs > 0 then
    redis.call('HSET', KEYS[3], unpack(ARGV, 5, 4 + traitArgs))
  end
  local trims = {}
  local i = 5 + traitArgs
  while i <= #ARGV do
    local op, field = ARGV[i], ARGV[i + 1]
    if op == 'INCR' then
      redis.call('HINCRBY', profile, field, 1)
      i = i + 2
    elseif op == 'AGG' then
      local v = tonumber(ARGV[i + 2])
      local old = redis.call('HGET', profile, field)
      if old then
        local p = decode(old)
        local n, sum, mn, mx = tonumber(p[1]), tonumber(p[2]), tonumber(p[3]), tonumber(p[4])
        redis.call('HSET', profile, field, (n + 1) .. ' ' .. num(sum + v) .. ' ' .. num(math.min(mn, v)) .. ' ' .. num(math.max(mx, v)))
      else
        redis.call('HSET', profile, field, '1 ' .. num(v) .. ' ' .. num(v) .. ' ' .. num(v))
      end
      i = i + 3
    elseif op == 'MIN' or op == 'MAX' then
      local v = tonumber(ARGV[i + 2])
      local old = tonumber(redis.call('HGET', profile, field))
      if not old or (op == 'MIN' and v < old) or (op == 'MAX' and v > old) then
        redis.call('HSET', profile, field, ARGV[i + 2])
      end
      i = i + 3
    elseif op == 'LAST' then
      local old = redis.call('HGET', profile, field)
      if not old or tonumber(string.match(old, '^%S+')) <= tonumber(ARGV[i + 2]) then
        redis.call('HSET', profile, field, ARGV[i + 2] .. ' ' .. ARGV[i + 3])
      end
      i = i + 4
    elseif op == 'SCORE' then
      local t, w, half = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
      local value, asOf = 0, t
      local old = redis.call('HGET', profile, field)
      if old then
        local p = decode(old)
        value, asOf = tonumber(p[1]), tonumber(p[2])
      end
      if t >= asOf then
        value = value * 2 ^ (-(t - asOf) / half) + w
        asOf = t
      else
        value = value + w * 2 ^ (-(asOf - t) / half)
      end
      redis.call('HSET', profile, field, num(value) .. ' ' .. string.format('%d', asOf))
      i = i + 5
    elseif op == 'TRIM' then
      local n = tonumber(ARGV[i + 2])
      if redis.call('HGET', profile, 'T') ~= field then
        redis.call('HSET', profile, 'T', field)
        for k = 0, n - 1 do
          trims[#trims + 1] = { ARGV[i + 3 + 2 * k], tonumber(ARGV[i + 4 + 2 * k]) }
        end
      end
      i = i + 3 + 2 * n
    else
      return redis.error_reply('unknown profile operation ' .. tostring(op))
    end
  end
  -- One pass over the fields for every trim: drop buckets no window can count any more.
  if #trims > 0 then
    local stale = {}
    for _, f in ipairs(redis.call('HKEYS', profile)) do
      for _, trim in ipairs(trims) do
        if string.sub(f, 1, #trim[1]) == trim[1] then
          local bucket = tonumber(string.match(f, '[^\031]+$'))
          if bucket and bucket < trim[2] then stale[#stale + 1] = f end
        end
      end
    end
    if #stale > 0 then redis.call('HDEL', profile, unpack(stale)) end
  end
end
return { applied, redis.call('HGETALL', profile), redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]),
  redis.call('LLEN', KEYS[5]) }
