-- Forge schema v3: what each run did and cost, read from the harness's structured output.

ALTER TABLE loop_runs ADD COLUMN outcome TEXT;
ALTER TABLE loop_runs ADD COLUMN input_tokens INTEGER;
ALTER TABLE loop_runs ADD COLUMN output_tokens INTEGER;
ALTER TABLE loop_runs ADD COLUMN cache_read_tokens INTEGER;
ALTER TABLE loop_runs ADD COLUMN cache_write_tokens INTEGER;
ALTER TABLE loop_runs ADD COLUMN cost_usd REAL;
ALTER TABLE loop_runs ADD COLUMN model TEXT;
ALTER TABLE loop_runs ADD COLUMN session_id TEXT;

CREATE INDEX idx_runs_profile_outcome ON loop_runs (profile_id, outcome, started_at);
