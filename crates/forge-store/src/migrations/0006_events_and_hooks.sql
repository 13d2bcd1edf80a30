-- Forge schema v6: events you can follow and hooks that fire on them.
-- Event ids stay the AUTOINCREMENT rowid: they are allocated under SQLite's single write lock,
-- so they become visible in order, which `forge events --follow --after ID` relies on.

CREATE INDEX idx_events_created ON events (created_at, id);

-- What runs when a matching event is recorded. `cursor` is the last event id the hook is done
-- with: a new hook starts at the newest event, and the dispatcher moves it forward in the
-- transaction that records each final delivery, so a delivery survives any restart.
CREATE TABLE hooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kinds        TEXT NOT NULL,
    entity_type  TEXT,
    entity_id    TEXT,
    repo         TEXT,
    action       TEXT NOT NULL CHECK (action IN ('command', 'webhook', 'desktop')),
    command      TEXT,
    url          TEXT,
    headers_json TEXT,
    timeout_ms   INTEGER NOT NULL CHECK (timeout_ms > 0),
    enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    cursor       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    CHECK ((action = 'command') = (command IS NOT NULL)),
    CHECK ((action = 'webhook') = (url IS NOT NULL)),
    CHECK ((entity_type IS NULL) = (entity_id IS NULL))
);

-- Every delivery attempt: `ok`, `retry` (a webhook attempt that will be tried again) or
-- `failed` (given up; a `hook.failed` event is recorded with it).
CREATE TABLE hook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id     INTEGER NOT NULL REFERENCES hooks (id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL,
    attempt     INTEGER NOT NULL CHECK (attempt > 0),
    status      TEXT NOT NULL CHECK (status IN ('ok', 'retry', 'failed')),
    error       TEXT,
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    created_at  TEXT NOT NULL
);
CREATE INDEX idx_hook_deliveries_hook ON hook_deliveries (hook_id, event_id);
