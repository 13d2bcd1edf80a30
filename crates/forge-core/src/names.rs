//! Friendly random loop names (`<adjective>-<name>`, e.g. `brisk-otto`).
//!
//! When two-part names keep colliding the generator widens to `<adjective>-<given>-<family>`,
//! and finally to `loop-HHMMSS[-k]`, so it always terminates.

const ADJECTIVES: &[&str] = &[
    "agile", "amber", "bold", "brave", "breezy", "bright", "brisk", "calm", "clever", "cosmic",
    "crisp", "dapper", "eager", "fancy", "fearless", "fluffy", "gentle", "giddy", "golden",
    "happy", "hardy", "jolly", "keen", "kind", "lively", "lucky", "mellow", "merry", "mighty",
    "nimble", "noble", "peppy", "plucky", "polite", "quick", "quiet", "rapid", "rosy", "rustic",
    "sly", "snappy", "spry", "steady", "sunny", "swift", "tidy", "trusty", "witty", "zany",
    "zesty",
];

const GIVEN: &[&str] = &[
    "ada", "alfie", "arlo", "bea", "bodhi", "cleo", "cosmo", "dot", "elmo", "ezra", "fern",
    "felix", "gus", "hazel", "hugo", "iggy", "ivy", "juno", "kit", "lola", "luna", "milo", "mabel",
    "nell", "nico", "olive", "otto", "pip", "poppy", "quinn", "remy", "rosa", "rufus", "sage",
    "sid", "tess", "theo", "uma", "vera", "wren", "xena", "yuri", "zara", "ziggy",
];

const FAMILY: &[&str] = &[
    "acorn", "button", "cobble", "dimple", "fiddle", "gadget", "hopper", "jingle", "kettle",
    "lantern", "marble", "nutmeg", "pebble", "pickle", "puddle", "quill", "ripple", "sprocket",
    "thimble", "tumble", "waffle", "widget", "yonder", "zipper",
];

fn pick(list: &[&'static str]) -> &'static str {
    list[fastrand::usize(..list.len())]
}

/// Generates a name for which `taken` returns false.
///
/// `hhmmss` is the current UTC time of day, used only by the last-resort fallback.
pub fn generate_name(taken: &dyn Fn(&str) -> bool, hhmmss: &str) -> String {
    let two_part_tries = 2 * ADJECTIVES.len() * GIVEN.len() / 16;
    for _ in 0..two_part_tries.max(32) {
        let candidate = format!("{}-{}", pick(ADJECTIVES), pick(GIVEN));
        if !taken(&candidate) {
            return candidate;
        }
    }
    for _ in 0..256 {
        let candidate = format!("{}-{}-{}", pick(ADJECTIVES), pick(GIVEN), pick(FAMILY));
        if !taken(&candidate) {
            return candidate;
        }
    }
    let base = format!("loop-{hhmmss}");
    if !taken(&base) {
        return base;
    }
    let mut k = 2u64;
    loop {
        let candidate = format!("{base}-{k}");
        if !taken(&candidate) {
            return candidate;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_two_part_kebab_names() {
        let name = generate_name(&|_| false, "120000");
        let parts: Vec<&str> = name.split('-').collect();
        assert_eq!(parts.len(), 2, "{name}");
        assert!(ADJECTIVES.contains(&parts[0]) && GIVEN.contains(&parts[1]));
    }

    #[test]
    fn falls_back_when_everything_is_taken() {
        let name = generate_name(&|n: &str| n != "loop-120000-3", "120000");
        assert_eq!(name, "loop-120000-3");
    }
}
