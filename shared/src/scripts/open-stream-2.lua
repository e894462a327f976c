--[[
  Opens a request stream before its job is enqueued, unless the request's id is already in flight in the session.
  KEYS[1] stream meta hash   KEYS[2] session inflight hash
  ARGV[1] ttl ms   ARGV[2] request id field (JSON-encoded id)   ARGV[3] job id   ARGV[4] wake channel of the node
  that serves the stream ('' for none)   ARGV[5] digest of the request (method, target, arguments; '' on a shared
  stream)   ARGV[6] '1' to take over an in-flight entry the caller found stale (its stream gone or finished)
  Creates the meta (seq 0; kept when the stream exists, as a session's shared stream does) so a resume from the
  priming event finds the stream, names the node to wake, remembers which request it answers, and records the
  in-flight request so `notifications/cancelled` on any node can find its job.
  Returns '' when opened, or the job id already in flight under that request id (nothing is changed then): JSON-RPC
  ids are unique among a session's requests in progress.
]]
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing and ARGV[6] ~= '1' then return existing end
redis.call('HSETNX', KEYS[1], 'seq', 0)
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'ch', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'rid', ARGV[2], 'h', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return ''
