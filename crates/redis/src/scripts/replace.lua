-- KEYS[1] the new session, KEYS[2] the save counter, KEYS[3] the old session (or absent);
-- ARGV: new member, sign-ins JSON, subject prefix, session prefix, ended prefix, now, idle s,
-- idle ms, max per subject, old member (or absent).
-- 1 when done; 0 when the old session is no longer live (nothing is written).
if KEYS[3] then
  if not is_live(KEYS[3], tonumber(ARGV[6]), tonumber(ARGV[7])) then
    return 0
  end
  remove_session(KEYS[3], ARGV[10], ARGV[3])
end
remove_session(KEYS[1], ARGV[1], ARGV[3])
put(KEYS[1], ARGV[1], ARGV[2], {
  tick = KEYS[2], subject_prefix = ARGV[3], session_prefix = ARGV[4], ended_prefix = ARGV[5],
  now = ARGV[6], idle = ARGV[7], idle_ms = ARGV[8], max = ARGV[9],
})
return 1
