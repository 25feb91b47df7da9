-- KEYS[1] the session, KEYS[2] the save counter; ARGV: member, sign-ins JSON, subject prefix,
-- session prefix, ended prefix, now, idle s, idle ms, max per subject.
remove_session(KEYS[1], ARGV[1], ARGV[3])
return put(KEYS[1], ARGV[1], ARGV[2], {
  tick = KEYS[2], subject_prefix = ARGV[3], session_prefix = ARGV[4], ended_prefix = ARGV[5],
  now = ARGV[6], idle = ARGV[7], idle_ms = ARGV[8], max = ARGV[9],
})
