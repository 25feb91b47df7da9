//! Outside text (from the provider, the callback or a token) made safe to echo in an error
//! message or a log line.

/// At most `max` characters of `text`, with every character that could forge a log line or
/// reorder what a reader sees replaced by U+FFFD: control characters (newlines included), the
/// line and paragraph separators U+2028/U+2029, and the bidirectional controls.
pub(crate) fn printable(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_controls_separators_and_bidi_marks_and_bounds_the_length() {
        assert_eq!(
            printable("a\nb\r\u{2028}c\u{202e}d\u{2066}", 100),
            "a\u{fffd}b\u{fffd}\u{fffd}c\u{fffd}d\u{fffd}"
        );
        assert_eq!(printable("abcdef", 3), "abc");
        assert_eq!(printable("Hélène", 10), "Hélène");
    }
}
