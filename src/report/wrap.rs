//! Text that fits a width: words wrapped at spaces, a word longer than a
//! line cut, continuation lines indented. Widths count characters (every
//! character this tool prints takes one terminal column).

/// The lines of `text` wrapped to `width` characters; the lines after the
/// first of each paragraph (a paragraph ends at `\n`) start with `indent`
/// spaces. `None` leaves every line as it is. A `width` at or below
/// `indent` is taken as `indent + 1`, so each line holds a character.
///
/// Edges: an empty text gives one empty line; where a line is broken, the
/// spaces at the break are dropped.
pub fn wrap(text: &str, width: Option<usize>, indent: usize) -> Vec<String> {
    let Some(width) = width else {
        return text.split('\n').map(str::to_string).collect();
    };
    let width = width.max(indent + 1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        if chars(paragraph) <= width {
            out.push(paragraph.to_string());
        } else {
            out.extend(wrap_paragraph(paragraph, width, &" ".repeat(indent)));
        }
    }
    out
}

/// `text` wrapped as [`wrap`] does, as one string ending in a newline.
pub fn wrapped(text: &str, width: Option<usize>, indent: usize) -> String {
    let mut out = wrap(text, width, indent).join("\n");
    out.push('\n');
    out
}

/// Breaks one paragraph; its leading spaces stay on its first line.
fn wrap_paragraph(paragraph: &str, width: usize, pad: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let lead = paragraph.len() - paragraph.trim_start_matches(' ').len();
    let mut line = " ".repeat(lead.min(width - 1));
    let mut words = 0;
    for word in &units_kept(paragraph) {
        if words > 0 && chars(&line) + 1 + chars(word) <= width {
            line.push(' ');
            line.push_str(word);
            words += 1;
            continue;
        }
        if words > 0 {
            lines.push(std::mem::replace(&mut line, pad.to_string()));
        }
        push_word(&mut line, word, width, pad, &mut lines);
        words = 1;
    }
    if words > 0 {
        lines.push(line);
    }
    lines
}

/// The words of a paragraph, a number kept with the short unit after it
/// (`90.9 TiB`, `250 ms`) so that a line never ends between them.
fn units_kept(paragraph: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        let is_unit = chars(word) <= 4 && word.starts_with(|c: char| c.is_alphabetic());
        match words.last_mut() {
            Some(last) if is_unit && last.ends_with(|c: char| c.is_ascii_digit()) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    words
}

/// Appends `word` to `line`, cutting it where it runs past the width.
fn push_word(line: &mut String, word: &str, width: usize, pad: &str, lines: &mut Vec<String>) {
    for ch in word.chars() {
        if chars(line) >= width {
            lines.push(std::mem::replace(line, pad.to_string()));
        }
        line.push(ch);
    }
}

/// The width of `text` in terminal columns: its characters.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The longest line of `text`, in characters.
pub fn widest_line(text: &str) -> usize {
    text.lines().map(chars).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_left_alone() {
        assert_eq!(wrap("a b c", Some(10), 2), vec!["a b c"]);
        assert_eq!(wrap("a b c", None, 2), vec!["a b c"]);
        assert_eq!(wrap("", Some(10), 2), vec![""]);
    }

    #[test]
    fn long_text_breaks_at_spaces_with_an_indent() {
        let lines = wrap("[1] one two three four five", Some(12), 4);
        assert_eq!(lines, vec!["[1] one two", "    three", "    four", "    five"]);
        assert!(lines.iter().all(|l| chars(l) <= 12));
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut() {
        let lines = wrap("abcdefghij xy", Some(4), 1);
        assert!(lines.iter().all(|l| chars(l) <= 4), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), "abcdefghijxy");
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(wrap("≤ µs ≥", Some(6), 0), vec!["≤ µs ≥"]);
        assert_eq!(widest_line("µµµ\nab"), 3);
    }

    #[test]
    fn a_number_keeps_its_unit() {
        assert_eq!(wrap("holds 90.9 TiB now", Some(12), 0), vec!["holds", "90.9 TiB now"]);
    }

    #[test]
    fn leading_spaces_stay() {
        assert_eq!(wrap("  ab cd ef", Some(6), 4), vec!["  ab", "    cd", "    ef"]);
    }

    #[test]
    fn paragraphs_wrap_separately() {
        assert_eq!(wrap("a b\nc d", Some(3), 0), vec!["a b", "c d"]);
    }
}
