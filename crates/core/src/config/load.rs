//! Reading, parsing and writing services files.

use std::path::{Path, PathBuf};

use super::checked::Services;
use super::problems::ConfigError;
use super::spec::ServicesFile;

impl ServicesFile {
    /// Reads a services file as written, unchecked; relative key paths resolve against its
    /// folder. [`Services::load`] reads and checks in one step.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`]. Call [`ServicesFile::validate`] next.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let mut file = Self::parse_toml(&text).map_err(|e| match e {
            ConfigError::Parse { reason, .. } => ConfigError::Parse {
                path: path.to_owned(),
                reason,
            },
            other => other,
        })?;
        file.base_dir = path.parent().map(Path::to_owned);
        Ok(file)
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] with the line and column of the first syntax error.
    pub fn parse_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            reason: parse_reason(&e, text),
        })
    }

    /// Writes the file back as TOML (secrets given in code are never written).
    ///
    /// # Errors
    /// [`ConfigError::Parse`] if serialisation fails (it does not for files built by this crate).
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            reason: e.to_string(),
        })
    }
}

impl Services {
    /// Reads a services file and checks every service in it: the checked services, ready for
    /// the relying party. ([`ServicesFile::read`] gives the file as written, unchecked.)
    ///
    /// # Errors
    /// Any [`ConfigError`]; [`ConfigError::Invalid`] lists every problem at once.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        ServicesFile::read(path)?.validate()
    }
}

/// The parser's message with the line and column of the error, and never the file's text around
/// it: the line could hold a key or a secret written inline by mistake.
fn parse_reason(e: &toml::de::Error, text: &str) -> String {
    let message = e.message();
    let Some(before) = e.span().and_then(|span| text.get(..span.start)) else {
        return message.to_owned();
    };
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    format!("line {line}, column {column}: {message}")
}
