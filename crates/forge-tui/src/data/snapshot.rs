//! Building a [`Snapshot`] and a [`Detail`] from the store: a fixed number of queries whatever
//! the number of loops or runs (loops, run counts from the loop rows, pending counts, usage
//! totals from a covering index, the latest run per loop by index seek, profiles, pools).

use std::collections::HashMap;

use std::time::{Duration, Instant};

use forge_store::{LoopFilter, Store, UsageTotals};

use crate::model::{Detail, LoopRow, PoolInfo, Snapshot};

/// How many runs the Runs tab lists.
pub const RUN_HISTORY: i64 = 200;

/// Per-loop usage totals, recomputed only for loops whose row changed (a finished run always
/// updates its loop's row), so a busy store is not summed whole on every refresh.
#[derive(Default)]
pub(crate) struct UsageCache {
    /// Loop id → (`updated_at`, run count) when summed, and the totals.
    totals: HashMap<String, ((String, i64), Option<UsageTotals>)>,
    /// When every loop was last summed in one query.
    full_at: Option<Instant>,
}

/// A full re-sum at least this often, in case a writer changed runs without touching a loop row.
const FULL_USAGE_EVERY: Duration = Duration::from_secs(60);

impl UsageCache {
    pub(crate) fn is_empty(&self) -> bool {
        self.full_at.is_none()
    }

    /// Fills in every row's usage.
    pub(crate) fn fill(
        &mut self,
        store: &Store,
        snapshot: &mut Snapshot,
    ) -> forge_store::Result<()> {
        let key = |r: &LoopRow| (r.lp.updated_at.clone(), r.runs);
        if self
            .full_at
            .is_none_or(|at| at.elapsed() >= FULL_USAGE_EVERY)
        {
            let mut all = store.usage_totals()?;
            self.totals = snapshot
                .loops
                .iter()
                .map(|r| (r.lp.id.clone(), (key(r), all.remove(&r.lp.id))))
                .collect();
            self.full_at = Some(Instant::now());
        }
        for row in &mut snapshot.loops {
            let fresh = self
                .totals
                .get(&row.lp.id)
                .is_some_and(|(k, _)| *k == key(row));
            if !fresh {
                let totals = store.loop_usage_totals(&row.lp.id)?;
                let reported = totals != UsageTotals::default();
                self.totals
                    .insert(row.lp.id.clone(), (key(row), reported.then_some(totals)));
            }
            row.usage = self.totals.get(&row.lp.id).and_then(|(_, u)| u.clone());
        }
        snapshot.usage_pending = false;
        Ok(())
    }
}

/// Everything but the usage totals (see [`UsageCache::fill`]).
pub(crate) fn load_snapshot(store: &Store) -> forge_store::Result<Snapshot> {
    let loops = store.list_loops(&LoopFilter::default())?;
    let runs = store.run_counts()?;
    let pending = store.pending_counts()?;
    let mut latest = store.latest_run_records()?;
    let profiles = store.list_profiles()?;
    let mut pools = Vec::new();
    for pool in store.list_pools()? {
        let members = store
            .list_pool_members(&pool.id)?
            .into_iter()
            .map(|m| m.profile.id)
            .collect();
        pools.push(PoolInfo {
            id: pool.id,
            name: pool.name,
            is_default: pool.is_default,
            members,
        });
    }
    let profile_by_id: HashMap<&str, &forge_core::model::Profile> =
        profiles.iter().map(|p| (p.id.as_str(), p)).collect();
    let rows = loops
        .into_iter()
        .map(|lp| {
            let last = latest.remove(&lp.id);
            let profile = lp
                .profile_id
                .as_deref()
                .or_else(|| last.as_ref().and_then(|r| r.run.profile_id.as_deref()))
                .and_then(|id| profile_by_id.get(id).copied());
            let run_meta = |key: &str| {
                last.as_ref()
                    .and_then(|r| r.run.metadata.get(key))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let pool = match &lp.pool_id {
                Some(id) => pools.iter().find(|p| &p.id == id),
                None if lp.profile_id.is_none() => pools.iter().find(|p| p.is_default),
                None => None,
            };
            LoopRow {
                runs: runs.get(&lp.id).copied().unwrap_or(0),
                queue_depth: pending.get(&lp.id).copied().unwrap_or(0),
                usage: None,
                profile: profile
                    .map(|p| p.name.clone())
                    .or_else(|| run_meta("profile_name")),
                harness: profile
                    .map(|p| p.harness.clone())
                    .or_else(|| run_meta("harness")),
                pool: pool.map(|p| p.name.clone()),
                last_outcome: last.as_ref().map(|r| {
                    r.outcome
                        .clone()
                        .unwrap_or_else(|| r.run.status.to_string())
                }),
                lp,
            }
        })
        .collect();
    Ok(Snapshot {
        loops: rows,
        profiles,
        pools,
        usage_pending: true,
    })
}

pub(crate) fn load_detail(store: &Store, loop_id: &str) -> forge_store::Result<Detail> {
    Ok(Detail {
        loop_id: loop_id.to_string(),
        runs: store.list_run_records(loop_id, RUN_HISTORY)?,
        run_counts: store.run_status_counts(loop_id)?,
        queue: store.pending_items(loop_id)?,
    })
}
