//! Percent-encoding of URL path segments and fragments, and decoding of `%XX` escapes.
//! One implementation for the pages, the search index, the checker and the parser; the
//! search client (`search.js`, `encodeSegment`) mirrors `encode_segment`.

/// Encodes everything but RFC 3986 unreserved ASCII (`A-Z a-z 0-9 - . _ ~`), byte by
/// byte in UTF-8.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_segment_into(s, &mut out);
    out
}

/// [`encode_segment`] appended to `out` (every page builds dozens of hrefs).
pub fn encode_segment_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    // Most segments (`ko-KR`, `index.html`, entry stems) need no escape: copied whole.
    if s.bytes().all(unreserved) {
        out.push_str(s);
        return;
    }
    for b in s.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// `%20` → ` `; escapes that are not two hex digits stay as written, and bytes that do
/// not form UTF-8 become U+FFFD.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in ["0x29834", "a b", "복제본/x#y", "100%"] {
            assert_eq!(decode(&encode_segment(s)), s);
        }
        assert_eq!(encode_segment("가 b"), "%EA%B0%80%20b");
        assert_eq!(decode("a%20b%"), "a b%");
        assert_eq!(decode("%zz%2"), "%zz%2");
    }
}
