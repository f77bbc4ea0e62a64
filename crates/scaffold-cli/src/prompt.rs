//! Questions on a terminal, driven by the parameters schema: a choice for an enum,
//! text otherwise (a boolean takes the words of `parse_bool`), each on one short line
//! (title, one-line help, default) cut to the terminal's width so that the prompt
//! redraws cleanly; `?` prints the full description and asks again; a failure is
//! explained in words and asked again. The library supplies the questions, what an
//! answer means and the failure texts (`Parameters::questions_to_ask`, `check_text`,
//! `summary`); this module only talks to the terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use console::Term;
use dialoguer::{Input, Password, Select, theme::ColorfulTheme};
use serde_json::{Map, Value};

use scaffold_core::golden_path::answers::display_value;
use scaffold_core::{AnswerOrigin, Error, Parameters, Question, QuestionKind, TypedAnswer};

/// Whether we may ask: stdin and stderr are terminals and --no-input was not given.
pub fn interactive(no_input: bool) -> bool {
    !no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// What the user types to see a question's whole description.
const MORE: &str = "?";

/// Room left on a prompt line for typing, in columns.
const TYPING_ROOM: usize = 16;

/// The width of the terminal on stderr (the prompts' terminal), at least 20.
pub fn width() -> usize {
    usize::from(Term::stderr().size().1).max(20)
}

/// `text` on one line of at most `width` columns, cut at a word with `…` when longer.
pub fn cut(text: &str, width: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if textwrap::core::display_width(&flat) <= width {
        return flat;
    }
    let first = textwrap::wrap(&flat, width.saturating_sub(1).max(1))
        .into_iter()
        .next()
        .map(|l| l.trim_end().to_string())
        .unwrap_or_default();
    format!("{first}…")
}

/// `text` wrapped to `width` columns (indent included), every line indented by
/// `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    wrap_hanging(text, width, indent, indent)
}

/// `text` wrapped to `width` columns (indent included): the first line indented by
/// `first` spaces, the others by `rest`. Words are not split at hyphens (patterns,
/// paths and names stay whole where they fit).
pub fn wrap_hanging(text: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let (first, rest) = (" ".repeat(first), " ".repeat(rest));
    let options = textwrap::Options::new(width.max(rest.len() + 10))
        .initial_indent(&first)
        .subsequent_indent(&rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// Print `text` on stderr, wrapped to the terminal's width when it is one.
pub fn say_wrapped(text: &str) {
    say_hanging(text, 0);
}

/// Print `text` on stderr, wrapped to the terminal's width when it is one, lines
/// after the first indented by `rest` spaces.
pub fn say_hanging(text: &str, rest: usize) {
    if std::io::stderr().is_terminal() {
        let first = text.len() - text.trim_start().len();
        for line in wrap_hanging(text.trim_start(), width(), first, rest) {
            anstream::eprintln!("{line}");
        }
    } else {
        anstream::eprintln!("{text}");
    }
}

fn io_err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!(
        "prompt failed: {e}; pass answers with --set or --no-input"
    ))
}

/// An error text for dialoguer: wrapped to the width with explicit line breaks, so
/// that the prompt counts (and clears) its lines right.
fn error_lines(text: &str, width: usize) -> String {
    // "✘ " stands before the first line.
    wrap(text, width.saturating_sub(2), 0).join("\n")
}

/// The one line of a question: `Title — help [default]`, cut to the width (the default
/// to a third of it), leaving room to type. An empty default is not shown.
fn prompt_line(q: &Question, default: Option<&str>, width: usize) -> String {
    let default = default.map(|d| format!("[{}]", cut(d, (width / 3).max(8))));
    let default_len = default
        .as_deref()
        .map_or(0, |d| textwrap::core::display_width(d) + 1);
    // "? " before, " › " after.
    let room = width
        .saturating_sub(2 + 3 + TYPING_ROOM + default_len)
        .max(8);
    let text = match &q.help {
        Some(h) if !h.trim_end_matches('.').eq_ignore_ascii_case(&q.title) => {
            format!("{} — {h}", q.title)
        }
        _ => q.title.clone(),
    };
    let mut line = cut(&text, room);
    if let Some(d) = default {
        line.push(' ');
        line.push_str(&d);
    }
    line
}

/// Print the full description of `q` (and its rule and examples), wrapped.
fn describe(term: &Term, q: &Question, width: usize) -> Result<(), Error> {
    let mut lines = Vec::new();
    lines.push(format!(
        "  {}",
        cut(&format!("{} ({})", q.title, q.name), width - 2)
    ));
    let description = q.description.as_deref().unwrap_or("No description.");
    lines.extend(wrap(description, width, 4));
    if let Some(h) = &q.pattern_hint {
        lines.extend(wrap(&format!("Allowed: {h}"), width, 4));
    }
    if !q.choices.is_empty() {
        let choices: Vec<String> = q.choices.iter().map(display_value).collect();
        lines.extend(wrap(&format!("One of: {}", choices.join(", ")), width, 4));
    }
    if !q.examples.is_empty() {
        let ex: Vec<String> = q.examples.iter().map(display_value).collect();
        lines.extend(wrap(&format!("e.g. {}", ex.join(", ")), width, 4));
    }
    for l in lines {
        term.write_line(&l).map_err(io_err)?;
    }
    Ok(())
}

/// Ask every question whose answer is not in `given` (limited to `only` when set), in
/// schema order, recording in `origins` which answers were typed. Answers implied by
/// the destination (origin [`AnswerOrigin::Destination`]) are said first.
pub fn ask(
    params: &Parameters,
    given: &mut Map<String, Value>,
    only: Option<&[String]>,
    origins: &mut BTreeMap<String, AnswerOrigin>,
) -> Result<(), Error> {
    let theme = ColorfulTheme::default();
    let term = Term::stderr();
    let width = width();
    for line in params.summary(given, origins) {
        if line.origin == AnswerOrigin::Destination {
            term.write_line(&format!(
                "{} {}",
                theme.success_prefix,
                cut(&line.to_string(), width - 2)
            ))
            .map_err(io_err)?;
        }
    }
    let questions = params.questions_to_ask(given, only);
    if questions.is_empty() {
        return Ok(());
    }
    term.write_line(&cut(
        "Enter takes the [default]; ? and Enter show a question's full description.",
        width,
    ))
    .map_err(io_err)?;
    let mut page: Option<String> = None;
    for q in questions {
        // A Backstage Template's questions are grouped by the title of their form page.
        let this_page = params
            .schema()
            .get("properties")
            .and_then(|p| p.get(&q.name))
            .and_then(|p| p.get("x-page"))
            .and_then(Value::as_str);
        if let Some(title) = this_page.filter(|t| page.as_deref() != Some(*t)) {
            term.write_line(&cut(&format!("{title}:"), width))
                .map_err(io_err)?;
            page = Some(title.to_string());
        }
        let answer = loop {
            match ask_one(params, &q, &theme, width)? {
                Some(a) => break a,
                None => describe(&term, &q, width)?,
            }
        };
        let shown = match &answer {
            _ if q.secret => "********".to_string(),
            TypedAnswer::Value(v) => display_value(v),
            TypedAnswer::Default => q.default_text().unwrap_or_default(),
        };
        // The title gets at most half the line, the value the rest.
        let title = cut(&q.title, width / 2);
        let room = width.saturating_sub(textwrap::core::display_width(&title) + 5);
        term.write_line(&format!(
            "{} {title} {} {}",
            theme.success_prefix,
            theme.success_suffix,
            cut(&shown, room.max(8))
        ))
        .map_err(io_err)?;
        if let TypedAnswer::Value(v) = answer {
            given.insert(q.name.clone(), v);
            origins.insert(q.name.clone(), AnswerOrigin::Prompt);
        }
    }
    Ok(())
}

/// One question, asked once: `None` when the user asked for the description.
fn ask_one(
    params: &Parameters,
    q: &Question,
    theme: &ColorfulTheme,
    width: usize,
) -> Result<Option<TypedAnswer>, Error> {
    if q.kind == QuestionKind::Choice {
        let mut items: Vec<String> = q
            .choices
            .iter()
            .map(|c| cut(&display_value(c), width.saturating_sub(4)))
            .collect();
        let describe_item = q.description.is_some();
        if describe_item {
            items.push("? show the description".to_string());
        }
        let default = q
            .default
            .as_ref()
            .and_then(|d| q.choices.iter().position(|c| c == d))
            .unwrap_or(0);
        let i = Select::with_theme(theme)
            .with_prompt(prompt_line(q, None, width))
            .items(&items)
            .default(default)
            .report(false)
            .interact()
            .map_err(io_err)?;
        return Ok(q.choices.get(i).map(|c| TypedAnswer::Value(c.clone())));
    }
    let default = match (&q.kind, q.default.as_ref()) {
        (QuestionKind::Boolean, d) => Some(
            if d.and_then(Value::as_bool).unwrap_or(false) {
                "Y/n"
            } else {
                "y/N"
            }
            .to_string(),
        ),
        _ => q.default_text(),
    };
    let prompt = prompt_line(q, default.as_deref(), width);
    let validate = |s: &String| -> Result<(), String> {
        if s.trim() == MORE {
            return Ok(());
        }
        params
            .check_text(q, s)
            .map(|_| ())
            .map_err(|e| error_lines(&e, width))
    };
    let text = if q.secret {
        Password::with_theme(theme)
            .with_prompt(prompt)
            .allow_empty_password(true)
            .report(false)
            .validate_with(validate)
            .interact()
            .map_err(io_err)?
    } else {
        Input::<String>::with_theme(theme)
            .with_prompt(prompt)
            .allow_empty(true)
            .report(false)
            .validate_with(validate)
            .interact_text()
            .map_err(io_err)?
    };
    if text.trim() == MORE {
        return Ok(None);
    }
    let mut answer = params.check_text(q, &text).map_err(Error::Usage)?;
    // A boolean without a default is false when nothing is typed.
    if q.kind == QuestionKind::Boolean && answer == TypedAnswer::Default && q.default.is_none() {
        answer = TypedAnswer::Value(Value::Bool(false));
    }
    Ok(Some(answer))
}

/// Ask a yes/no question (`question [Y/n]`); Enter takes `default`.
pub fn confirm(question: &str, default: bool) -> Result<bool, Error> {
    let theme = ColorfulTheme::default();
    let term = Term::stderr();
    let width = width();
    let prompt = format!(
        "{} {}",
        cut(question, width.saturating_sub(2 + 3 + 6 + TYPING_ROOM)),
        if default { "[Y/n]" } else { "[y/N]" }
    );
    let text = Input::<String>::with_theme(&theme)
        .with_prompt(&prompt)
        .allow_empty(true)
        .report(false)
        .validate_with(|s: &String| -> Result<(), String> {
            if s.trim().is_empty() || scaffold_core::golden_path::answers::parse_bool(s).is_some() {
                Ok(())
            } else {
                Err(error_lines(
                    &format!(
                        "answer yes or no ({})",
                        scaffold_core::golden_path::answers::BOOL_WORDS
                    ),
                    width,
                ))
            }
        })
        .interact_text()
        .map_err(io_err)?;
    let yes = if text.trim().is_empty() {
        default
    } else {
        scaffold_core::golden_path::answers::parse_bool(&text).unwrap_or(default)
    };
    term.write_line(&format!(
        "{} {prompt} {} {}",
        theme.success_prefix,
        theme.success_suffix,
        if yes { "yes" } else { "no" }
    ))
    .map_err(io_err)?;
    Ok(yes)
}
