-- Forge schema v5: the runner's state, the stop rules, the guards and the pool cursor in typed
-- columns instead of JSON metadata. The values are copied over from `metadata_json` by the Rust
-- step of this migration (`migrate_v5.rs`), which reports rows it cannot read in
-- `loops.config_error` instead of dropping them. `metadata_json` itself is left as it was
-- (legacy: no longer read or written), so a runner of the previous version still running during
-- an upgrade keeps its own view.

ALTER TABLE loops ADD COLUMN runner_pid INTEGER;
ALTER TABLE loops ADD COLUMN runner_started_at TEXT;
ALTER TABLE loops ADD COLUMN iteration_count INTEGER NOT NULL DEFAULT 0 CHECK (iteration_count >= 0);
ALTER TABLE loops ADD COLUMN wait_until TEXT;
ALTER TABLE loops ADD COLUMN waiting_since TEXT;
ALTER TABLE loops ADD COLUMN runner_owner TEXT CHECK (runner_owner IN ('local', 'daemon'));
ALTER TABLE loops ADD COLUMN runner_instance_id TEXT;
ALTER TABLE loops ADD COLUMN reconciled_at TEXT;
ALTER TABLE loops ADD COLUMN reconcile_reason TEXT;
ALTER TABLE loops ADD COLUMN job_kind TEXT CHECK (job_kind IN ('quant_check', 'git'));
ALTER TABLE loops ADD COLUMN job_token TEXT;
ALTER TABLE loops ADD COLUMN job_pgid INTEGER;
ALTER TABLE loops ADD COLUMN config_error TEXT;

ALTER TABLE loops ADD COLUMN run_timeout_seconds INTEGER NOT NULL DEFAULT 0 CHECK (run_timeout_seconds >= 0);
ALTER TABLE loops ADD COLUMN idle_timeout_seconds INTEGER NOT NULL DEFAULT 0 CHECK (idle_timeout_seconds >= 0);
ALTER TABLE loops ADD COLUMN max_cost_usd REAL NOT NULL DEFAULT 0 CHECK (max_cost_usd >= 0);
ALTER TABLE loops ADD COLUMN max_tokens INTEGER NOT NULL DEFAULT 0 CHECK (max_tokens >= 0);

ALTER TABLE loops ADD COLUMN stop_main_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loops ADD COLUMN stop_qual_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loops ADD COLUMN stop_qual_last_main INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loops ADD COLUMN stall_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loops ADD COLUMN stall_nudged INTEGER NOT NULL DEFAULT 0 CHECK (stall_nudged IN (0, 1));

CREATE INDEX idx_loops_waiting_since ON loops (waiting_since) WHERE waiting_since IS NOT NULL;

-- One row per loop with stop rules. A rule is configured when its first column is not NULL.
CREATE TABLE loop_stop_rules (
    loop_id               TEXT PRIMARY KEY REFERENCES loops (id) ON DELETE CASCADE,
    quant_cmd             TEXT,
    quant_every           INTEGER NOT NULL DEFAULT 1 CHECK (quant_every > 0),
    quant_when            TEXT NOT NULL DEFAULT 'before' CHECK (quant_when IN ('before', 'after', 'both')),
    quant_decision        TEXT NOT NULL DEFAULT 'stop' CHECK (quant_decision IN ('stop', 'continue')),
    quant_exit_codes      TEXT NOT NULL DEFAULT '',
    quant_exit_invert     INTEGER NOT NULL DEFAULT 0 CHECK (quant_exit_invert IN (0, 1)),
    quant_stdout_mode     TEXT NOT NULL DEFAULT 'any' CHECK (quant_stdout_mode IN ('any', 'empty', 'nonempty')),
    quant_stderr_mode     TEXT NOT NULL DEFAULT 'any' CHECK (quant_stderr_mode IN ('any', 'empty', 'nonempty')),
    quant_stdout_regex    TEXT NOT NULL DEFAULT '',
    quant_stderr_regex    TEXT NOT NULL DEFAULT '',
    quant_timeout_seconds INTEGER NOT NULL DEFAULT 0 CHECK (quant_timeout_seconds >= 0),
    qual_every            INTEGER CHECK (qual_every > 0),
    qual_prompt           TEXT NOT NULL DEFAULT '',
    qual_prompt_is_path   INTEGER NOT NULL DEFAULT 0 CHECK (qual_prompt_is_path IN (0, 1)),
    qual_on_invalid       TEXT NOT NULL DEFAULT 'continue' CHECK (qual_on_invalid IN ('stop', 'continue')),
    stall_iterations      INTEGER CHECK (stall_iterations > 0)
);

ALTER TABLE pools ADD COLUMN last_index INTEGER;
UPDATE pools SET last_index = json_extract(metadata_json, '$.last_index')
 WHERE json_valid(metadata_json) AND json_type(metadata_json, '$.last_index') = 'integer';

-- Loops created without --pool/--profile ran on whatever pool was the default; record it, so
-- `ps --pool`, `stop --pool` and the POOL column see them (new loops record it at creation).
UPDATE loops SET pool_id = (SELECT id FROM pools WHERE is_default = 1)
 WHERE pool_id IS NULL AND profile_id IS NULL;
