//! GitHub-style heading slugs: lowercase, punctuation dropped, spaces to hyphens.

use std::collections::HashSet;

/// The slug GitHub (and DocFX) give a heading: `Registration and agent-related issues`
/// → `registration-and-agent-related-issues`. Letters of every script are kept.
pub fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        }
    }
    out
}

/// Hands out unique anchors: a repeated slug gets `-1`, `-2`… as on GitHub.
#[derive(Debug, Default)]
pub struct Slugger {
    used: HashSet<String>,
}

impl Slugger {
    /// Reserves a name as it is (an explicit `<a name>`); false if it was taken.
    pub fn reserve(&mut self, name: &str) -> bool {
        self.used.insert(name.to_lowercase())
    }

    pub fn is_used(&self, name: &str) -> bool {
        self.used.contains(&name.to_lowercase())
    }

    pub fn unique(&mut self, base: &str) -> String {
        if self.reserve(base) {
            return base.to_owned();
        }
        (1..)
            .map(|n| format!("{base}-{n}"))
            .find(|c| self.reserve(c))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_slugs() {
        assert_eq!(
            slugify("Registration and agent-related issues"),
            "registration-and-agent-related-issues"
        );
        assert_eq!(
            slugify("The original and external DPM servers must be registered to the same vault"),
            "the-original-and-external-dpm-servers-must-be-registered-to-the-same-vault"
        );
        assert_eq!(
            slugify("Error: Replica is inconsistent"),
            "error-replica-is-inconsistent"
        );
        assert_eq!(
            slugify("Backups don't run according to schedule"),
            "backups-dont-run-according-to-schedule"
        );
        assert_eq!(slugify("기본 문제 해결"), "기본-문제-해결");
    }

    #[test]
    fn repeated_slugs() {
        let mut s = Slugger::default();
        assert_eq!(s.unique("a"), "a");
        assert_eq!(s.unique("a"), "a-1");
        assert_eq!(s.unique("a"), "a-2");
    }
}
