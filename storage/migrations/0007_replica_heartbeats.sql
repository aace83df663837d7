-- Heartbeats for --db-replica: each oauthd process that reads from replicas writes its own row on the primary every
-- quarter of --db-replica-max-lag, and reads it back from the replica. The replica applies the primary's commits in
-- order, so once it shows a heartbeat sent at T it holds everything committed before T: a read there at time t is at
-- most t - T stale. SentAt is in microseconds on the writing process's monotonic clock, which is also the clock that
-- reads it back (a row is one process's), so no two clocks need agree and a step of the wall clock changes nothing.
-- WrittenAt (milliseconds on the database's clock) lets any process delete the rows of processes gone for a day.
CREATE TABLE IF NOT EXISTS oauthd_replica_heartbeats (
  Holder varchar(128) NOT NULL,
  SentAt bigint NOT NULL,
  WrittenAt bigint NOT NULL,
  PRIMARY KEY (Holder)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
