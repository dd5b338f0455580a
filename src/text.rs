//! Positions in source text (byte offsets to 1-based line and column), and quick tests
//! run before slower text work (a case-insensitive search, whether text is NFKC).

use crate::model::Pos;

/// Line starts of a text. `\n`, `\r\n` and a lone `\r` all end a line, as in
/// CommonMark, so files with mixed line endings still get the right line numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        // Guides are indexed several times (parser, checks, reports): find the line
        // endings with memchr rather than a byte at a time.
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Pos { line, col }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).copied().unwrap_or(text.len());
        text.get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.wrapping_sub(1)).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Whether `text` is NFKC already, as far as Unicode's quick check tells. ASCII and
/// Hangul syllables, most of what guides hold, are answered without its table lookups.
pub fn is_nfkc(text: &str) -> bool {
    text.is_ascii() || chars_are_nfkc(text.chars())
}

/// [`is_nfkc`] of characters (the tokenizer has them decoded already).
pub fn chars_are_nfkc(chars: impl Iterator<Item = char> + Clone) -> bool {
    let plain = |c: char| c.is_ascii() || ('\u{AC00}'..='\u{D7A3}').contains(&c);
    chars.clone().all(plain)
        || unicode_normalization::is_nfkc_quick(chars) == unicode_normalization::IsNormalized::Yes
}

/// Every concatenation of `n` of `pieces` (repeats allowed), for tests that compare two
/// ways of doing one thing on all short inputs.
#[cfg(test)]
pub(crate) fn sequences(pieces: &[&str], n: usize) -> Vec<String> {
    (0..n).fold(vec![String::new()], |seqs, _| {
        (seqs.iter())
            .flat_map(|s| pieces.iter().map(move |p| format!("{s}{p}")))
            .collect()
    })
}

/// Whether `hay` contains `needle`, ASCII letters compared without case: a quick test
/// before running a case-insensitive regex over many small fragments.
pub fn contains_ascii_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return false;
    };
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), h).any(|i| {
        h.get(i + 1..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_ignoring_ascii_case() {
        assert!(contains_ascii_ci("<A Name=x>", "name"));
        assert!(contains_ascii_ci("모음 <IMG src>", "<img"));
        assert!(!contains_ascii_ci("<a id=x>", "name"));
        assert!(!contains_ascii_ci("na", "name"));
        assert!(!contains_ascii_ci("anything", ""));
    }

    #[test]
    fn positions_with_mixed_line_endings() {
        let text = "a\r\nbc\rd\n한국어";
        let idx = LineIndex::new(text);
        assert_eq!(idx.pos(text, 0), Pos { line: 1, col: 1 });
        assert_eq!(idx.pos(text, 4), Pos { line: 2, col: 2 });
        assert_eq!(idx.pos(text, 6), Pos { line: 3, col: 1 });
        // Columns count characters, not bytes.
        assert_eq!(idx.pos(text, text.len()), Pos { line: 4, col: 4 });
        assert_eq!(idx.line_text(text, 2), "bc");
        assert_eq!(idx.line_text(text, 4), "한국어");
        assert_eq!(idx.line_text(text, 9), "");
    }
}
