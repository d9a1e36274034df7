-- Daily performance of each ad by audience, after the 60-second click de-duplication.
-- ctr is clicks / impressions, kept so readers need not recompute it.
CREATE TABLE ads_daily_performance (
  dt DATE NOT NULL,
  ad_id VARCHAR(64) NOT NULL,
  ad_name VARCHAR(255) NOT NULL,
  genre VARCHAR(64) NOT NULL,
  gender VARCHAR(16) NOT NULL,
  age_band VARCHAR(16) NOT NULL,
  impressions BIGINT UNSIGNED NOT NULL,
  clicks BIGINT UNSIGNED NOT NULL,
  ctr DOUBLE NOT NULL,
  avg_viewing_time_s DOUBLE NOT NULL,
  PRIMARY KEY (dt, ad_id, gender, age_band)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (dt) (
  PARTITION p_history VALUES LESS THAN ('1970-01-01')
);
