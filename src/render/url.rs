//! URLs and file names of output pages.
//!
//! Every link the site writes is relative and names a file, so the output works from
//! `file://` and under any sub-path of any server. Entry ids and guide slugs may be
//! non-ASCII: files keep the name as is, hrefs carry it percent-encoded.

pub use crate::names::file_stem;
pub use crate::percent::encode_segment as encode;

/// `../` repeated `depth` times: the way from a page `depth` folders deep to the output root.
pub fn up(depth: usize) -> String {
    "../".repeat(depth)
}

/// A page's path relative to the output root, `/`-separated; segments are file names.
pub fn join(segments: &[&str]) -> String {
    segments.join("/")
}

/// The href of an output path (as produced by [`join`]), as seen from a page `depth`
/// folders deep.
pub fn href(depth: usize, segments: &[&str]) -> String {
    let len: usize = segments.iter().map(|s| s.len() + 1).sum();
    let mut out = String::with_capacity(3 * depth + len);
    for _ in 0..depth {
        out.push_str("../");
    }
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        crate::percent::encode_segment_into(s, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_non_ascii_and_reserved() {
        let cases = [
            ("replica-is-inconsistent", "replica-is-inconsistent"),
            ("0x29834", "0x29834"),
            ("복제본", "%EB%B3%B5%EC%A0%9C%EB%B3%B8"),
            ("a b#c?d", "a%20b%23c%3Fd"),
            ("x/y", "x%2Fy"),
        ];
        for (input, want) in cases {
            assert_eq!(encode(input), want, "{input}");
        }
    }

    #[test]
    fn file_stems_are_safe() {
        let cases = [
            ("replica-is-inconsistent", "replica-is-inconsistent"),
            ("복제본", "복제본"),
            ("../etc/passwd", "-etc-passwd"),
            ("a:b", "a-b"),
            ("index", "index-"),
            ("CON", "CON-"),
            ("...", "-"),
            ("", "-"),
        ];
        for (input, want) in cases {
            assert_eq!(file_stem(input), want, "{input}");
        }
    }

    #[test]
    fn relative_hrefs() {
        assert_eq!(href(0, &["ko-KR", "index.html"]), "ko-KR/index.html");
        assert_eq!(href(2, &["assets", "style.css"]), "../../assets/style.css");
        assert_eq!(
            href(1, &["가이드", "index.html"]),
            "../%EA%B0%80%EC%9D%B4%EB%93%9C/index.html"
        );
    }
}
