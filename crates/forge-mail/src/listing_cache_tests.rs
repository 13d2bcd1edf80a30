//! Tests of the listing cache. The racy margin is real; instead of sleeping, a store's clock is
//! moved ahead, which is what reading a quiet topic later looks like.

use std::fs::{File, FileTimes};
use std::os::unix::fs::PermissionsExt;

use jiff::Timestamp;
use serde_json::json;

use super::*;
use crate::message::{Message, encode_message};
use crate::read::{Filter, Scope};
use crate::store::Draft;
use crate::{Listing, Target};

fn an_hour_later() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

/// A store that reads as if an hour passed since the last write.
fn later(store: &Store) -> Store {
    store.clone().with_listing_policy(CachePolicy {
        margin: RACY_MARGIN,
        now: an_hour_later,
    })
}

fn topic() -> Scope {
    Scope::Target(Target::Topic("t".into()))
}

fn send(store: &Store, body: &str) {
    store
        .save(Draft::new("a", Target::Topic("t".into()), json!(body)))
        .unwrap();
}

fn message_json(id: &str, body: &str) -> String {
    let message = Message {
        id: id.into(),
        from: "foreign".into(),
        to: "t".into(),
        time: crate::id::id_timestamp(id).unwrap(),
        body: json!(body),
        reply_to: String::new(),
        priority: String::new(),
        host: String::new(),
        tags: Vec::new(),
    };
    encode_message(&message).unwrap()
}

/// What `fmail log t -n 0` would print (bodies), plus how the listing was obtained.
fn log(store: &Store) -> (Vec<String>, ListStats) {
    let (listing, stats) = store.list_with_stats(&topic()).unwrap();
    (bodies(&listing), stats)
}

fn bodies(listing: &Listing) -> Vec<String> {
    let selection = listing.select(&Filter::default(), 0);
    assert!(selection.skipped.is_empty(), "{:?}", selection.skipped);
    selection.messages.iter().map(Message::body_text).collect()
}

const LISTED: ListStats = ListStats {
    from_cache: 0,
    listed: 1,
};
const CACHED: ListStats = ListStats {
    from_cache: 1,
    listed: 0,
};

fn topic_dir(store: &Store) -> PathBuf {
    store.topics_dir().join("t")
}

fn cache_file(store: &Store) -> PathBuf {
    store.listing_cache_dir().join("list-topic-t")
}

fn set_mtime(dir: &Path, time: SystemTime) {
    File::open(dir)
        .unwrap()
        .set_times(FileTimes::new().set_modified(time))
        .unwrap();
}

fn mtime(dir: &Path) -> SystemTime {
    fs_err::metadata(dir).unwrap().modified().unwrap()
}

#[test]
fn unchanged_directory_is_served_from_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    for body in ["one", "two", "three"] {
        send(&store, body);
    }
    assert_eq!(
        log(&store),
        (vec!["one".into(), "two".into(), "three".into()], LISTED)
    );
    assert_eq!(
        log(&store),
        (vec!["one".into(), "two".into(), "three".into()], CACHED)
    );
    let mode = |p: &Path| fs_err::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&store.listing_cache_dir()), 0o700);
    assert_eq!(mode(&cache_file(&store)), 0o600);
    // Paths (used by `log -f` to know what was printed) are the same either way.
    let mut cached: Vec<PathBuf> = store.list(&topic()).unwrap().paths().collect();
    let mut real: Vec<PathBuf> = fs_err::read_dir(topic_dir(&store))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cached.sort();
    real.sort();
    assert_eq!(cached, real);
}

#[test]
fn a_listing_taken_soon_after_a_change_is_never_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let now = Store::open(tmp.path());
    send(&now, "one");
    // Right after the write (real clock): listed every time, nothing cached.
    assert_eq!(log(&now).1, LISTED);
    assert_eq!(log(&now).1, LISTED);
    assert!(!cache_file(&now).exists());
    // One second after the change is still inside the margin...
    let soon = now.clone().with_listing_policy(CachePolicy {
        margin: RACY_MARGIN,
        now: || SystemTime::now() + Duration::from_secs(1),
    });
    assert_eq!(log(&soon).1, LISTED);
    assert_eq!(log(&soon).1, LISTED);
    assert!(!cache_file(&now).exists());
    // ...three seconds after is not: that listing is trusted by every later reader.
    let settled = now.clone().with_listing_policy(CachePolicy {
        margin: RACY_MARGIN,
        now: || SystemTime::now() + Duration::from_secs(3),
    });
    assert_eq!(log(&settled).1, LISTED);
    assert_eq!(log(&now), (vec!["one".into()], CACHED));
}

#[test]
fn a_foreign_write_after_the_cache_was_built_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "ours");
    log(&store);
    assert_eq!(log(&store).1, CACHED);
    // A writer that knows nothing of the cache (the reference fmail) adds a message.
    let id = "20991231-235959-0001";
    std::fs::write(
        topic_dir(&store).join(format!("{id}.json")),
        message_json(id, "foreign"),
    )
    .unwrap();
    assert_eq!(log(&store), (vec!["ours".into(), "foreign".into()], LISTED));
    assert_eq!(log(&store).1, CACHED);
}

#[test]
fn a_write_that_leaves_the_mtime_unchanged_is_still_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "ours");
    log(&store);
    assert_eq!(log(&store).1, CACHED);
    // A write in the same clock tick as the cached state leaves the directory mtime as it was;
    // simulate it by writing and then restoring the mtime exactly (nanoseconds included).
    let before = mtime(&topic_dir(&store));
    let id = "20991231-235959-0002";
    std::fs::write(
        topic_dir(&store).join(format!("{id}.json")),
        message_json(id, "same tick"),
    )
    .unwrap();
    set_mtime(&topic_dir(&store), before);
    assert_eq!(mtime(&topic_dir(&store)), before);
    assert_eq!(
        log(&store),
        (vec!["ours".into(), "same tick".into()], LISTED)
    );
}

#[test]
fn a_replaced_directory_is_listed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "old dir");
    log(&store);
    let before = mtime(&topic_dir(&store));
    fs_err::rename(topic_dir(&store), store.topics_dir().join("t-old")).unwrap();
    send(&store, "new dir");
    set_mtime(&topic_dir(&store), before);
    assert_eq!(log(&store), (vec!["new dir".into()], LISTED));
}

#[test]
fn gc_deletions_invalidate_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    let dir = topic_dir(&store);
    fs_err::create_dir_all(&dir).unwrap();
    for (id, body) in [
        ("20260101-000000-0001", "old"),
        ("20260210-000000-0001", "new"),
    ] {
        fs_err::write(dir.join(format!("{id}.json")), message_json(id, body)).unwrap();
    }
    log(&store);
    assert_eq!(log(&store), (vec!["old".into(), "new".into()], CACHED));
    let now: Timestamp = "2026-02-11T00:00:00Z".parse().unwrap();
    assert_eq!(store.gc(7, false, now).unwrap().len(), 1);
    assert_eq!(log(&store), (vec!["new".into()], LISTED));
}

#[test]
fn gc_prunes_cache_entries_of_deleted_topics_and_abandoned_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "one");
    log(&store);
    let cache = store.listing_cache_dir();
    let gone = cache.join("list-topic-deleted");
    let abandoned = cache.join(".tmp-list-topic-t-1");
    let in_progress = cache.join(".tmp-list-topic-t-2");
    let unknown = cache.join("notes");
    for file in [&gone, &abandoned, &in_progress, &unknown] {
        fs_err::write(file, b"x").unwrap();
    }
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    File::options()
        .write(true)
        .open(&abandoned)
        .unwrap()
        .set_times(FileTimes::new().set_modified(two_hours_ago))
        .unwrap();
    let now: Timestamp = "2026-02-11T00:00:00Z".parse().unwrap();

    assert!(store.gc(7, true, now).unwrap().is_empty());
    assert!(
        gone.exists() && abandoned.exists(),
        "a dry run removes nothing"
    );

    assert!(
        store.gc(7, false, now).unwrap().is_empty(),
        "never reported"
    );
    assert!(!gone.exists(), "the listing of a deleted topic is pruned");
    assert!(
        !abandoned.exists(),
        "a temp file older than an hour is pruned"
    );
    assert!(
        in_progress.exists(),
        "a fresh temp file may belong to a writer"
    );
    assert!(
        unknown.exists(),
        "names the cache does not write are left alone"
    );
    assert_eq!(
        log(&store),
        (vec!["one".into()], CACHED),
        "live entries stay"
    );
}

#[test]
fn a_corrupt_cache_is_ignored_and_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "one");
    send(&store, "two");
    log(&store);
    let good = fs_err::read(cache_file(&store)).unwrap();
    let mut flipped = good.clone();
    flipped[HEADER_LEN] ^= 0x01; // a bit of the first key: would name another file
    let mut bad_magic = good.clone();
    bad_magic[7] = 0xff;
    let corruptions = [
        Vec::new(),
        good[..good.len() / 2].to_vec(),
        good[..good.len() - 1].to_vec(),
        flipped,
        bad_magic,
        b"not a cache at all".to_vec(),
    ];
    for corrupt in corruptions {
        fs_err::write(cache_file(&store), &corrupt).unwrap();
        assert_eq!(log(&store), (vec!["one".into(), "two".into()], LISTED));
        assert_eq!(log(&store), (vec!["one".into(), "two".into()], CACHED));
    }
}

#[test]
fn an_unwritable_cache_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "one");
    // The cache directory cannot be created: a file is in the way.
    fs_err::write(store.listing_cache_dir(), "in the way").unwrap();
    assert_eq!(log(&store), (vec!["one".into()], LISTED));
    assert_eq!(log(&store), (vec!["one".into()], LISTED));
    // The cache file cannot be replaced: a directory is in the way.
    fs_err::remove_file(store.listing_cache_dir()).unwrap();
    fs_err::create_dir_all(cache_file(&store)).unwrap();
    assert_eq!(log(&store), (vec!["one".into()], LISTED));
    assert_eq!(log(&store), (vec!["one".into()], LISTED));
    // A read-only cache directory (only refuses writes when not running as root).
    fs_err::remove_dir(cache_file(&store)).unwrap();
    fs_err::set_permissions(
        store.listing_cache_dir(),
        std::fs::Permissions::from_mode(0o500),
    )
    .unwrap();
    assert_eq!(log(&store).0, ["one"]);
    assert_eq!(log(&store).0, ["one"]);
    fs_err::set_permissions(
        store.listing_cache_dir(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
}

#[test]
fn the_cache_is_invisible_to_mailbox_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    send(&store, "one");
    store
        .save(Draft::new("a", Target::Dm("bob".into()), json!("dm")))
        .unwrap();
    store.list(&Scope::Everything).unwrap();
    assert!(store.listing_cache_dir().join("list-dm-bob").is_file());
    let (all, stats) = store.list_with_stats(&Scope::Everything).unwrap();
    assert_eq!(stats.from_cache, 2);
    assert_eq!(bodies(&all), ["one", "dm"]);
    let topics: Vec<String> = store
        .topics()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(topics, ["t"]);
    let far_future: Timestamp = "2999-01-01T00:00:00Z".parse().unwrap();
    let gc_paths = store.gc(0, true, far_future).unwrap();
    assert!(
        gc_paths.iter().all(|p| !p.starts_with(".cache")),
        "{gc_paths:?}"
    );
    assert_eq!(gc_paths.len(), 2);
}

#[test]
fn encoding_round_trips() {
    let stamp = DirStamp {
        dev: 7,
        ino: u64::MAX,
        mtime: -1_500_000_000,
        ctime: 1_700_000_000_123_456_789,
    };
    let names = DirNames {
        keys: vec![
            crate::read::id_key_bytes(b"20260210-120808-0001").unwrap(),
            1,
        ],
        odd: vec!["notes".into(), String::new(), "ünï".into()],
    };
    let bytes = encode(&stamp, 42, &names);
    assert_eq!(decode(&bytes), Some((stamp, 42, names)));
}

#[test]
fn topic_summaries_use_the_cache_and_stay_current() {
    let tmp = tempfile::tempdir().unwrap();
    let store = later(&Store::open(tmp.path()));
    let dir = topic_dir(&store);
    fs_err::create_dir_all(&dir).unwrap();
    let id = "20260210-120000-0001";
    fs_err::write(dir.join(format!("{id}.json")), message_json(id, "x")).unwrap();
    fs_err::write(dir.join("notes.json"), message_json(id, "odd")).unwrap();
    let summary = |store: &Store| {
        let t = store.topics().unwrap().remove(0);
        (t.messages, t.last_activity.to_string())
    };
    // "notes" sorts after any id, so it is the newest name (its time is its file's mtime).
    let notes_time = Timestamp::try_from(mtime(&dir.join("notes.json"))).unwrap();
    assert_eq!(summary(&store), (2, notes_time.to_string()));
    assert!(cache_file(&store).is_file());
    assert_eq!(summary(&store), (2, notes_time.to_string()));
    fs_err::remove_file(dir.join("notes.json")).unwrap();
    assert_eq!(summary(&store), (1, "2026-02-10T12:00:00Z".to_owned()));
}
