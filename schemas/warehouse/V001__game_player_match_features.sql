-- Per player and match features of the game source: one row per
-- account in a room and day, with the label the cheater detector is trained on.
-- Every warehouse table is RANGE COLUMNS-partitioned by dt with dt in the primary key, so
-- the ETL can swap a whole day in by partition exchange. p_history is the floor the first
-- CREATE needs; bdp-warehouse-partitions adds the daily partitions (pYYYYMMDD).
CREATE TABLE game_player_match_features (
  dt DATE NOT NULL,
  room_id VARCHAR(64) NOT NULL,
  account VARCHAR(64) NOT NULL,
  champion VARCHAR(64) NOT NULL,
  moves INT UNSIGNED NOT NULL,
  max_move_distance DOUBLE NOT NULL,
  avg_move_speed DOUBLE NOT NULL,
  teleport_moves INT UNSIGNED NOT NULL,
  buys INT UNSIGNED NOT NULL,
  deaths INT UNSIGNED NOT NULL,
  is_cheater BOOLEAN NOT NULL,
  PRIMARY KEY (dt, room_id, account)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (dt) (
  PARTITION p_history VALUES LESS THAN ('1970-01-01')
);
