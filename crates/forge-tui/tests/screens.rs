//! Snapshot tests of every screen, drawn with ratatui's TestBackend from hand-built states.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixture;

use crossterm::event::KeyCode;
use fixture::{frame, key, keys, loaded, mailbox};
use forge_tui::action::{Action, Command, DataEvent, Job};
use forge_tui::model::Snapshot;
use forge_tui::state::{Mode, State};
use forge_tui::theme::ThemeName;
use forge_tui::update::{fixed_now, update};
use insta::assert_snapshot;

#[test]
fn overview_tab() {
    let s = loaded(120, 30);
    assert_snapshot!(frame(&s));
}

#[test]
fn overview_of_a_waiting_loop_shows_why_and_until_when_and_the_cooldowns() {
    let mut s = loaded(120, 30);
    keys(&mut s, "jj");
    let text = frame(&s);
    assert!(
        text.contains("WAITING until 12:12:00Z (in 12m00s)"),
        "{text}"
    );
    assert!(
        text.contains("waiting for profile availability until"),
        "{text}"
    );
    assert!(text.contains("cc2 until 12:12:00Z (in 12m00s)"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn logs_tab_follows_and_scrolls() {
    let mut s = loaded(120, 30);
    key(&mut s, KeyCode::Char('2'));
    assert_snapshot!("logs_follow", frame(&s));
    key(&mut s, KeyCode::Char('u'));
    key(&mut s, KeyCode::Char('x'));
    key(&mut s, KeyCode::Char('x'));
    assert_snapshot!("logs_scrolled_errors_layer", frame(&s));
}

#[test]
fn runs_tab() {
    let mut s = loaded(120, 30);
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Char('.'));
    assert_snapshot!(frame(&s));
}

#[test]
fn multi_logs_tab_puts_pinned_loops_first() {
    let mut s = loaded(120, 30);
    keys(&mut s, "jjj ");
    key(&mut s, KeyCode::Char('4'));
    let mut tails = std::collections::HashMap::new();
    for row in &s.data.loops {
        tails.insert(row.lp.id.clone(), fixture::log_window(12));
    }
    update(&mut s, Action::Data(DataEvent::Multi(tails)));
    let text = frame(&s);
    assert!(text.contains("k3x9q2 janitor [PIN]"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn mail_tab() {
    let mut s = loaded(120, 30);
    key(&mut s, KeyCode::Char('5'));
    update(&mut s, Action::Data(DataEvent::Mail(mailbox())));
    assert_snapshot!(frame(&s));
}

#[test]
fn confirmations() {
    let mut s = loaded(100, 24);
    key(&mut s, KeyCode::Char('S'));
    assert_snapshot!("confirm_stop", frame(&s));
    assert_eq!(
        key(&mut s, KeyCode::Char('n')),
        Command::None,
        "any other key cancels"
    );
    assert_eq!(s.mode, Mode::Main);
    key(&mut s, KeyCode::Char('K'));
    assert_snapshot!("confirm_kill", frame(&s));
    let cmd = key(&mut s, KeyCode::Char('y'));
    assert!(matches!(cmd, Command::Run(Job::Kill { .. })), "{cmd:?}");
    key(&mut s, KeyCode::Char('D'));
    assert!(frame(&s).contains("Another action is still running (kill k0x9q2)"));
    update(
        &mut s,
        Action::Done(
            Job::Kill {
                loop_id: String::new(),
                display: "k0x9q2".into(),
            },
            Ok("Killed loop builder".into()),
        ),
    );
    key(&mut s, KeyCode::Char('D'));
    assert_snapshot!("confirm_force_delete", frame(&s));
    key(&mut s, KeyCode::Esc);
    keys(&mut s, "jjj");
    key(&mut s, KeyCode::Char('D'));
    assert_snapshot!("confirm_delete", frame(&s));
}

#[test]
fn wizard_with_validation_errors() {
    let mut s = loaded(100, 30);
    key(&mut s, KeyCode::Char('n'));
    assert_snapshot!("wizard_step1", frame(&s));
    keys(&mut s, "solo");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Backspace);
    keys(&mut s, "3");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!("wizard_name_needs_count_1", frame(&s));
    key(&mut s, KeyCode::Backspace);
    keys(&mut s, "1");
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "default");
    key(&mut s, KeyCode::Tab);
    keys(&mut s, "cc1");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!("wizard_pool_or_profile", frame(&s));
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Enter);
    keys(&mut s, "Fix it");
    let cmd = key(&mut s, KeyCode::Enter);
    let Command::Run(Job::Validate(spec)) = cmd else {
        panic!("entering review validates: {cmd:?}")
    };
    assert_eq!(spec.prompt, "Fix it");
    update(
        &mut s,
        Action::Done(
            Job::Validate(spec.clone()),
            Err(forge_tui::OpError::new("pool \"default\" has no profiles")
                .hint("Add one with `forge pool add default <profile>`.")),
        ),
    );
    assert_snapshot!("wizard_review_failed_check", frame(&s));
}

#[test]
fn filter_with_status_selector() {
    let mut s = loaded(100, 24);
    key(&mut s, KeyCode::Char('/'));
    keys(&mut s, "e");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Right);
    let text = frame(&s);
    assert!(
        text.contains("builder") && !text.contains("reviewer"),
        "{text}"
    );
    assert_snapshot!(text);
}

#[test]
fn help() {
    let mut s = loaded(100, 30);
    key(&mut s, KeyCode::Char('?'));
    assert_snapshot!(frame(&s));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.mode, Mode::Main);
}

#[test]
fn zen_shows_only_the_right_pane() {
    let mut s = loaded(100, 24);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('z'));
    assert_snapshot!(frame(&s));
}

#[test]
fn empty_state_says_what_to_do() {
    let mut s = State::new(ThemeName::Default, false, fixed_now());
    update(&mut s, Action::Resize(80, 22));
    update(
        &mut s,
        Action::Data(DataEvent::Snapshot(Snapshot::default())),
    );
    assert_snapshot!(frame(&s));
}

#[test]
fn too_small_screen() {
    let mut s = loaded(40, 12);
    update(&mut s, Action::Resize(40, 12));
    let text = frame(&s);
    assert!(text.contains("terminal too small (need 80x22)"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn refresh_errors_show_on_their_own_line() {
    let mut s = loaded(100, 24);
    update(
        &mut s,
        Action::Data(DataEvent::Error(
            "cannot read the store /data/forge.db: disk I/O error".into(),
        )),
    );
    assert!(frame(&s).contains("Error: cannot read the store /data/forge.db: disk I/O error"));
}

#[test]
fn monochrome_frames_have_no_colour_but_tell_states_apart() {
    let mut s = loaded(100, 24);
    s.monochrome = true;
    let t = fixture::terminal(&s);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "no foreground colour"
        );
        assert_eq!(
            cell.bg,
            ratatui::style::Color::Reset,
            "no background colour"
        );
    }
    let style_of = |word: &str| {
        for y in 0..buf.area.height {
            let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            if let Some(x) = row.find(word) {
                return buf[(x as u16, y)].modifier;
            }
        }
        panic!("{word} not on screen");
    };
    let styles = ["SLEEPING", "WAITING", "STOPPED", "ERROR"].map(style_of);
    for (i, a) in styles.iter().enumerate() {
        for b in &styles[i + 1..] {
            assert_ne!(a, b, "states must differ by attributes: {styles:?}");
        }
    }
    assert_snapshot!(frame(&s));
}

#[test]
fn message_prompt_sends_through_the_operations() {
    let mut s = loaded(100, 24);
    key(&mut s, KeyCode::Char(':'));
    keys(&mut s, "Focus on the tests");
    assert!(frame(&s).contains("Message for next prompt of k0x9q2: Focus on the tests_"));
    let cmd = key(&mut s, KeyCode::Enter);
    let Command::Run(Job::Message { text, delivery, .. }) = cmd else {
        panic!("{cmd:?}")
    };
    assert_eq!(
        (text.as_str(), delivery),
        ("Focus on the tests", forge_tui::Delivery::NextPrompt)
    );
    key(&mut s, KeyCode::Char('!'));
    assert!(frame(&s).contains("Interrupt k0x9q2:"));
}

#[test]
fn selection_is_kept_by_id_across_refreshes() {
    let mut s = loaded(100, 24);
    keys(&mut s, "jj");
    let chosen = s.selected.clone();
    let mut snap = fixture::snapshot();
    snap.loops.rotate_left(1);
    update(&mut s, Action::Data(DataEvent::Snapshot(snap)));
    assert_eq!(s.selected, chosen);
}

#[test]
fn resume_refuses_a_running_loop_and_asks_for_a_stopped_one() {
    let mut s = loaded(100, 24);
    assert_eq!(key(&mut s, KeyCode::Char('r')), Command::None);
    assert!(frame(&s).contains("only stopped or errored loops can be resumed"));
    keys(&mut s, "jjj");
    assert!(matches!(
        key(&mut s, KeyCode::Char('r')),
        Command::Run(Job::Resume { .. })
    ));
}
