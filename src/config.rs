//! `source/site.yaml`: the site's title, default locale, theme and extensions.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Severity};
use crate::model::{Pos, Role};

/// What a severity override in `site.yaml` may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityLevel {
    Error,
    Warning,
    Note,
    Off,
}

impl SeverityLevel {
    pub fn to_severity(self) -> Option<Severity> {
        match self {
            SeverityLevel::Error => Some(Severity::Error),
            SeverityLevel::Warning => Some(Severity::Warning),
            SeverityLevel::Note => Some(Severity::Note),
            SeverityLevel::Off => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteConfig {
    pub title: String,
    pub default_locale: String,
    pub theme: String,
    pub base_url: Option<String>,
    /// Extra header and label words per locale and role.
    pub vocabulary: BTreeMap<String, BTreeMap<Role, Vec<String>>>,
    /// Severity per diagnostic name.
    pub severity: BTreeMap<String, SeverityLevel>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Troubleshooting".into(),
            default_locale: "en-US".into(),
            theme: "default".into(),
            base_url: None,
            vocabulary: BTreeMap::new(),
            severity: BTreeMap::new(),
        }
    }
}

const KNOWN_KEYS: &[&str] = &[
    "title",
    "default_locale",
    "theme",
    "base_url",
    "vocabulary",
    "severity",
];

impl SiteConfig {
    /// Reads `site.yaml` text. Problems become diagnostics against `file`; a config that
    /// cannot be read at all gives the defaults plus an error.
    pub fn parse(text: &str, file: &Path) -> (SiteConfig, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: serde_yaml::Value = match serde_yaml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let pos = e.location().map_or(Pos { line: 1, col: 1 }, |l| Pos {
                    line: l.line(),
                    col: l.column(),
                });
                diags.push(Diagnostic::error(
                    "config-syntax",
                    file,
                    pos,
                    format!("site.yaml is not valid YAML: {e}"),
                ));
                return (SiteConfig::default(), diags);
            }
        };
        let mut map = match value {
            serde_yaml::Value::Mapping(m) => m,
            serde_yaml::Value::Null => serde_yaml::Mapping::new(),
            _ => {
                diags.push(Diagnostic::error(
                    "config-syntax",
                    file,
                    Pos { line: 1, col: 1 },
                    "site.yaml must be a mapping of `key: value` lines",
                ));
                return (SiteConfig::default(), diags);
            }
        };
        let unknown: Vec<String> = map
            .keys()
            .filter_map(|k| k.as_str())
            .filter(|k| !KNOWN_KEYS.contains(k))
            .map(str::to_owned)
            .collect();
        for key in unknown {
            map.remove(key.as_str());
            diags.push(
                Diagnostic::error(
                    "config-unknown-key",
                    file,
                    key_pos(text, &key),
                    format!("unknown key `{key}` in site.yaml"),
                )
                .with_len(key.chars().count())
                .with_hint(format!("known keys: {}", KNOWN_KEYS.join(", "))),
            );
        }
        match serde_yaml::from_value::<SiteConfig>(serde_yaml::Value::Mapping(map)) {
            Ok(c) => (c, diags),
            Err(e) => {
                diags.push(Diagnostic::error(
                    "config-syntax",
                    file,
                    Pos { line: 1, col: 1 },
                    format!("site.yaml: {e}"),
                ));
                (SiteConfig::default(), diags)
            }
        }
    }

    /// The severity a diagnostic should have, after `site.yaml` overrides; `None` when off.
    pub fn severity_of(&self, name: &str, default: Severity) -> Option<Severity> {
        match self.severity.get(name) {
            Some(level) => level.to_severity(),
            None => Some(default),
        }
    }
}

/// Position of a top-level key in YAML text.
fn key_pos(text: &str, key: &str) -> Pos {
    text.lines()
        .position(|l| l.split_once(':').is_some_and(|(k, _)| k.trim_end() == key))
        .map_or(Pos { line: 1, col: 1 }, |i| Pos {
            line: i + 1,
            col: 1,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_flags_unknown_ones() {
        let text = "title: T\ndefault_locale: ko-KR\ntheem: x\nvocabulary:\n  ko-KR: { resolution: [조치] }\nseverity:\n  link-outside-site: warning\n";
        let (c, d) = SiteConfig::parse(text, Path::new("source/site.yaml"));
        assert_eq!(c.title, "T");
        assert_eq!(c.default_locale, "ko-KR");
        assert_eq!(c.vocabulary["ko-KR"][&Role::Resolution], vec!["조치"]);
        assert_eq!(c.severity["link-outside-site"], SeverityLevel::Warning);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].name, "config-unknown-key");
        assert_eq!(d[0].pos.line, 3);
    }
}
