-- min_code_level: 1
-- Virtual keys made through the key API, and spend rows of keys-file keys (made on first use).
-- The key itself is never stored: `hash` is the lowercase hex SHA-256 of the whole key string.
CREATE TABLE IF NOT EXISTS switchyard_keys (
  hash text PRIMARY KEY,
  key_alias text UNIQUE,
  -- `sk-...` plus the last four characters, to tell keys apart in listings.
  key_name text,
  source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'file')),
  models text[] NOT NULL DEFAULT '{}',
  max_budget double precision,
  budget_duration text,
  budget_reset_at timestamptz,
  spend double precision NOT NULL DEFAULT 0,
  rpm_limit integer,
  tpm_limit integer,
  max_parallel_requests integer,
  expires timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  blocked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Hashes of regenerated keys that still work until `valid_until` (the regenerate grace period).
CREATE TABLE IF NOT EXISTS switchyard_key_previous_hashes (
  hash text PRIMARY KEY,
  key_hash text NOT NULL,
  valid_until timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS switchyard_key_previous_hashes_key_hash ON switchyard_key_previous_hashes (key_hash);

-- The first budget reset after `now`, stepping from the last one by whole periods (months stay calendar months).
CREATE OR REPLACE FUNCTION switchyard_next_reset(last_reset timestamptz, period interval, now_at timestamptz)
RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  next_at timestamptz := last_reset;
BEGIN
  WHILE next_at <= now_at LOOP
    next_at := next_at + period;
  END LOOP;
  RETURN next_at;
END;
$$;

-- LiteLLM's duration strings (`30s`, `30m`, `30h`, `30d`, `1mo`) as intervals.
CREATE OR REPLACE FUNCTION switchyard_interval(duration text)
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN duration ~ '^[0-9]+mo$' THEN make_interval(months => substring(duration FROM '^[0-9]+')::int)
    WHEN duration ~ '^[0-9]+d$' THEN make_interval(days => substring(duration FROM '^[0-9]+')::int)
    WHEN duration ~ '^[0-9]+h$' THEN make_interval(hours => substring(duration FROM '^[0-9]+')::int)
    WHEN duration ~ '^[0-9]+m$' THEN make_interval(mins => substring(duration FROM '^[0-9]+')::int)
    WHEN duration ~ '^[0-9]+s$' THEN make_interval(secs => substring(duration FROM '^[0-9]+')::int)
  END
$$;
