//! Scenario errors that say where: file, line, column and what was expected,
//! rendered as a source snippet (with the `cli` feature; without it, as the
//! plain `error: MESSAGE` and `  --> FILE:LINE:COLUMN` lines).

use std::fmt;
use std::ops::Range;

#[cfg(feature = "cli")]
use codespan_reporting::diagnostic::{Diagnostic, Label};
#[cfg(feature = "cli")]
use codespan_reporting::files::SimpleFile;
#[cfg(feature = "cli")]
use codespan_reporting::term::{self, Config};

/// An invalid scenario or override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file (or `--set`).
    pub file: String,
    /// 1-based line and column, where known.
    pub location: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
    span: Option<Range<usize>>,
    rendered: String,
}

impl ScenarioError {
    /// An error at byte `span` of `source`, the text of `file`.
    pub fn at(
        file: &str,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        let Some(span) = span.filter(|s| s.start <= source.len()) else {
            return Self::general(file, message);
        };
        let span = span.start..span.end.min(source.len()).max(span.start);
        let (line, col) = line_col(source, span.start);
        let plain = || format!("error: {message}\n  --> {file}:{line}:{col}\n");
        #[cfg(feature = "cli")]
        let rendered = {
            let files = SimpleFile::new(file, source);
            let diagnostic = Diagnostic::error()
                .with_message(&message)
                .with_labels(vec![Label::primary((), span.clone())]);
            term::emit_into_string(&Config::default(), &files, &diagnostic)
                .unwrap_or_else(|_| plain())
        };
        #[cfg(not(feature = "cli"))]
        let rendered = plain();
        ScenarioError {
            file: file.to_string(),
            location: Some((line, col)),
            message,
            span: Some(span),
            rendered,
        }
    }

    /// The same error in `source` (where its location lies), shown as `file`,
    /// with `note` appended to the message.
    pub fn renamed(self, file: &str, source: &str, note: &str) -> Self {
        let message = format!("{}{note}", self.message);
        match self.span {
            Some(span) => ScenarioError::at(file, source, Some(span), message),
            None => ScenarioError::general(file, message),
        }
    }

    /// An error about `file` as a whole, or an argument, without a location.
    pub fn general(file: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let rendered = format!("error: {file}: {message}\n");
        ScenarioError {
            file: file.to_string(),
            location: None,
            message,
            span: None,
            rendered,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl fmt::Display for ScenarioError {
    /// The snippet, which names `file:line:column`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rendered.trim_end())
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_file_line_and_column() {
        let src = "a = 1\nbad = 2\n";
        let e = ScenarioError::at("s.toml", src, Some(6..9), "unknown key `bad`");
        assert_eq!(e.location, Some((2, 1)));
        let shown = e.to_string();
        assert!(shown.contains("s.toml:2:1"), "{shown}");
        assert!(shown.contains("unknown key `bad`"), "{shown}");
    }
}
