-- Daily booking funnel of the lodging site by sub-home category and audience.
CREATE TABLE lodging_daily_funnel (
  dt DATE NOT NULL,
  category VARCHAR(64) NOT NULL,
  gender VARCHAR(16) NOT NULL,
  age_band VARCHAR(16) NOT NULL,
  views BIGINT UNSIGNED NOT NULL,
  buys BIGINT UNSIGNED NOT NULL,
  refunds BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (dt, category, gender, age_band)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (dt) (
  PARTITION p_history VALUES LESS THAN ('1970-01-01')
);
