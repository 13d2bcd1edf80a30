-- Forge schema v1: the loop runtime.
-- Append-only: never edit a migration once it has landed; add a new file instead.

CREATE TABLE profiles (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    harness          TEXT NOT NULL DEFAULT '',
    auth_kind        TEXT,
    auth_home        TEXT,
    prompt_mode      TEXT NOT NULL DEFAULT 'env' CHECK (prompt_mode IN ('env', 'stdin', 'path')),
    command_template TEXT NOT NULL,
    model            TEXT,
    extra_args_json  TEXT,
    env_json         TEXT,
    max_concurrency  INTEGER NOT NULL DEFAULT 1 CHECK (max_concurrency >= 0),
    cooldown_until   TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX idx_profiles_cooldown ON profiles (cooldown_until);

CREATE TABLE pools (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    strategy      TEXT NOT NULL DEFAULT 'round_robin',
    is_default    INTEGER NOT NULL DEFAULT 0,
    metadata_json TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_pools_single_default ON pools (is_default) WHERE is_default = 1;

CREATE TABLE pool_members (
    id         TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    profile_id TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    weight     INTEGER NOT NULL DEFAULT 1,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (pool_id, profile_id)
);
CREATE INDEX idx_pool_members_profile ON pool_members (profile_id);

CREATE TABLE loops (
    id                  TEXT PRIMARY KEY,
    short_id            TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL UNIQUE,
    repo_path           TEXT NOT NULL,
    base_prompt_path    TEXT,
    base_prompt_msg     TEXT,
    interval_seconds    INTEGER NOT NULL DEFAULT 30 CHECK (interval_seconds >= 0),
    max_iterations      INTEGER NOT NULL DEFAULT 0 CHECK (max_iterations >= 0),
    max_runtime_seconds INTEGER NOT NULL DEFAULT 0 CHECK (max_runtime_seconds >= 0),
    pool_id             TEXT REFERENCES pools (id) ON DELETE SET NULL,
    profile_id          TEXT REFERENCES profiles (id) ON DELETE SET NULL,
    state               TEXT NOT NULL DEFAULT 'stopped'
                        CHECK (state IN ('running', 'sleeping', 'waiting', 'stopped', 'error')),
    last_run_at         TEXT,
    last_exit_code      INTEGER,
    last_error          TEXT,
    log_path            TEXT,
    ledger_path         TEXT,
    tags_json           TEXT,
    metadata_json       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX idx_loops_repo_path ON loops (repo_path);
CREATE INDEX idx_loops_state ON loops (state);
CREATE INDEX idx_loops_pool_id ON loops (pool_id);
CREATE INDEX idx_loops_profile_id ON loops (profile_id);

CREATE TABLE loop_queue_items (
    id            TEXT PRIMARY KEY,
    loop_id       TEXT NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    type          TEXT NOT NULL CHECK (type IN ('message_append', 'next_prompt_override', 'pause',
                                                'stop_graceful', 'kill_now', 'steer_message')),
    position      INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'dispatched', 'completed', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    payload_json  TEXT NOT NULL,
    error_message TEXT,
    created_at    TEXT NOT NULL,
    dispatched_at TEXT,
    completed_at  TEXT
);
CREATE INDEX idx_queue_loop_position ON loop_queue_items (loop_id, position);
CREATE INDEX idx_queue_pending ON loop_queue_items (loop_id, position) WHERE status = 'pending';

CREATE TABLE loop_runs (
    id              TEXT PRIMARY KEY,
    loop_id         TEXT NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    profile_id      TEXT REFERENCES profiles (id) ON DELETE SET NULL,
    status          TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'success', 'error', 'killed')),
    prompt_source   TEXT NOT NULL DEFAULT 'base',
    prompt_path     TEXT,
    prompt_override INTEGER NOT NULL DEFAULT 0,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    exit_code       INTEGER,
    output_tail     TEXT,
    harness_pgid    INTEGER,
    metadata_json   TEXT
);
CREATE INDEX idx_runs_loop ON loop_runs (loop_id, started_at);
CREATE INDEX idx_runs_profile_running ON loop_runs (profile_id) WHERE status = 'running';

CREATE TABLE loop_kv (
    id         TEXT PRIMARY KEY,
    loop_id    TEXT NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (loop_id, key)
);

CREATE TABLE loop_work_state (
    id             TEXT PRIMARY KEY,
    loop_id        TEXT NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    agent_id       TEXT NOT NULL,
    task_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    detail         TEXT,
    loop_iteration INTEGER NOT NULL DEFAULT 0,
    is_current     INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (loop_id, task_id)
);
CREATE INDEX idx_work_state_loop_updated ON loop_work_state (loop_id, updated_at);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    data_json   TEXT
);
CREATE INDEX idx_events_entity ON events (entity_type, entity_id, id);
CREATE INDEX idx_events_kind ON events (kind, id);
