-- Heartbeats for --db-replica: each oauthd pod that reads from replicas writes its own row on the primary every
-- fraction of --db-replica-max-lag, and reads it back from the replica. The replica applies the primary's commits in
-- order, so once it shows a heartbeat sent at T it holds everything committed before T: a read there at time t is
-- at most t - T stale. SentAt is in microseconds on the writing pod's own clock, which is also the clock that reads
-- it back, so pods' clocks need not agree. Rows of pods gone for a day are deleted by the others.
CREATE TABLE IF NOT EXISTS oauthd_replica_heartbeats (
  Holder varchar(128) NOT NULL,
  SentAt bigint NOT NULL,
  PRIMARY KEY (Holder)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
