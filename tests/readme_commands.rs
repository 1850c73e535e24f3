//! The README's commands agree with the command line: every `cloudsite …` it shows names real
//! subcommands and flags, gives a value exactly where a flag takes one, and every complete
//! example (no `[ ]`, `|` or `…` in it) parses as it is written.

use clap::{ArgAction, Command, CommandFactory, Parser};
use cloudsite::cli::Cli;

/// Every `cloudsite …` command line the README shows: code spans and lines of code blocks
/// (a line ending in `\` continues on the next).
fn readme_commands() -> Vec<String> {
    let text = include_str!("../README.md");
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            let l = line.trim();
            let l = l.split(" # ").next().unwrap_or(l).trim_end();
            if !pending.is_empty() {
                pending.push(' ');
                pending.push_str(l.trim_end_matches('\\').trim());
                if !l.ends_with('\\') {
                    out.push(std::mem::take(&mut pending));
                }
            } else if l.starts_with("cloudsite ") || l == "cloudsite" {
                if l.ends_with('\\') {
                    pending = l.trim_end_matches('\\').trim().to_string();
                } else {
                    out.push(l.to_string());
                }
            }
            continue;
        }
        let spans: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        for span in &spans {
            if span.starts_with("cloudsite ") {
                out.push(span.to_string());
            }
        }
        // A row of the scripting-commands table: the first cell names a command, and the
        // options shown in the row are that command's (`| `cmg create` | … `--vm-size SIZE` |`).
        if line.starts_with("| `")
            && let Some(first) = spans.first()
            && !first.starts_with('-')
            && !first.starts_with("cloudsite")
        {
            let command = first.split(',').next().unwrap_or(first);
            let options: Vec<&str> = spans
                .iter()
                .skip(1)
                .copied()
                .filter(|s| s.starts_with("--"))
                .collect();
            out.push(format!("cloudsite {command} {}", options.join(" ")));
        }
    }
    out
}

fn tokens(line: &str) -> Vec<String> {
    let raw: Vec<&str> = line.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        // `--storage-quota-gb/-warning-pct/-critical-pct N`: a family of options sharing the
        // value placeholder that follows.
        if t.starts_with("--")
            && let Some((first, rest)) = t.split_once('/')
            && rest.starts_with('-')
        {
            let stem = first.rsplit_once('-').map_or(first, |x| x.0);
            let stem = stem.rsplit_once('-').map_or(stem, |(s, _)| s);
            let value = raw.get(i + 1).filter(|v| !v.starts_with('-'));
            let family = std::iter::once(first.to_string())
                .chain(rest.split('/').map(|r| format!("{stem}{r}")))
                .collect::<Vec<_>>();
            let n = family.len();
            for (k, name) in family.into_iter().enumerate() {
                out.push(name);
                // The last one's value is the next token itself.
                if let Some(v) = value
                    && k + 1 < n
                {
                    out.push(v.to_string());
                }
            }
            continue;
        }
        // `--internet|--intranet`: alternatives written as one token.
        if t.starts_with("--") || t.starts_with("[--") {
            out.extend(t.split('|').map(str::to_string));
        } else {
            out.push(t.to_string());
        }
    }
    out.into_iter()
        .map(|t| {
            t.trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '{' | '}' | ',' | ';' | '.'))
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The subcommand a line names, and the tokens after it.
fn subcommand<'a>(root: &'a Command, toks: &[String]) -> (&'a Command, Vec<String>, usize) {
    let mut cmd = root;
    let mut path = Vec::new();
    let mut i = 1;
    while i < toks.len() && cmd.has_subcommands() {
        let t = &toks[i];
        if t.starts_with('-') {
            // A global option before the subcommand: skip it and its value.
            if let Some(arg) = find_long(cmd, t)
                && takes_value(arg)
            {
                i += 1;
            }
            i += 1;
            continue;
        }
        match cmd.find_subcommand(t.as_str()) {
            Some(sub) => {
                path.push(t.clone());
                cmd = sub;
                i += 1;
            }
            None => break,
        }
    }
    (cmd, path, i)
}

fn find_long<'a>(cmd: &'a Command, token: &str) -> Option<&'a clap::Arg> {
    let name = token.trim_start_matches('-').split('=').next()?;
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name)
            || a.get_all_aliases().is_some_and(|al| al.contains(&name))
            || (token.len() == 2 && a.get_short().map(String::from).as_deref() == Some(name))
    })
}

fn takes_value(arg: &clap::Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

#[test]
fn every_flag_the_readme_shows_exists_and_takes_a_value_exactly_when_shown_with_one() {
    let root = Cli::command().propagate_version(true);
    let mut root = root;
    root.build();
    let mut problems = Vec::new();
    let commands = readme_commands();
    assert!(
        commands.len() > 20,
        "found only {} commands",
        commands.len()
    );
    for line in &commands {
        let toks = tokens(line);
        let (mut cmd, mut path, start) = subcommand(&root, &toks);
        let parent_path = path[..path.len().saturating_sub(1)].to_vec();
        let mut i = start;
        while i < toks.len() {
            let t = &toks[i];
            // `list | show PACKAGE | status [--service S]`: a sibling subcommand after `|`.
            if t == "|"
                && let Some(next) = toks.get(i + 1)
            {
                let parent = parent_path.iter().fold(&root, |c, name| {
                    c.find_subcommand(name.as_str()).unwrap_or(c)
                });
                if let Some(sibling) = parent.find_subcommand(next.as_str()) {
                    cmd = sibling;
                    path = parent_path.clone();
                    path.push(next.clone());
                    i += 2;
                    continue;
                }
            }
            if !t.starts_with("--") || t == "--" {
                i += 1;
                continue;
            }
            let where_ = format!("`cloudsite {}`", path.join(" "));
            let Some(arg) = find_long(cmd, t).or_else(|| find_long(&root, t)) else {
                problems.push(format!("{line}\n    {where_} has no {t}"));
                i += 1;
                continue;
            };
            let inline_value = t.contains('=');
            let next = toks.get(i + 1).map(String::as_str).unwrap_or("");
            let next_is_value =
                !next.is_empty() && !next.starts_with('-') && next != "|" && next != "…";
            if takes_value(arg) && !inline_value && !next_is_value {
                problems.push(format!(
                    "{line}\n    {t} takes a value; the README shows none"
                ));
            }
            if !takes_value(arg)
                && next_is_value
                && next
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c == '|')
                && next.len() > 1
            {
                problems.push(format!(
                    "{line}\n    {t} is a flag; the README gives it a value ({next})"
                ));
            }
            i += if takes_value(arg) && !inline_value {
                2
            } else {
                1
            };
        }
    }
    assert!(
        problems.is_empty(),
        "README and CLI disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_complete_example_in_the_readme_parses() {
    let mut failures = Vec::new();
    for line in readme_commands() {
        // Synopses (`[--json]`, `A | B`, `FILE…`, upper-case placeholders) and bare command
        // names in prose are checked by the other test; here the examples written to be typed
        // as they are, with their options.
        let placeholder = line.split_whitespace().skip(1).any(|t| {
            let t = t.trim_matches(|c: char| !c.is_alphanumeric());
            t.len() > 1
                && t.chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                && t.chars().any(|c| c.is_ascii_uppercase())
        });
        if placeholder
            || line.contains(['[', '|', '…'])
            || line.contains("...")
            || line.contains(" > ")
            || !line.contains(" --")
        {
            continue;
        }
        // Shell variables and home paths stand for values.
        let args: Vec<String> = line
            .split_whitespace()
            .map(|t| {
                if t.starts_with('$') || t.starts_with("~/") {
                    "value".to_string()
                } else {
                    t.trim_matches('"').to_string()
                }
            })
            .collect();
        if let Err(e) = Cli::try_parse_from(&args) {
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) {
                continue;
            }
            failures.push(format!(
                "{line}\n    {}",
                e.to_string().lines().next().unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "README examples that do not parse:\n{}",
        failures.join("\n")
    );
}
