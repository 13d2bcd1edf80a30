-- Forge schema v4: per-loop usage totals (`forge ps`) read only the runs that reported usage,
-- from an index that covers every summed column.

CREATE INDEX idx_runs_usage ON loop_runs
    (loop_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)
    WHERE input_tokens IS NOT NULL;
