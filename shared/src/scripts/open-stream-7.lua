--[[
  Opens a request stream before its job is enqueued, unless the request's id is already in flight in the session —
  and, in the same round trip, takes the stream's lease on the session's open streams (MAX_STREAMS_PER_SESSION) and
  counts the call against its principal's calls in flight (MAX_CALLS_IN_FLIGHT_PER_PRINCIPAL), when asked to; and,
  for a session the front node recalled instead of reading it (SESSION_CACHE_SIZE), checks that the session still
  exists and slides its idle TTL as touch-session-3.lua does.
  KEYS[1] stream meta hash   KEYS[2] session inflight hash   KEYS[3] the session's open streams (sorted set: lease
  token → when it lapses; any key of the session when no lease is taken)   KEYS[4] the principal's calls in flight
  (sorted set: `<queue> <job id>` → when counted; any key of the session when not counted here — over a Redis
  Cluster that set is in another slot, and the front node counts the call with take-quota-1.lua instead)
  KEYS[5] session hash   KEYS[6] standalone stream   KEYS[7] standalone stream meta (any keys of the session when the
  session is not checked)
  ARGV[1] ttl ms   ARGV[2] request id field (JSON-encoded id)   ARGV[3] job id   ARGV[4] wake channel of the node
  that serves the stream ('' for none)   ARGV[5] digest of the request (method, target, arguments; '' on a shared
  stream)   ARGV[6] '1' to take over an in-flight entry the caller found stale (its stream gone or finished)
  ARGV[7] lease token ('' for none)   ARGV[8] streams a session may hold open   ARGV[9] lease length (ms)
  ARGV[10] now (ms)   ARGV[11] the call's member in the principal's calls ('' for none)   ARGV[12] the principal's
  quota   ARGV[13] how long the calls set outlives its last call (ms)   ARGV[14] the session's idle TTL (ms) when
  the session is checked, '' when it is not
  Creates the meta (seq 0; kept when the stream exists, as a session's shared stream does) so a resume from the
  priming event finds the stream, names the node to wake, remembers which request it answers, and records the
  in-flight request so `notifications/cancelled` on any node can find its job. The meta keeps the lease token
  (`lt`): the append that answers the request gives the lease back (append-events-n.lua).
  Returns { outcome, the session's log level or '', when the session was last seen (ms) or '' } — the last two
  only when the session is checked (the log level may have been set on another node since it was recalled; the
  front node renews what slides with the session when `seen` is old). Outcome: '' when opened; the job id already
  in flight under that request id (nothing is changed then but the lease, which the connection attaching to that
  call holds): JSON-RPC ids are unique among a session's requests in progress; '!streams <ms until the first lease
  lapses>' when the session holds its limit of streams; '!quota' when the principal is at its quota (nothing is
  changed then); '!session' when the checked session does not exist (nothing is changed).
]]
local now = tonumber(ARGV[10])
local lease = ARGV[7]
local level, seen = '', ''
if ARGV[14] ~= '' then
  local s = redis.call('HMGET', KEYS[5], 's', 'lvl')
  if not s[1] then return { '!session' } end
  seen, level = s[1], s[2] or ''
  local ttl = tonumber(ARGV[14])
  if now - tonumber(seen) > ttl / 8 then
    redis.call('HSET', KEYS[5], 's', now)
    redis.call('PEXPIRE', KEYS[5], ttl)
    redis.call('PEXPIRE', KEYS[6], ttl)
    redis.call('PEXPIRE', KEYS[7], ttl)
  end
end
-- Counts are looked at first; expired leases and an entry already held matter only at the limit.
if lease ~= '' then
  local limit = tonumber(ARGV[8])
  if redis.call('ZCARD', KEYS[3]) >= limit and not redis.call('ZSCORE', KEYS[3], lease) then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
    if redis.call('ZCARD', KEYS[3]) >= limit then
      local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
      return { '!streams ' .. (tonumber(first[2] or now) - now), level, seen }
    end
  end
  local claim = tonumber(ARGV[9])
  redis.call('ZADD', KEYS[3], now + claim, lease)
  redis.call('PEXPIRE', KEYS[3], claim * 2)
end
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing and ARGV[6] ~= '1' then return { existing, level, seen } end
local member = ARGV[11]
if member ~= '' then
  if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[12]) and not redis.call('ZSCORE', KEYS[4], member) then
    if lease ~= '' then redis.call('ZREM', KEYS[3], lease) end
    return { '!quota', level, seen }
  end
  redis.call('ZADD', KEYS[4], 'NX', now, member)
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[13]))
end
redis.call('HSETNX', KEYS[1], 'seq', 0)
local fields = {}
if ARGV[4] ~= '' then fields[#fields + 1] = 'ch'; fields[#fields + 1] = ARGV[4] end
if ARGV[5] ~= '' then
  fields[#fields + 1] = 'rid'; fields[#fields + 1] = ARGV[2]
  fields[#fields + 1] = 'h'; fields[#fields + 1] = ARGV[5]
end
if lease ~= '' then fields[#fields + 1] = 'lt'; fields[#fields + 1] = lease end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return { '', level, seen }
