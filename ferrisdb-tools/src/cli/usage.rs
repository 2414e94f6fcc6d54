//! A command line that does not parse: `--help` and `--version` print what
//! clap prints, and a usage error is one line with [`EXIT_ERROR`], like any
//! other failure. Never clap's own exit code 2, which is `verify`'s "damage
//! found" ([`EXIT_DAMAGED`](super::EXIT_DAMAGED)): a health check that runs
//! `ferrisdb verify` must not take a mistyped flag for a damaged database.

use clap::error::ErrorKind;
use clap::Parser;

use super::{Cli, EXIT_ERROR};

/// The command line of this process, parsed; or, when it does not parse,
/// what clap has to say printed (the help, the version, or a usage error
/// as one line `ferrisdb: ...` on stderr), and the exit code to exit with.
///
/// # Errors
///
/// The exit code: 0 after `--help` or `--version`, [`EXIT_ERROR`]
/// otherwise.
pub fn parse_args() -> Result<Cli, u8> {
    Cli::try_parse().map_err(|error| match usage_error(&error) {
        Some(line) => {
            eprintln!("ferrisdb: {line}");
            EXIT_ERROR
        }
        None => {
            // Nothing better to do if even this print fails.
            let _ = error.print();
            if error.use_stderr() {
                EXIT_ERROR
            } else {
                0
            }
        }
    })
}

/// The one line a usage error prints (without the program's name), or
/// `None` for the help and version clap shows instead of running.
pub fn usage_error(error: &clap::Error) -> Option<String> {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return None;
    }
    // Clap's message is its first paragraph (a list of missing arguments
    // runs on to the next lines); the tips and the usage follow it.
    let rendered = error.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    Some(format!("{message} (see ferrisdb --help)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(args: &[&str]) -> String {
        let error = Cli::try_parse_from(args).unwrap_err();
        usage_error(&error).unwrap_or_else(|| panic!("{args:?} is not a usage error"))
    }

    #[test]
    fn a_usage_error_is_one_line_naming_what_is_wrong() {
        let unknown = refused(&["ferrisdb", "verify", "--bogus"]);
        assert!(unknown.contains("'--bogus'"), "{unknown}");
        let bad = refused(&["ferrisdb", "scan", "--limit", "ten"]);
        assert!(bad.contains("'ten'") && bad.contains("--limit"), "{bad}");
        let missing = refused(&["ferrisdb", "put", "k"]);
        assert!(missing.contains("<VALUE>"), "{missing}");
        for line in [unknown, bad, missing] {
            assert_eq!(line.lines().count(), 1, "{line}");
            assert!(!line.starts_with("error"), "{line}");
        }
    }

    #[test]
    fn help_and_version_are_shown_not_refused() {
        for args in [
            &["ferrisdb", "--help"][..],
            &["ferrisdb", "--version"],
            &["ferrisdb"],
        ] {
            let error = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(usage_error(&error), None, "{args:?}");
        }
    }
}
