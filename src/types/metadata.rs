//! Core metadata (the `METADATA` / `PKG-INFO` file; spec: "Core metadata
//! specifications", versions 1.0 to 2.4): just the fields resolving needs.

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};
use std::str::FromStr;

/// The fields of core metadata that envy uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreMetadata {
    /// `Name`, normalized.
    pub name: PackageName,
    /// `Version`.
    pub version: Version,
    /// `Requires-Dist`, one entry per valid line. Invalid lines are skipped
    /// with a warning, the way pip does.
    pub requires_dist: Vec<Requirement>,
    /// `Requires-Python`, when present and valid.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`, normalized.
    pub provides_extra: Vec<ExtraName>,
    /// `Dynamic` (Metadata-Version 2.2+), lower-cased field names.
    pub dynamic: Vec<String>,
    /// `Metadata-Version`, as written.
    pub metadata_version: String,
}

/// Core metadata that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// `Name` or `Version` is missing.
    #[error("core metadata has no `{0}` field")]
    MissingField(&'static str),
    /// `Name` or `Version` is not valid.
    #[error("core metadata field `{field}` is invalid: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// The parser's message.
        reason: String,
    },
}

/// Iterate the header fields of an RFC 822-style metadata file as `(name, value)`,
/// joining continuation lines, and stopping at the first blank line (the body).
pub fn header_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        // Only a truly empty line ends the headers: a whitespace-only line is
        // a continuation (long License fields contain them).
        if line.is_empty() || line == "\r" {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    fields
}

impl CoreMetadata {
    /// Parse `METADATA` / `PKG-INFO` bytes.
    ///
    /// Lenient with the ecosystem: invalid `Requires-Dist` lines and an invalid
    /// `Requires-Python` are skipped with a warning.
    ///
    /// # Errors
    /// [`MetadataError`] when `Name` or `Version` is missing or invalid.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        let text = String::from_utf8_lossy(bytes);
        let mut name = None;
        let mut version = None;
        let mut out_reqs = Vec::new();
        let mut requires_python = None;
        let mut provides_extra = Vec::new();
        let mut dynamic = Vec::new();
        let mut metadata_version = String::new();
        for (key, value) in header_fields(&text) {
            match key.to_ascii_lowercase().as_str() {
                "metadata-version" => metadata_version = value,
                "name" => {
                    name =
                        Some(
                            PackageName::from_str(&value).map_err(|e| MetadataError::Invalid {
                                field: "Name",
                                reason: e.to_string(),
                            })?,
                        )
                }
                "version" => {
                    version =
                        Some(
                            Version::from_str(&value).map_err(|e| MetadataError::Invalid {
                                field: "Version",
                                reason: e.to_string(),
                            })?,
                        )
                }
                "requires-dist" => match super::parse_requirement(&value) {
                    Ok(r) => out_reqs.push(r),
                    Err(e) => {
                        tracing::warn!(
                            "skipping invalid Requires-Dist `{}`: {}",
                            super::shorten(&value, 80),
                            super::shorten(&e.display, 400)
                        );
                    }
                },
                "requires-python" => match VersionSpecifiers::from_str(&value) {
                    Ok(s) => requires_python = Some(s),
                    Err(e) => tracing::warn!("ignoring invalid Requires-Python `{value}`: {e}"),
                },
                "provides-extra" => {
                    if let Ok(e) = ExtraName::from_str(&value) {
                        provides_extra.push(e);
                    }
                }
                "dynamic" => dynamic.push(value.to_ascii_lowercase()),
                _ => {}
            }
        }
        Ok(Self {
            name: name.ok_or(MetadataError::MissingField("Name"))?,
            version: version.ok_or(MetadataError::MissingField("Version"))?,
            requires_dist: out_reqs,
            requires_python,
            provides_extra,
            dynamic,
            metadata_version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_skips_bad_requirements() {
        let text = b"Metadata-Version: 2.1\nName: Flask\nVersion: 3.1.2\nRequires-Python: >=3.9\nRequires-Dist: Werkzeug>=3.1\nRequires-Dist: not a valid ((req\nRequires-Dist: asgiref>=3.2; extra == \"async\"\nProvides-Extra: async\nLicense: a\n  \n  continued\nRequires-Dist: numpy>=1.22\nDescription: a\n  continued\n\nRequires-Dist: body-not-header\n";
        let m = CoreMetadata::parse(text).unwrap();
        assert_eq!(m.name.as_ref(), "flask");
        assert_eq!(m.requires_dist.len(), 3);
        assert_eq!(m.provides_extra.len(), 1);
        assert_eq!(m.requires_python.unwrap().to_string(), ">=3.9");
    }

    #[test]
    fn missing_version_is_an_error() {
        assert!(CoreMetadata::parse(b"Name: x\n").is_err());
    }
}
