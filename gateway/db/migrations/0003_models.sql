-- min_code_level: 1
-- Models added through `POST /model/new`. Credentials are in `litellm_params_encrypted` (AES-256-GCM under a key
-- derived from SWITCHYARD_SALT_KEY); the rest of the params stay readable for listings.
CREATE TABLE IF NOT EXISTS switchyard_models (
  id text PRIMARY KEY,
  model_name text NOT NULL,
  litellm_params jsonb NOT NULL,
  litellm_params_encrypted text,
  model_info jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
