-- One row per raid session. class_mix is the count of players per class, as a
-- JSON object; JSON is a checked LONGTEXT on MariaDB and a native type on MySQL.
CREATE TABLE raid_session_summaries (
  dt DATE NOT NULL,
  session_id VARCHAR(64) NOT NULL,
  boss_name VARCHAR(128) NOT NULL,
  duration_s INT UNSIGNED NOT NULL,
  success BOOLEAN NOT NULL,
  class_mix JSON NOT NULL,
  players SMALLINT UNSIGNED NOT NULL,
  PRIMARY KEY (dt, session_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (dt) (
  PARTITION p_history VALUES LESS THAN ('1970-01-01')
);
