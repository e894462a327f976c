--[[
  A front node takes over serving a stream (a GET, a resume, a legacy SSE stream): wake-ups go to it from now on,
  and the node that served it before is told to close its connection (one connection per MCP SSE stream).
  KEYS[1] stream meta hash
  ARGV[1] wake channel of the claiming node   ARGV[2] stream key
  Claims are numbered: the takeover names the new claim's number, and a connection ends only when it was claimed
  under a lower one. So when several connections claim one stream at once (however their takeover messages
  interleave), the last claim keeps the stream and every earlier one ends.
  Returns the claim's number, or 0 when the stream does not exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'claim', 1)
local old = redis.call('HGET', KEYS[1], 'ch')
redis.call('HSET', KEYS[1], 'ch', ARGV[1])
-- A channel with a hash tag is a session's sharded channel (Redis Cluster, keys.ts): SPUBLISH, same slot as KEYS.
if old then redis.call(string.find(old, '{', 1, true) and 'SPUBLISH' or 'PUBLISH', old, ARGV[2] .. '\ntakeover ' .. n) end
return n
