//! Walking a listing's standard ids newest first without sorting (or copying) all of them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// `(key, dir)` entries, largest first, ordered only as far as they are taken.
///
/// With a limit, a first bounded pass keeps just the top few, so `log -n 20` on a 100,000-entry
/// listing neither copies nor heapifies it. Only a walk that goes past them (filters rejecting
/// messages, ties, unreadable files) orders the remainder: every entry below the smallest one
/// taken so far. Entries are unique (one key per file name per directory), so "below" loses none.
pub(crate) struct Descending<I, F> {
    /// The top entries, ascending (taken from the end).
    top: Vec<(u64, u32)>,
    /// The smallest entry in `top`, if entries below it remain.
    floor: Option<(u64, u32)>,
    /// Produces every entry again, for the remainder.
    entries: F,
    rest: Option<BinaryHeap<(u64, u32)>>,
    _entries: std::marker::PhantomData<I>,
}

impl<I, F> Descending<I, F>
where
    I: Iterator<Item = (u64, u32)>,
    F: Fn() -> I,
{
    /// Prepares the walk; `limit` is how many entries the caller expects to need (0 = all).
    pub(crate) fn new(entries: F, limit: usize) -> Self {
        let mut walk = Self {
            top: Vec::new(),
            floor: None,
            entries,
            rest: None,
            _entries: std::marker::PhantomData,
        };
        if limit == 0 {
            walk.rest = Some((walk.entries)().collect());
            return walk;
        }
        let keep = limit.saturating_mul(2).saturating_add(16);
        let mut top = BinaryHeap::with_capacity(keep.saturating_add(1).min(4096));
        let mut total = 0usize;
        for entry in (walk.entries)() {
            total += 1;
            if top.len() < keep {
                top.push(Reverse(entry));
            } else if top.peek().is_some_and(|Reverse(min)| entry > *min) {
                top.pop();
                top.push(Reverse(entry));
            }
        }
        // Sorted `Reverse` values are descending entries; reversed, the largest is last.
        walk.top = top
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.0)
            .rev()
            .collect();
        if walk.top.len() < total {
            walk.floor = walk.top.first().copied();
        }
        walk
    }
}

impl<I, F> Iterator for Descending<I, F>
where
    I: Iterator<Item = (u64, u32)>,
    F: Fn() -> I,
{
    type Item = (u64, u32);

    fn next(&mut self) -> Option<(u64, u32)> {
        if let Some(entry) = self.top.pop() {
            return Some(entry);
        }
        if self.rest.is_none() {
            let floor = self.floor?;
            self.rest = Some((self.entries)().filter(|e| *e < floor).collect());
        }
        self.rest.as_mut()?.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_everything_in_descending_order_for_any_limit() {
        // Keys repeat across directories (one id in two topics); order is by key, then dir.
        let entries: Vec<(u64, u32)> = (0..500u64)
            .map(|i| ((i * 7919) % 211, u32::try_from(i % 3).unwrap()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut expected = entries.clone();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        for limit in [0, 1, 5, 20, 1000] {
            let walk = Descending::new(|| entries.iter().copied(), limit);
            assert_eq!(walk.collect::<Vec<_>>(), expected, "limit {limit}");
        }
        let empty: Vec<(u64, u32)> = Vec::new();
        assert_eq!(Descending::new(|| empty.iter().copied(), 20).next(), None);
    }
}
