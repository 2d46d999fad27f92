//! `scaleplan models`: the built-in ladder, and one stage as TOML.

use crate::cli::{ModelsAction, ModelsArgs};
use crate::error::InputError;
use crate::model::{Stage, BUILTIN};
use crate::report::wrap::{chars, wrap, wrapped};

/// The list (or one stage's TOML); the list fits `width` characters.
pub fn run(args: &ModelsArgs, width: Option<usize>) -> Result<String, InputError> {
    match &args.action {
        Some(ModelsAction::Show { id }) => Stage::builtin_text(id).map(str::to_string).ok_or_else(|| {
            let known: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
            InputError::new(format!(
                "models show: no built-in stage `{id}`; known: {}",
                known.join(", ")
            ))
        }),
        None => Ok(list(width)),
    }
}

/// Narrower than this, the tiers go on lines of their own.
const MIN_TIERS_CHARS: usize = 24;

fn list(width: Option<usize>) -> String {
    let stages = Stage::builtin();
    let id_chars = stages.iter().map(|s| chars(&s.id)).max().unwrap_or(0);
    let title_chars = stages.iter().map(|s| chars(&s.title)).max().unwrap_or(0);
    let mut out = String::new();
    for stage in &stages {
        let head = format!(
            "{:>2}  {:<id_chars$}  {:<title_chars$}  ",
            stage.order, stage.id, stage.title
        );
        let tiers: Vec<&str> = stage.tiers.iter().map(|t| t.name.as_str()).collect();
        out.push_str(&row(&head, &format!("tiers: {}", tiers.join(", ")), width));
    }
    out.push('\n');
    out.push_str(&wrapped(
        "`scaleplan models show ID` prints one as TOML; edit it and pass it with `scaleplan plan --model FILE`.",
        width,
        0,
    ));
    out
}

/// `head` then `tiers`, wrapped under itself; when the room beside
/// `head` is too narrow, `tiers` goes below it, indented.
fn row(head: &str, tiers: &str, width: Option<usize>) -> String {
    let room = width.map(|w| w.saturating_sub(chars(head)));
    if room.is_none_or(|r| r >= MIN_TIERS_CHARS) {
        let pad = " ".repeat(chars(head));
        let lines = wrap(tiers, room, "tiers: ".len());
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            out.push_str(if i == 0 { head } else { &pad });
            out.push_str(line);
            out.push('\n');
        }
        return out;
    }
    format!("{}\n{}", head.trim_end(), wrapped(&format!("    {tiers}"), width, 11))
}
