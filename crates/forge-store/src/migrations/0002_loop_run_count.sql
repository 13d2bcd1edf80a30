-- Forge schema v2: a per-loop run counter, kept by a trigger, so listing loops never scans runs.

ALTER TABLE loops ADD COLUMN run_count INTEGER NOT NULL DEFAULT 0;

UPDATE loops SET run_count = (SELECT COUNT(*) FROM loop_runs WHERE loop_runs.loop_id = loops.id);

CREATE TRIGGER loop_runs_count_insert AFTER INSERT ON loop_runs
BEGIN
    UPDATE loops SET run_count = run_count + 1 WHERE id = NEW.loop_id;
END;

CREATE TRIGGER loop_runs_count_delete AFTER DELETE ON loop_runs
BEGIN
    UPDATE loops SET run_count = run_count - 1 WHERE id = OLD.loop_id;
END;
