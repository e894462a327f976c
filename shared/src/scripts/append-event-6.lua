--[[
  Appends one event to a session stream, exactly once, and wakes the node holding the stream's connection.
  KEYS[1] stream   KEYS[2] stream meta hash   KEYS[3] session inflight hash   KEYS[4] the job's run hash   KEYS[5] the
  principal's calls in flight   KEYS[6] the session's open streams (KEYS[4..6]: any key of the session when unused —
  over a Redis Cluster the principal's calls are in another slot and are uncounted by a command of their own)
  ARGV[1] kind letter (m|f|e|r|c|i: the EventKind names in events.ts)   ARGV[2] JSON message ('' for e, c)   ARGV[3] writer id   ARGV[4] writer sequence
  ARGV[5] progress value or ''   ARGV[6] max entries   ARGV[7] ttl ms
  ARGV[8] request id field to clear from inflight when the event answers or ends the request ('' for none)
  ARGV[9] now (ms, the writer's clock; only paces TTL refreshes)
  ARGV[10] fence field ('a:<jobId>', or '' for writers that are not job attempts)   ARGV[11] the writer's attempt
  ARGV[12] task status this event brings ('' for none)   ARGV[13] the task's status message with it
  ARGV[14] the meta field that guards ARGV[5] ('p' for progress; a call on a shared stream, and partial-result
  chunks, have their own)
  ARGV[15] the run hash's ttl ms when this event settles the job ('' for none)   ARGV[16] the call's member in the
  principal's calls in flight, uncounted with the answer ('' for none)

  Why a script: ioredis resends unanswered commands after a reconnect and BullMQ may run a job twice, so a plain
  XADD could land twice. The per-writer sequence makes a resend a no-op (and drops what a parked job's re-run
  writes again up to where it parked), the done flag keeps a second result out,
  and the progress guard keeps progress (and partial-result chunk numbers) strictly increasing across a retried job. The fence refuses a job attempt
  once a later attempt of the same job has written: a worker that lost its job's lock (paused, partitioned) cannot
  write after the worker that took the job over.
  The meta's `ch` names the pub/sub channel of the front node serving the stream (set when a node opens or resumes
  it); with no node serving it, the event waits in the stream for a resume. TTLs are refreshed on the first event,
  on events that answer the request, and at most every quarter TTL otherwise (a burst costs no PEXPIREs).
  A task's record lives in its stream meta (shared/src/tasks.ts, TASK_FIELDS): an event that changes the task's
  status (questions → input_required, the response → completed/failed, the end → cancelled) sets it here, with the
  event, and a terminal status is never changed; a `t` event marks the task announced to its client.
  The answer settles the call in the same step (one round trip, nothing in between to lose): the job's run state is
  reduced to its `done` mark (start-run-1.lua), the call no longer counts against its principal's quota, and the
  lease its stream held on the session's open streams (`lt`, open-stream-4.lua) is given back.
  Returns the new seq, 0 when skipped as a duplicate, -1 when the stream is gone (expired or session deleted).
]]
local guard = ARGV[14] ~= '' and ARGV[14] or 'p'
local m = redis.call('HMGET', KEYS[2], 'seq', 'done', 'w:' .. ARGV[3], guard, 'ch', 'x', ARGV[10], 'ts', 'lt')
if not m[1] then return -1 end
if m[2] then return 0 end
local kind = ARGV[1]
-- The stream's last word (f, e) is kept unique by the done flag instead: it goes in whatever number its writer gave
-- it (a parked job's re-run that ends early, cancelled or failing, numbers below what its earlier run wrote).
local final = kind == 'f' or kind == 'e'
if not final and m[3] and tonumber(m[3]) >= tonumber(ARGV[4]) then return 0 end
local attempt = tonumber(ARGV[11])
if ARGV[10] ~= '' and m[7] and tonumber(m[7]) > attempt then return 0 end
local hasProgress = ARGV[5] ~= ''
if hasProgress and m[4] and tonumber(m[4]) >= tonumber(ARGV[5]) then return 0 end
local seq = tonumber(m[1]) + 1
local answers = kind == 'f' or kind == 'e' or kind == 'r'
local ttl = tonumber(ARGV[7])
local now = tonumber(ARGV[9])
-- ttl 0: the stream's lifetime is its session's (a shared HTTP+SSE stream): appends never extend it.
local refresh = ttl > 0 and (answers or not m[6] or now - tonumber(m[6]) > ttl / 4)
local fields = { 'seq', seq, 'w:' .. ARGV[3], ARGV[4] }
if hasProgress then fields[#fields + 1] = guard; fields[#fields + 1] = ARGV[5] end
if kind == 'f' or kind == 'e' then fields[#fields + 1] = 'done'; fields[#fields + 1] = 1 end
if refresh then fields[#fields + 1] = 'x'; fields[#fields + 1] = now end
if ARGV[10] ~= '' and (not m[7] or tonumber(m[7]) < attempt) then
  fields[#fields + 1] = ARGV[10]; fields[#fields + 1] = attempt
end
local ts = m[8]
if ARGV[12] ~= '' and ts and ts ~= 'completed' and ts ~= 'failed' and ts ~= 'cancelled' then
  fields[#fields + 1] = 'ts'; fields[#fields + 1] = ARGV[12]
  fields[#fields + 1] = 'tu'; fields[#fields + 1] = now
  fields[#fields + 1] = 'tm'; fields[#fields + 1] = ARGV[13]
end
if kind == 't' then fields[#fields + 1] = 'ta'; fields[#fields + 1] = 1 end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'k', kind, 'm', ARGV[2])
if answers and ARGV[8] ~= '' then redis.call('HDEL', KEYS[3], ARGV[8]) end
if answers and ARGV[15] ~= '' then
  redis.call('DEL', KEYS[4])
  redis.call('HSET', KEYS[4], 'done', 1)
  redis.call('PEXPIRE', KEYS[4], ARGV[15])
end
if answers and ARGV[16] ~= '' then redis.call('ZREM', KEYS[5], ARGV[16]) end
if final and m[9] and KEYS[6] ~= KEYS[2] then redis.call('ZREM', KEYS[6], m[9]) end
if refresh then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
-- The wake-up carries the event when it is small (the node writes it without a read); a large one only says where
-- to read, so a node whose client is not reading never receives megabytes it cannot use.
if m[5] then
  local wake = KEYS[1] .. '\n' .. seq .. ' ' .. kind
  if #ARGV[2] <= 8192 then wake = wake .. ' ' .. ARGV[2] end
  -- A channel with a hash tag is a session's sharded channel (Redis Cluster, keys.ts): SPUBLISH, same slot as KEYS.
  redis.call(string.find(m[5], '{', 1, true) and 'SPUBLISH' or 'PUBLISH', m[5], wake)
end
return seq
