--[[
  Appends events to session streams, each exactly once, and wakes the nodes holding the streams' connections.
  A batch: the appends one worker connection gathered while its previous batch was on its way (stream-appends.ts),
  each given as 6 keys and 16 arguments, in order — what follows describes one. Each is applied on its own (an
  error in one is its answer, not the batch's), and the wake-ups of one node go out as one message. Consecutive
  appends to one stream (a tool's burst of progress, written behind it) read the stream's meta once and write it
  once: the meta is kept in `known` while the batch stays on that stream.
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
  lease its stream held on the session's open streams (`lt`, open-stream-7.lua) is given back.
  Returns, per append, the new seq, 0 when skipped as a duplicate, -1 when the stream is gone (expired or session
  deleted), or `error: <message>` for the error it met.
]]
local wakes = {}
local channels = {}
-- The meta of the stream the batch is on: fields read (false: absent) and fields to write back when it moves on.
local cur, known, dirty, order = nil, {}, {}, {}

local function writeBack()
  if cur and #order > 0 then
    local args = {}
    for _, f in ipairs(order) do args[#args + 1] = f; args[#args + 1] = dirty[f] end
    redis.call('HSET', cur, unpack(args))
  end
  dirty, order = {}, {}
end

local function read(meta, fields)
  if cur ~= meta then writeBack(); cur = meta; known = {} end
  local missing = {}
  for _, f in ipairs(fields) do if known[f] == nil then missing[#missing + 1] = f end end
  if #missing > 0 then
    local v = redis.call('HMGET', meta, unpack(missing))
    for i, f in ipairs(missing) do known[f] = v[i] or false end
  end
  local out = {}
  for i, f in ipairs(fields) do if known[f] then out[i] = known[f] end end
  return out
end

local function set(f, v)
  known[f] = v
  if dirty[f] == nil then order[#order + 1] = f end
  dirty[f] = v
end

local function append(k, a)
  local guard = ARGV[a + 14] ~= '' and ARGV[a + 14] or 'p'
  local fence = ARGV[a + 10]
  local m = read(KEYS[k + 2], { 'seq', 'done', 'w:' .. ARGV[a + 3], guard, 'ch', 'x', fence ~= '' and fence or 'seq', 'ts', 'lt' })
  if not m[1] then return -1 end
  if m[2] then return 0 end
  local kind = ARGV[a + 1]
  -- The stream's last word (f, e) is kept unique by the done flag instead: it goes in whatever number its writer gave
  -- it (a parked job's re-run that ends early, cancelled or failing, numbers below what its earlier run wrote).
  local final = kind == 'f' or kind == 'e'
  if not final and m[3] and tonumber(m[3]) >= tonumber(ARGV[a + 4]) then return 0 end
  local attempt = tonumber(ARGV[a + 11])
  if fence ~= '' and m[7] and tonumber(m[7]) > attempt then return 0 end
  local hasProgress = ARGV[a + 5] ~= ''
  if hasProgress and m[4] and tonumber(m[4]) >= tonumber(ARGV[a + 5]) then return 0 end
  local seq = tonumber(m[1]) + 1
  local answers = kind == 'f' or kind == 'e' or kind == 'r'
  local ttl = tonumber(ARGV[a + 7])
  local now = tonumber(ARGV[a + 9])
  -- ttl 0: the stream's lifetime is its session's (a shared HTTP+SSE stream): appends never extend it.
  local refresh = ttl > 0 and (answers or not m[6] or now - tonumber(m[6]) > ttl / 4)
  -- The entry first: the meta changes below are kept (and written back) only for an event that is in the stream.
  redis.call('XADD', KEYS[k + 1], 'MAXLEN', '~', ARGV[a + 6], seq .. '-0', 'k', kind, 'm', ARGV[a + 2])
  set('seq', seq)
  set('w:' .. ARGV[a + 3], ARGV[a + 4])
  if hasProgress then set(guard, ARGV[a + 5]) end
  if final then set('done', 1) end
  if refresh then set('x', now) end
  if fence ~= '' and (not m[7] or tonumber(m[7]) < attempt) then set(fence, attempt) end
  local ts = m[8]
  if ARGV[a + 12] ~= '' and ts and ts ~= 'completed' and ts ~= 'failed' and ts ~= 'cancelled' then
    set('ts', ARGV[a + 12])
    set('tu', now)
    set('tm', ARGV[a + 13])
  end
  if kind == 't' then set('ta', 1) end
  if answers and ARGV[a + 8] ~= '' then redis.call('HDEL', KEYS[k + 3], ARGV[a + 8]) end
  if answers and ARGV[a + 15] ~= '' then
    redis.call('DEL', KEYS[k + 4])
    redis.call('HSET', KEYS[k + 4], 'done', 1)
    redis.call('PEXPIRE', KEYS[k + 4], ARGV[a + 15])
  end
  if answers and ARGV[a + 16] ~= '' then redis.call('ZREM', KEYS[k + 5], ARGV[a + 16]) end
  if final and m[9] and KEYS[k + 6] ~= KEYS[k + 2] then redis.call('ZREM', KEYS[k + 6], m[9]) end
  if refresh then
    redis.call('PEXPIRE', KEYS[k + 1], ttl)
    redis.call('PEXPIRE', KEYS[k + 2], ttl)
  end
  -- The wake-up carries the event when it is small (the node writes it without a read); a large one only says where
  -- to read, so a node whose client is not reading never receives megabytes it cannot use.
  if m[5] then
    local wake = KEYS[k + 1] .. '\n' .. seq .. ' ' .. kind
    if #ARGV[a + 2] <= 8192 then wake = wake .. ' ' .. ARGV[a + 2] end
    local list = wakes[m[5]]
    if not list then
      list = {}
      wakes[m[5]] = list
      channels[#channels + 1] = m[5]
    end
    list[#list + 1] = wake
  end
  return seq
end

local results = {}
for i = 0, #KEYS / 6 - 1 do
  local ok, r = pcall(append, i * 6, i * 16)
  if ok then results[i + 1] = r
  else results[i + 1] = 'error: ' .. (type(r) == 'table' and r.err or tostring(r)) end
end
writeBack()
-- One message per node, the wake-ups in append order; JSON has no raw newline, so lines pair up (events.ts).
for _, ch in ipairs(channels) do
  -- A channel with a hash tag is a session's sharded channel (Redis Cluster, keys.ts): SPUBLISH, same slot as KEYS.
  redis.call(string.find(ch, '{', 1, true) and 'SPUBLISH' or 'PUBLISH', ch, table.concat(wakes[ch], '\n'))
end
return results
