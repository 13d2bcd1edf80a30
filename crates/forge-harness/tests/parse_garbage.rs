//! Garbled output never crashes a parser and degrades to an outcome by exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use forge_harness::HARNESS_NAMES;
use forge_harness::parse::{ExitInfo, Outcome, parser_for};
use jiff::ZonedDateTime;

fn now() -> ZonedDateTime {
    "2026-11-24T10:00:00+01:00[Europe/Oslo]".parse().unwrap()
}

/// A small deterministic generator (xorshift) so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random bytes that avoid digits and letters, so no limit pattern can match by chance.
fn noise(rng: &mut Rng, len: usize) -> String {
    let alphabet: Vec<char> = "{}[]\":,.\\ \t!#$%&'()*+-/;<=>?@^_`|~éλ€\u{0}\u{1b}"
        .chars()
        .collect();
    (0..len)
        .map(|_| alphabet[rng.below(alphabet.len())])
        .collect()
}

#[test]
fn random_noise_degrades_to_exit_code() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for harness in HARNESS_NAMES {
        for exit_code in [0, 2] {
            let mut parser = parser_for(harness);
            for _ in 0..300 {
                let len = rng.below(200);
                let line = noise(&mut rng, len);
                parser.feed_line(&line);
            }
            let report = parser.finish(ExitInfo::exited(exit_code, now()));
            match (exit_code, &report.outcome) {
                (0, Outcome::Success) | (2, Outcome::Error { .. }) => {}
                (_, other) => panic!("{harness} exit {exit_code}: {other:?}"),
            }
            assert_eq!(report.usage.total_tokens(), 0);
        }
    }
}

#[test]
fn every_truncation_of_every_fixture_line_is_survived() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut fed = 0;
    for harness_dir in std::fs::read_dir(&dir).unwrap() {
        let harness_dir = harness_dir.unwrap().path();
        let harness = harness_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        for file in std::fs::read_dir(&harness_dir).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            for line in text.lines() {
                let mut parser = parser_for(&harness);
                for cut in (0..line.len())
                    .filter(|i| line.is_char_boundary(*i))
                    .step_by(7)
                {
                    parser.feed_line(&line[..cut]);
                    fed += 1;
                }
                let report = parser.finish(ExitInfo::exited(3, now()));
                assert_ne!(
                    report.outcome,
                    Outcome::Success,
                    "{harness}: exit 3 with only torn lines"
                );
            }
        }
    }
    assert!(fed > 1000, "fixtures missing? fed {fed} lines");
}

#[test]
fn wrong_types_in_known_events_do_not_panic() {
    let odd = [
        r#"{"type":"result","usage":"lots","total_cost_usd":"free","num_turns":-1,"is_error":"yes"}"#,
        r#"{"type":"assistant","message":{"content":"not an array","usage":[1,2]}}"#,
        r#"{"type":"turn.completed","usage":{"input_tokens":-5,"cached_input_tokens":1e30,"output_tokens":"7"}}"#,
        r#"{"type":"step_finish","part":{"tokens":null,"cost":"NaN"}}"#,
        r#"{"type":"message_end","message":{"role":"assistant","usage":{"cost":7},"content":{}}}"#,
        r#"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":99999999999999999}}"#,
        r#"{"type":"result","stats":{"input_tokens":[],"duration_ms":"x"},"status":7}"#,
        r#"{"type":"completion","usage":{"inputTokens":{}},"numTurns":1e99}"#,
        r#"{"type":"error","error":{"error":{"error":{"error":{"message":{}}}}}}"#,
        "[1,2,3]",
        "null",
    ];
    for harness in HARNESS_NAMES {
        let mut parser = parser_for(harness);
        for line in odd {
            parser.feed_line(line);
        }
        let _report = parser.finish(ExitInfo::exited(0, now()));
    }
}
