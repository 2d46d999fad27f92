//! `scaleplan models`: the built-in ladder, and one stage as TOML.

use crate::cli::{ModelsAction, ModelsArgs};
use crate::error::InputError;
use crate::model::{Stage, BUILTIN};

pub fn run(args: &ModelsArgs) -> Result<String, InputError> {
    match &args.action {
        Some(ModelsAction::Show { id }) => Stage::builtin_text(id).map(str::to_string).ok_or_else(|| {
            let known: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
            InputError::new(format!(
                "models show: no built-in stage `{id}`; known: {}",
                known.join(", ")
            ))
        }),
        None => Ok(list()),
    }
}

fn list() -> String {
    let mut out = String::new();
    for stage in Stage::builtin() {
        let tiers: Vec<&str> = stage.tiers.iter().map(|t| t.name.as_str()).collect();
        out.push_str(&format!(
            "{:>2}  {:<15} {:<38} tiers: {}\n",
            stage.order,
            stage.id,
            stage.title,
            tiers.join(", ")
        ));
    }
    out.push_str(
        "\n`scaleplan models show ID` prints one as TOML; edit it and pass it with `scaleplan plan --model FILE`.\n",
    );
    out
}
