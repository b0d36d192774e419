-- Claims the backfill of one users shard for a catalog revision: one instance at a time scans the shard, and
-- only once per revision. If that instance dies, another resumes from the last recorded cursor once the lease
-- has ended (it retries the current revision now and then).
-- KEYS: 1 backfill state of the shard (hash: rev, cursor, lease)
-- ARGV: 1 revision, 2 now millis, 3 lease millis
-- Returns { SSCAN cursor to start from, lease }, or an empty array when there is nothing to claim: the shard is
-- done for this revision, a newer revision took it over, or another instance holds the lease.
local wanted = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '-1')
local cursor = '0'
if rev > wanted then
  return {}
end
if rev == wanted then
  cursor = redis.call('HGET', KEYS[1], 'cursor')
  if cursor == 'done' or tonumber(redis.call('HGET', KEYS[1], 'lease') or '0') > now then
    return {}
  end
end
local lease = string.format('%d', now + tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'cursor', cursor, 'lease', lease)
return { cursor, lease }
