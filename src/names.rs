//! Names of output files. Guide slugs and entry ids become file names on every file
//! system the site is published to (Windows shares included), so they are made safe
//! once, when the model is built, and every later stage (pages, search, bundles) agrees.

/// A file stem that is safe on every file system we publish to (Windows shares
/// included): path separators, reserved characters and control characters become `-`,
/// leading dots go (no hidden files, no `..`), and `index` is renamed so an entry never
/// overwrites its guide's `index.html`.
pub fn file_stem(id: &str) -> String {
    let mut s = String::with_capacity(id.len() + 1);
    s.extend(id.chars().map(|c| match c {
        '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '#' | '%' => '-',
        c if c.is_control() || c.is_whitespace() => '-',
        c => c,
    }));
    while s.starts_with('.') {
        s.remove(0);
    }
    while s.ends_with('.') {
        s.pop();
    }
    if s.is_empty() {
        s.push('-');
    }
    // Windows reserves these names whatever the extension.
    const RESERVED: &[&str] = &["con", "prn", "aux", "nul", "com1", "lpt1", "index"];
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s)) {
        s.push('-');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_are_kept() {
        for ok in [
            "0x29834",
            "backup-1",
            "복제본",
            "cbpsourcesnapshotfailedreplicacloningissue",
        ] {
            assert_eq!(file_stem(ok), ok);
        }
        assert_eq!(file_stem("a b"), "a-b");
        assert_eq!(file_stem("index"), "index-");
        assert_eq!(file_stem("../x"), "-x");
    }
}
