-- KEYS[1] the subject's index, KEYS[2] the subject's remembered cut-off; ARGV: session prefix,
-- subject, cut-off (signed_in_at), forget the cut-off at (unix s), its TTL in ms.
-- The cut-off kept is the latest of this one and any remembered; later saves leave out the
-- subject's sign-ins made at or before it.
local earlier = redis.call('HGET', KEYS[2], 'c')
local cutoff = ARGV[3]
if earlier and tonumber(earlier) and tonumber(earlier) > tonumber(cutoff) then
  cutoff = earlier
end
redis.call('HSET', KEYS[2], 'c', cutoff, 'f', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local ended = 0
local at_or_before = tonumber(ARGV[3])
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  ended = ended + end_in(ARGV[1], KEYS[1], member, ARGV[2], at_or_before)
end
return ended
