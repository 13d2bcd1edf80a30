//! The version line, from build-time environment with defaults.

/// Version of this build (`FORGE_VERSION` at build time, else the crate version).
const VERSION: &str = match option_env!("FORGE_VERSION") {
    Some(v) => v,
    None => env!("CARGO_PKG_VERSION"),
};
const COMMIT: &str = match option_env!("FORGE_COMMIT") {
    Some(v) => v,
    None => "none",
};
const BUILT: &str = match option_env!("FORGE_BUILD_DATE") {
    Some(v) => v,
    None => "unknown",
};

/// `forge version <ver> (commit: <sha>, built: <date>)`.
pub(crate) fn version_line() -> String {
    format!("forge version {VERSION} (commit: {COMMIT}, built: {BUILT})")
}
