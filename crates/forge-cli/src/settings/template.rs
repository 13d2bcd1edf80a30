//! The commented `config.yaml` written by `forge config init`.

/// Default global config with every key Forge reads, commented out at its default.
pub(crate) const CONFIG_TEMPLATE: &str = r#"# Forge global configuration.
# Precedence: command-line flags > FORGE_* environment variables > the repo's
# .forge/forge.yaml > this file > built-in defaults. `forge config show` prints
# every resolved value and where it came from.

global:
  # Where Forge keeps its database, loop logs and runner locks (created with mode 0700).
  # Env: FORGE_GLOBAL_DATA_DIR (or FORGE_DATA_DIR).
  # data_dir: ~/.local/share/forge
  # Env: FORGE_GLOBAL_CONFIG_DIR.
  # config_dir: ~/.config/forge

database:
  # Env: FORGE_DATABASE_PATH (or FORGE_DB_PATH). Default: <data_dir>/forge.db
  # path: ~/.local/share/forge/forge.db
  # How long a writer waits for a busy database. Env: FORGE_DATABASE_BUSY_TIMEOUT_MS.
  # busy_timeout_ms: 5000

loop_defaults:
  # Sleep between iterations when `forge up` gets no --interval. Env: FORGE_LOOP_DEFAULTS_INTERVAL.
  # interval: 30s
  # Prompt file or .forge/prompts name used when `forge up` gets neither --prompt nor --prompt-msg.
  # Env: FORGE_LOOP_DEFAULTS_PROMPT.
  # prompt: PROMPT.md
  # Inline prompt used the same way. Env: FORGE_LOOP_DEFAULTS_PROMPT_MSG.
  # prompt_msg: ""

# Pool used by loops started without --pool or --profile (else the pool marked default in the
# database). Env: FORGE_DEFAULT_POOL.
# default_pool: default

logging:
  # debug | info | warn | error. Env: FORGE_LOGGING_LEVEL, flag --log-level.
  # level: info
  # console | json. Env: FORGE_LOGGING_FORMAT, flag --log-format.
  # format: console

tui:
  # Dashboard theme: default | high-contrast | ocean | sunset (`t` cycles). Env: FORGE_TUI_THEME.
  # theme: default
  # The most often the dashboard re-reads a database that keeps changing; an unchanged one is
  # never re-read. Env: FORGE_TUI_REFRESH_INTERVAL.
  # refresh_interval: 1s
"#;
