--[[
  Starts one run of a job and says which attempt it is.
  KEYS[1] the job's run hash   ARGV[1] queue name   ARGV[2] ttl ms
  A job runs again from the start after it parked (it asked the client something and waited holding no worker):
  that is the same attempt. A run that finds `open` still set follows a run that never finished — its worker died,
  was paused past its lock, or handed it back — so this is a new attempt (idempotent tools re-run, others answer
  "interrupted"). A job that already has its outcome (`done`: its worker died before BullMQ heard it finish) does
  not run again. Returns { attempt, cancellation reason or '', 1 when done }.
]]
local m = redis.call('HMGET', KEYS[1], 'att', 'open', 'cancel', 'done')
if m[4] then return { tonumber(m[1]) or 1, '', 1 } end
local att = tonumber(m[1]) or 0
if att == 0 then att = 1 elseif m[2] then att = att + 1 end
redis.call('HSET', KEYS[1], 'att', att, 'open', 1, 'queue', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return { att, m[3] or '', 0 }
