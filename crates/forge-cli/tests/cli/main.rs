//! Every forge and fmail CLI test in one binary (one link, run in parallel by the test harness).
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod cli_support;
mod fmail_support;

mod cli_assets;
mod cli_config;
mod cli_loops;
mod cli_memory;
mod cli_presets;
mod cli_profiles;
mod defects;
mod doctor;
mod e2e_real_clis;
mod events;
mod fmail_cli;
mod fmail_compat;
mod fmail_concurrency;
mod harness_env;
mod hooks;
mod json_compat;
mod runtime_process;
mod smart_stop;
mod supervision;
mod tui_tmux;
mod usage_failover;
