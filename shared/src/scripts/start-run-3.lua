--[[
  Starts one run of a job and says which attempt it is.
  KEYS[1] the job's run hash   KEYS[2] the session's in-flight hash   KEYS[3] the session hash
  ARGV[1] queue name   ARGV[2] ttl ms   ARGV[3] the request's in-flight field   ARGV[4] the job id
  ARGV[5] how long a refusal mark is kept (ms)
  A job runs again from the start after it parked (it asked the client something and waited holding no worker):
  that is the same attempt. A run that finds `open` still set follows a run that never finished — its worker died,
  was paused past its lock, or handed it back — so this is a new attempt (idempotent tools re-run, others answer
  "interrupted"). A job that already has its outcome (`done`: its worker died before BullMQ heard it finish) does
  not run again.
  A job's first run also checks that its stream was opened for it: the front node sends the opening of the stream
  (open-stream-7.lua) and the job in one write, and Redis runs them in that order, so when the job is taken the
  opening has run — and if it refused (the request id was in flight already, the principal at its quota, the
  session gone), the session's in-flight entry does not name this job. Such a job is refused: it does not run, and
  its run hash keeps `ref` for a while so a front node that opened the stream after all (it took over a stale
  entry) knows to enqueue the job again. A cancellation that came first takes precedence (the run ends the stream).
  Returns { attempt, cancellation reason or '', 1 when done, 1 when refused, 1 when the session exists, its log
  level or '' } — the session's level as it is now: the job carries the level the front node knew, which may have
  been changed on another node since.
]]
local m = redis.call('HMGET', KEYS[1], 'att', 'open', 'cancel', 'done')
if m[4] then return { tonumber(m[1]) or 1, '', 1, 0 } end
local att = tonumber(m[1]) or 0
if att == 0 and not m[3] and redis.call('HGET', KEYS[2], ARGV[3]) ~= ARGV[4] then
  redis.call('HSET', KEYS[1], 'ref', 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return { 0, '', 0, 1 }
end
if att == 0 then att = 1 elseif m[2] then att = att + 1 end
redis.call('HSET', KEYS[1], 'att', att, 'open', 1, 'queue', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local s = redis.call('HMGET', KEYS[3], 's', 'lvl')
return { att, m[3] or '', 0, 0, s[1] and 1 or 0, s[2] or '' }
