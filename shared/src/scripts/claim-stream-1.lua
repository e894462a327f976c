--[[
  A front node takes over serving a stream (a GET, a resume, a legacy SSE stream): wake-ups go to it from now on,
  and the node that served it before is told to close its connection (one connection per MCP SSE stream).
  KEYS[1] stream meta hash
  ARGV[1] wake channel of the claiming node   ARGV[2] stream key   ARGV[3] owner token of the new view
  Returns 1, or 0 when the stream does not exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[1], 'ch')
redis.call('HSET', KEYS[1], 'ch', ARGV[1])
if old then redis.call('PUBLISH', old, ARGV[2] .. '\ntakeover ' .. ARGV[3]) end
return 1
