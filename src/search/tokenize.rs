//! The search tokenizer, shared rule for rule with `themes/default/static/search.js`.
//!
//! Both sides are checked against `tests/fixtures/tokenizer_cases.json`, so change the
//! two together. The rules, in order:
//!
//! 1. NFKC. Case is kept until a token is cut, because CamelCase needs it.
//! 2. Characters fall into classes: Hangul, Han/Kana (one class, Japanese mixes them),
//!    word (alphabetic, numeric or `_`), separator (everything else).
//! 3. A word run is a maximal run of word characters; a `.` between two ASCII digits
//!    stays inside it, so `2.0.9052` is one token. Leading/trailing `_` are dropped.
//!    The word, lowercased, is a token. Unless it is a hex literal (`0x29834`) or a
//!    dotted number, its parts are tokens too, when there are several: parts are cut at
//!    `_`, before an uppercase letter that follows a lowercase letter or a digit, and
//!    before the last uppercase letter of an uppercase run followed by a lowercase one
//!    (`DPMServer` → `dpm`, `server`).
//! 4. A Hangul or Han/Kana run is a token when it has at most [`MAX_RUN`] characters, and
//!    every pair of adjacent characters in it is a token too (bigrams), so `모음` matches
//!    `모음에`. A one-character run is its own token.
//!
//! Tokens are cut to [`MAX_TOKEN`] characters and are never empty. The pipeline (stop words, English stemming) runs afterwards,
//! see [`super::lang`].

use unicode_normalization::UnicodeNormalization;

/// Longest Hangul or Han/Kana run kept as a whole token; longer runs (Japanese
/// sentences) only contribute their bigrams.
pub const MAX_RUN: usize = 12;

/// Tokens are cut to this many characters (long hashes and paths stay searchable by
/// their start, and the index stays shallow).
pub const MAX_TOKEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Sep,
    Word,
    Hangul,
    HanKana,
}

fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{D7B0}'..='\u{D7FF}')
}

fn is_han_kana(c: char) -> bool {
    matches!(c,
        '\u{3005}'
        | '\u{3007}'
        | '\u{3041}'..='\u{3096}'
        | '\u{309D}'..='\u{309F}'
        | '\u{30A1}'..='\u{30FA}'
        | '\u{30FC}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

fn class(c: char) -> Class {
    // Most characters of most guides are ASCII: spare them the script range checks.
    if c.is_ascii() {
        return match c.is_ascii_alphanumeric() || c == '_' {
            true => Class::Word,
            false => Class::Sep,
        };
    }
    if is_hangul(c) {
        Class::Hangul
    } else if is_han_kana(c) {
        Class::HanKana
    } else if c.is_alphanumeric() || c == '_' {
        Class::Word
    } else {
        Class::Sep
    }
}

/// Raw tokens of a text, before the pipeline (stop words, stemming).
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, &mut |t| out.push(t.to_owned()));
    out
}

/// [`tokenize`] one token at a time, each lent to `emit`: a slice of the text itself
/// where the token needs no lowercasing (Hangul, most ASCII), else of one buffer. An
/// index counts tokens that mostly repeat, and a string for each would be most of the
/// work.
pub fn each_token(text: &str, emit: &mut dyn FnMut(&str)) {
    // The characters, their offsets, the normalized text and the token go into this
    // thread's buffers, which the next text reuses: an index tokenizes a million short
    // texts, and growing new ones for each was most of the allocating an index build did.
    thread_local! {
        static BUFFERS: std::cell::Cell<Buffers> = const { std::cell::Cell::new(Buffers::new()) };
    }
    let Buffers {
        mut chars,
        mut offsets,
        mut normal,
        buf,
    } = BUFFERS.take();
    // Most text is NFKC already (ASCII, Hangul syllables): the quick check spares
    // decomposing and recomposing it.
    let mut source = text;
    decode(source, &mut chars, &mut offsets);
    // `decode` leaves no offsets for ASCII text.
    if !offsets.is_empty() && !crate::text::chars_are_nfkc(chars.iter().copied()) {
        normal.clear();
        normal.extend(text.nfkc());
        source = &normal;
        decode(source, &mut chars, &mut offsets);
    }
    let mut out = Tokens {
        source,
        offsets: &offsets,
        buf,
        emit,
    };
    tokens_of(&chars, &mut out);
    let buf = out.buf;
    BUFFERS.set(Buffers {
        chars,
        offsets,
        normal,
        buf,
    });
}

#[derive(Default)]
struct Buffers {
    chars: Vec<char>,
    /// Byte offset of each of `chars` in the text, and the text's length; empty for
    /// ASCII text, where offsets are indexes.
    offsets: Vec<usize>,
    /// The text in NFKC, when it was not.
    normal: String,
    /// The token, when lowercased.
    buf: String,
}

impl Buffers {
    const fn new() -> Self {
        Buffers {
            chars: Vec::new(),
            offsets: Vec::new(),
            normal: String::new(),
            buf: String::new(),
        }
    }
}

/// The characters of `text` into `chars`, and their byte offsets into `offsets` unless
/// the text is ASCII.
fn decode(text: &str, chars: &mut Vec<char>, offsets: &mut Vec<usize>) {
    chars.clear();
    offsets.clear();
    if text.is_ascii() {
        chars.extend(text.bytes().map(char::from));
        return;
    }
    for (at, c) in text.char_indices() {
        chars.push(c);
        offsets.push(at);
    }
    offsets.push(text.len());
}

fn tokens_of(chars: &[char], out: &mut Tokens<'_>) {
    let mut i = 0;
    while i < chars.len() {
        let cls = class(chars[i]);
        let mut j = i + 1;
        match cls {
            Class::Sep => {}
            Class::Word => {
                while j < chars.len() {
                    let c = chars[j];
                    let dotted = c == '.'
                        && chars[j - 1].is_ascii_digit()
                        && chars.get(j + 1).is_some_and(char::is_ascii_digit);
                    if class(c) != Class::Word && !dotted {
                        break;
                    }
                    j += 1;
                }
                word_tokens(&chars[i..j], i, out);
            }
            Class::Hangul | Class::HanKana => {
                while j < chars.len() && class(chars[j]) == cls {
                    j += 1;
                }
                run_tokens(&chars[i..j], i, out);
            }
        }
        i = j;
    }
}

/// Where tokens go: lent to `emit`, from the text or lowercased into `buf`.
struct Tokens<'e> {
    /// The text being cut (in NFKC), and the byte offsets of its characters (empty for
    /// ASCII text).
    source: &'e str,
    offsets: &'e [usize],
    buf: String,
    emit: &'e mut dyn FnMut(&str),
}

impl Tokens<'_> {
    /// The token of `chars`, which start at character `at` of the text.
    fn push(&mut self, at: usize, chars: &[char]) {
        let cut = chars.len().min(MAX_TOKEN);
        let byte = |i: usize| match self.offsets.get(i) {
            Some(&o) => o,
            None => i,
        };
        // Already lowercase: no ASCII capital, and no character of a script with case.
        let lower = |c: &char| match c.is_ascii() {
            true => !c.is_ascii_uppercase(),
            false => caseless(*c),
        };
        match self.source.get(byte(at)..byte(at + cut)) {
            Some(t) if chars[..cut].iter().all(lower) => (self.emit)(t),
            _ => {
                lower_into(chars, &mut self.buf);
                (self.emit)(&self.buf);
            }
        }
    }
}

/// Scripts without case (Hangul, Han, Kana).
fn caseless(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}')
}

/// The token of `chars`: lowercased, cut to [`MAX_TOKEN`] characters.
fn lower_into(chars: &[char], buf: &mut String) {
    buf.clear();
    // Caseless scripts and ASCII need no case tables.
    if chars.iter().all(|&c| c.is_ascii() || caseless(c)) {
        buf.extend((chars.iter().take(MAX_TOKEN)).map(char::to_ascii_lowercase));
        return;
    }
    let lower = chars.iter().collect::<String>().to_lowercase();
    match lower.char_indices().nth(MAX_TOKEN) {
        Some((cut, _)) => buf.push_str(&lower[..cut]),
        None => buf.push_str(&lower),
    }
}

fn is_hex_literal(w: &[char]) -> bool {
    w.len() > 2
        && w[0] == '0'
        && (w[1] == 'x' || w[1] == 'X')
        && w[2..].iter().all(char::is_ascii_hexdigit)
}

/// The tokens of a word run starting at character `at`.
fn word_tokens(word: &[char], at: usize, out: &mut Tokens<'_>) {
    let start = word.iter().position(|&c| c != '_').unwrap_or(word.len());
    let end = word
        .iter()
        .rposition(|&c| c != '_')
        .map_or(start, |p| p + 1);
    let (word, at) = (&word[start..end], at + start);
    if word.is_empty() {
        return;
    }
    out.push(at, word);
    if is_hex_literal(word) || word.contains(&'.') {
        return;
    }
    // One part unless cut at `_` or before a capital (most words have neither).
    if !word.contains(&'_') && !word[1..].iter().any(|c| c.is_uppercase()) {
        return;
    }
    let parts = word_parts(word);
    if parts.len() > 1 {
        for (from, part) in parts {
            out.push(at + from, part);
        }
    }
}

/// Cuts a word at `_` and at CamelCase boundaries: each part with its start in the word.
fn word_parts(word: &[char]) -> Vec<(usize, &[char])> {
    let mut parts = Vec::new();
    let mut piece_at = 0;
    for piece in word.split(|&c| c == '_') {
        let at = piece_at;
        piece_at += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        let mut from = 0;
        for k in 1..piece.len() {
            let (prev, cur) = (piece[k - 1], piece[k]);
            let next_lower = piece.get(k + 1).is_some_and(|c| c.is_lowercase());
            let cut = cur.is_uppercase()
                && (prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next_lower));
            if cut {
                parts.push((at + from, &piece[from..k]));
                from = k;
            }
        }
        parts.push((at + from, &piece[from..]));
    }
    parts
}

/// The tokens of a Hangul or Han/Kana run starting at character `at`.
fn run_tokens(run: &[char], at: usize, out: &mut Tokens<'_>) {
    if run.len() <= MAX_RUN {
        out.push(at, run);
    }
    if run.len() > 2 {
        for (k, pair) in run.windows(2).enumerate() {
            out.push(at + k, pair);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokenize(s)
    }

    #[test]
    fn camel_case_and_codes() {
        assert_eq!(
            toks("ReplicaCloningIssue"),
            ["replicacloningissue", "replica", "cloning", "issue"]
        );
        assert_eq!(toks("DPMServer"), ["dpmserver", "dpm", "server"]);
        assert_eq!(toks("0x29834 0xFFFF"), ["0x29834", "0xffff"]);
        assert_eq!(toks("버전 2.0.9052."), ["버전", "2.0.9052"]);
        assert_eq!(toks("(ID: 4024)"), ["id", "4024"]);
        assert_eq!(toks("__init__"), ["init"]);
        assert_eq!(
            toks("HKEY_LOCAL_MACHINE"),
            ["hkey_local_machine", "hkey", "local", "machine"]
        );
    }

    #[test]
    fn hangul_runs_with_bigrams() {
        assert_eq!(toks("모음에"), ["모음에", "모음", "음에"]);
        assert_eq!(toks("모음"), ["모음"]);
        assert_eq!(toks("PIN을"), ["pin", "을"]);
    }

    /// The shortcuts (text already NFKC, caseless scripts) give what the full
    /// normalization and `to_lowercase` give.
    #[test]
    fn shortcuts_equal_the_full_path() {
        let texts = [
            "Vault CREDENTIALS 자격 증명 모음 ÉCHEC",
            "ΣΊΣΥΦΟΣ İstanbul ǅemal",
            "ｶﾀｶﾅ カタカナ 日本語 ＡＢＣ",
            "ASCII only, 한글 음절만",
            "\u{1100}\u{1161} 옛한글 자모",
            &"가".repeat(80),
            &"A".repeat(80),
        ];
        for text in texts {
            let full: Vec<char> = text.nfkc().collect();
            let chars: Vec<char> = text.chars().collect();
            if crate::text::is_nfkc(text) {
                assert_eq!(chars, full, "{text}");
            }
            let slow = |w: &[char]| {
                let l = w.iter().collect::<String>().to_lowercase();
                l.chars().take(MAX_TOKEN).collect::<String>()
            };
            let mut buf = String::new();
            for word in full.split(|c| c.is_whitespace()) {
                lower_into(word, &mut buf);
                assert_eq!(buf, slow(word), "{text}");
            }
        }
    }

    /// Tokens lent straight from the text (or its NFKC form) are cut at the right
    /// characters, however many bytes the characters before them take.
    #[test]
    fn tokens_lent_from_the_text_are_the_right_slices() {
        assert_eq!(toks("é한글abc"), ["é", "한글", "abc"]);
        assert_eq!(
            toks("ＡＢＣ 한국어Text"),
            ["abc", "한국어", "한국", "국어", "text"]
        );
        // Decomposed Hangul is normalized first; tokens come from the normalized text.
        assert_eq!(toks("\u{1112}\u{1161}\u{11AB}글 x"), ["한글", "x"]);
        assert_eq!(toks(&"a".repeat(70)), ["a".repeat(MAX_TOKEN)]);
        assert_eq!(
            toks(&format!("한 A{}", "b".repeat(79))),
            vec!["한".to_owned(), format!("a{}", "b".repeat(MAX_TOKEN - 1))]
        );
        let long = "가".repeat(MAX_RUN + 1);
        assert_eq!(toks(&long), vec!["가가"; MAX_RUN]);
    }

    #[test]
    fn nfkc_and_never_empty() {
        assert_eq!(toks("ＡＢＣ１２３"), ["abc123"]);
        assert!(toks(" -- ... ___ ").is_empty());
        assert!(toks("").is_empty());
        assert!(tokenize("a_b ｶﾀｶﾅ 日本語のテキスト")
            .iter()
            .all(|t| !t.is_empty()));
    }
}
