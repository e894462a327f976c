--[[
  Loads a session and slides its idle TTL, in one round trip.
  KEYS[1] session hash   KEYS[2] standalone stream   KEYS[3] standalone stream meta
  ARGV[1] session ttl ms (a session's own `ttl` field wins: an HTTP+SSE session lives on a short lease its open
  connection renews)   ARGV[2] now (ms)
  The standalone (GET) stream lives as long as the session, so its keys slide with it. The TTLs are refreshed when
  the last refresh is older than an eighth of the TTL: a busy session costs one read per request, and the idle TTL
  is exact to within that eighth.
  Returns the session hash as a flat list, or an empty list when the session does not exist.
]]
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return fields end
local seen = 0
local ttl = tonumber(ARGV[1])
for i = 1, #fields, 2 do
  if fields[i] == 's' then seen = tonumber(fields[i + 1]) end
  if fields[i] == 'ttl' then ttl = tonumber(fields[i + 1]) end
end
if tonumber(ARGV[2]) - seen > ttl / 8 then
  redis.call('HSET', KEYS[1], 's', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return fields
