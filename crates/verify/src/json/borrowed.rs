//! The borrowed reader: token headers and payloads parsed once per token into a [`Json`] tree
//! whose strings borrow from the text, with the same grammar and the same duplicate rule as
//! [`parse_object`](super::parse_object).

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::{Map, Number, Value};

use super::{JsonProblem, MAX_NAME_ECHO};

/// A JSON value parsed by [`parse_borrowed`]: strings without escapes borrow from the text.
/// Numbers are `serde_json::Number`s made as [`parse_value`] makes them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Self>),
    /// An object (its member names are unique).
    Object(Object<'a>),
}

impl Json<'_> {
    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The same value as an owned `serde_json::Value`.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.as_ref().to_owned()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            Self::Object(obj) => Value::Object(obj.to_map()),
        }
    }
}

/// A JSON object parsed by [`parse_borrowed`]: its members in document order, every name
/// unique. Lookups scan the members (a token has a dozen or so), comparing [`name_key`]s first.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object<'a> {
    members: Vec<Member<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Member<'a> {
    key: u64,
    name: Cow<'a, str>,
    value: Json<'a>,
}

impl Member<'_> {
    /// Whether this member is called `name`, whose key is `key`.
    #[inline]
    fn is(&self, key: u64, name: &str) -> bool {
        self.key == key && (name.len() <= KEYED_BYTES || self.name == name)
    }
}

impl<'a> Object<'a> {
    /// The value of the member `name`, if present.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<&Json<'a>> {
        let key = name_key(name);
        self.members
            .iter()
            .find(|m| m.is(key, name))
            .map(|m| &m.value)
    }

    /// Whether the member `name` is present.
    #[inline]
    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// How many members there are.
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// The members, in document order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.members.iter().map(|m| (m.name.as_ref(), &m.value))
    }

    /// The members whose names are not in `names`, in document order.
    pub(crate) fn iter_except<'s, const N: usize>(
        &'s self,
        names: &'s NameList<N>,
    ) -> impl Iterator<Item = (&'s str, &'s Json<'a>)> {
        self.members
            .iter()
            .filter(|m| !names.contains(m.key, &m.name))
            .map(|m| (m.name.as_ref(), &m.value))
    }

    /// The same object as an owned `serde_json::Map`.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_value()))
            .collect()
    }
}

/// How many leading bytes of a name its [`name_key`] holds.
const KEYED_BYTES: usize = 7;

/// A member name's first seven bytes and its length (capped at 255) packed in a `u64`: equal
/// keys mean equal names for names of up to seven bytes (most of a token's have three), so that
/// a lookup compares integers instead of calling `memcmp`; longer names are compared in full
/// when their keys match.
#[inline]
pub(crate) const fn name_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut key = 0u64;
    let mut i = 0;
    while i < bytes.len() && i < KEYED_BYTES {
        key |= (bytes[i] as u64) << (8 * i);
        i += 1;
    }
    let len = if bytes.len() < 255 { bytes.len() } else { 255 };
    key | ((len as u64) << 56)
}

/// A fixed list of member names, their [`name_key`]s computed and sorted at compile time.
#[derive(Debug)]
pub(crate) struct NameList<const N: usize> {
    /// `(key, name)`, sorted by key.
    entries: [(u64, &'static str); N],
}

impl<const N: usize> NameList<N> {
    pub(crate) const fn new(names: [&'static str; N]) -> Self {
        let mut entries = [(0u64, ""); N];
        let mut i = 0;
        while i < N {
            entries[i] = (name_key(names[i]), names[i]);
            i += 1;
        }
        // Insertion sort (a const fn cannot call `sort`).
        let mut i = 1;
        while i < N {
            let mut j = i;
            while j > 0 && entries[j - 1].0 > entries[j].0 {
                let swap = entries[j - 1];
                entries[j - 1] = entries[j];
                entries[j] = swap;
                j -= 1;
            }
            i += 1;
        }
        Self { entries }
    }

    /// Whether the name `name`, whose key is `key`, is in the list.
    #[inline]
    fn contains(&self, key: u64, name: &str) -> bool {
        // Names sharing a key (long ones with the same first seven bytes) are adjacent.
        let start = self.entries.partition_point(|&(k, _)| k < key);
        self.entries[start..]
            .iter()
            .take_while(|&&(k, _)| k == key)
            .any(|&(_, n)| name.len() <= KEYED_BYTES || n == name)
    }
}

/// Up to this many members, a new name is checked against the others one by one; past it, a
/// hash set takes over, so that a hostile object with many members costs linear time.
const LINEAR_DUPLICATE_SCAN: usize = 16;

/// serde_json's nesting limit, kept so that both parsers refuse the same documents: at most 127
/// arrays and objects open at once.
const MAX_DEPTH: u8 = 128;

/// Room reserved for the members of the outermost object: one per this many bytes of text, up
/// to [`MAX_TOP_MEMBERS`] (a token's claims, a dozen or so, then take one allocation instead of
/// growing 4, 8, 16; its header, three members, a small one).
const BYTES_PER_TOP_MEMBER: usize = 20;
const MAX_TOP_MEMBERS: usize = 32;

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each zero byte of `x` (exact: no carry crosses a byte).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The high bit of each byte of `x` (eight bytes of a string, the first in the low byte) that
/// ends the string or is refused in it: `"`, `\` or a control character below 0x20.
#[inline(always)]
fn special_bytes(x: u64) -> u64 {
    let quote = zero_bytes(x ^ (ONES * u64::from(b'"')));
    let backslash = zero_bytes(x ^ (ONES * u64::from(b'\\')));
    // Below 0x20: the high bit clear, and the low seven bits plus 0x60 still below 0x80.
    let control = !(((x & LOW7) + ONES * 0x60) | x) & HIGH;
    quote | backslash | control
}

/// A one-pass, allocation-light reader of RFC 8259 JSON with serde_json's exact rules (the same
/// documents accepted and refused, numbers converted by serde_json itself whenever they are not
/// plain integers), building [`Json`] values that borrow their strings from the text.
struct Reader<'a> {
    text: &'a [u8],
    /// The whole text as a `str`, when it is UTF-8 (nearly always): strings are then sliced
    /// from it without checking each again. When it is not, each string is checked on its own,
    /// so that the first problem in document order is still the one reported.
    utf8: Option<&'a str>,
    pos: usize,
    remaining_depth: u8,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Skips whitespace, then consumes `byte` or fails.
    fn expect(&mut self, byte: u8) -> Result<(), JsonProblem> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(JsonProblem::Invalid)
        }
    }

    fn value(&mut self, members_hint: usize) -> Result<Json<'a>, JsonProblem> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.enter()?;
                let object = self.object(members_hint)?;
                self.remaining_depth += 1;
                Ok(Json::Object(object))
            }
            Some(b'[') => {
                self.pos += 1;
                self.enter()?;
                let array = self.array()?;
                self.remaining_depth += 1;
                Ok(Json::Array(array))
            }
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Json::String)
            }
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(JsonProblem::Invalid),
        }
    }

    fn enter(&mut self) -> Result<(), JsonProblem> {
        self.remaining_depth -= 1;
        if self.remaining_depth == 0 {
            return Err(JsonProblem::Invalid);
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8], value: Json<'a>) -> Result<Json<'a>, JsonProblem> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(JsonProblem::Invalid)
        }
    }

    /// After `{`.
    fn object(&mut self, members_hint: usize) -> Result<Object<'a>, JsonProblem> {
        let mut members: Vec<Member<'a>> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Object { members });
        }
        members.reserve(members_hint);
        let mut names: Option<HashSet<Cow<'a, str>>> = None;
        loop {
            self.expect(b'"')?;
            let name = self.string()?;
            let key = name_key(&name);
            let repeated = match &mut names {
                Some(names) => !names.insert(name.clone()),
                None => members.iter().any(|m| m.is(key, &name)),
            };
            if repeated {
                return Err(JsonProblem::Duplicate(
                    name.chars().take(MAX_NAME_ECHO).collect(),
                ));
            }
            self.expect(b':')?;
            let value = self.element()?;
            members.push(Member { key, name, value });
            if names.is_none() && members.len() == LINEAR_DUPLICATE_SCAN {
                names = Some(members.iter().map(|m| m.name.clone()).collect());
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Object { members });
                }
                _ => return Err(JsonProblem::Invalid),
            }
        }
    }

    /// After `[`.
    fn array(&mut self) -> Result<Vec<Json<'a>>, JsonProblem> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.element()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(JsonProblem::Invalid),
            }
        }
    }

    /// After the opening `"`: the string, borrowed when it holds no escape. Control characters
    /// are refused, and so is invalid UTF-8.
    #[inline(always)]
    fn string(&mut self) -> Result<Cow<'a, str>, JsonProblem> {
        let text = self.text;
        let start = self.pos;
        let mut i = start;
        // Eight bytes at a time: the first byte that ends the string or is refused is found
        // with word arithmetic, then handled below.
        while let Some(word) = text.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            let special = special_bytes(u64::from_le_bytes(*word));
            if special != 0 {
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        loop {
            match text.get(i) {
                None => return Err(JsonProblem::Invalid),
                Some(b'"') => {
                    self.pos = i + 1;
                    // Both ends are ASCII quotes, so char boundaries of a text already known
                    // to be UTF-8; otherwise the string is checked on its own.
                    let s = match self.utf8 {
                        Some(all) => all.get(start..i),
                        None => std::str::from_utf8(&text[start..i]).ok(),
                    };
                    return s.map(Cow::Borrowed).ok_or(JsonProblem::Invalid);
                }
                Some(b'\\') => {
                    self.pos = i;
                    return self.escaped_string(start);
                }
                Some(&b) if b < 0x20 => return Err(JsonProblem::Invalid),
                Some(_) => i += 1,
            }
        }
    }

    /// The rest of a string from `start` (after its `"`), with `self.pos` on its first `\`.
    #[cold]
    fn escaped_string(&mut self, start: usize) -> Result<Cow<'a, str>, JsonProblem> {
        let text = self.text;
        let mut out = text[start..self.pos].to_vec();
        loop {
            match text.get(self.pos) {
                None => return Err(JsonProblem::Invalid),
                Some(b'"') => {
                    self.pos += 1;
                    return String::from_utf8(out)
                        .map(Cow::Owned)
                        .map_err(|_| JsonProblem::Invalid);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(&b) if b < 0x20 => return Err(JsonProblem::Invalid),
                Some(&b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// After a `\`: one escape, appended to `out` (surrogates must pair, as serde_json requires
    /// for strings).
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonProblem> {
        let byte = self.peek().ok_or(JsonProblem::Invalid)?;
        self.pos += 1;
        let simple = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode_escape(out),
            _ => return Err(JsonProblem::Invalid),
        };
        out.push(simple);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonProblem> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or(JsonProblem::Invalid)?;
        let mut n = 0;
        for &d in digits {
            let v = char::from(d).to_digit(16).ok_or(JsonProblem::Invalid)?;
            n = n * 16 + v;
        }
        self.pos += 4;
        Ok(n)
    }

    /// After `\u`.
    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonProblem> {
        let n = self.hex4()?;
        let code = match n {
            0xDC00..=0xDFFF => return Err(JsonProblem::Invalid),
            0xD800..=0xDBFF => {
                if !self.text[self.pos..].starts_with(b"\\u") {
                    return Err(JsonProblem::Invalid);
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(JsonProblem::Invalid);
                }
                (((n - 0xD800) << 10) | (low - 0xDC00)) + 0x1_0000
            }
            _ => n,
        };
        let c = char::from_u32(code).ok_or(JsonProblem::Invalid)?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    /// A number: plain integers are converted here exactly as serde_json converts them (to
    /// `u64`, or to `i64` when negative); anything else (a fraction, an exponent, `-0`, more
    /// digits than fit) is handed to serde_json, which also refuses malformed numbers.
    fn number(&mut self) -> Result<Json<'a>, JsonProblem> {
        let text = self.text;
        let start = self.pos;
        // The common case in one pass: up to 18 digits, no leading zero, then a byte that
        // cannot continue a number.
        let negative = text.get(start) == Some(&b'-');
        let first = start + usize::from(negative);
        let mut end = first;
        let mut magnitude = 0u64;
        while let Some(&d) = text.get(end)
            && d.is_ascii_digit()
            && end - first < 18
        {
            magnitude = magnitude * 10 + u64::from(d - b'0');
            end += 1;
        }
        let continues = matches!(
            text.get(end),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        );
        let digits = &text[first..end];
        let plain = match digits {
            [b'1'..=b'9', ..] => true,
            [b'0'] => !negative,
            _ => false,
        };
        if plain && !continues {
            self.pos = end;
            return Ok(Json::Number(if negative {
                // At most 18 digits: below 2^63, so the negation is exact.
                Number::from(0i64.wrapping_sub_unsigned(magnitude))
            } else {
                Number::from(magnitude)
            }));
        }
        // Anything else (a fraction, an exponent, `-0`, more digits, a malformed number) as
        // serde_json reads it, over the same extent.
        let len = text[start..]
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        self.pos = start + len;
        match serde_json::from_slice::<Value>(&text[start..start + len]) {
            Ok(Value::Number(n)) => Ok(Json::Number(n)),
            _ => Err(JsonProblem::Invalid),
        }
    }

    /// A member's or an element's value: strings and numbers read here directly (most of a
    /// token's values), anything else through [`Reader::value`].
    #[inline]
    fn element(&mut self) -> Result<Json<'a>, JsonProblem> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Json::String)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.value(0),
        }
    }
}

/// Parses a JSON object into a [`Json`] tree borrowing from `bytes`, by the same rules as
/// [`parse_object`]: duplicate member names refused at every depth (the first repeated name in
/// document order is reported), trailing data refused, the same nesting limit.
///
/// # Errors
/// [`JsonProblem`]: not JSON, not an object, or a repeated member name.
pub(crate) fn parse_borrowed(bytes: &[u8]) -> Result<Object<'_>, JsonProblem> {
    let mut reader = Reader {
        text: bytes,
        utf8: std::str::from_utf8(bytes).ok(),
        pos: 0,
        remaining_depth: MAX_DEPTH,
    };
    let value = reader.value((bytes.len() / BYTES_PER_TOP_MEMBER).clamp(1, MAX_TOP_MEMBERS))?;
    reader.skip_whitespace();
    if reader.pos != bytes.len() {
        return Err(JsonProblem::Invalid);
    }
    match value {
        Json::Object(object) => Ok(object),
        _ => Err(JsonProblem::NotObject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_find_short_and_long_names_and_only_them() {
        const NAMES: NameList<5> = NameList::new(["iss", "auth_time", "auth_timer", "aud", "x"]);
        for name in ["iss", "auth_time", "auth_timer", "aud", "x"] {
            assert!(NAMES.contains(name_key(name), name), "{name}");
        }
        for name in [
            "is",
            "issx",
            "auth_tim",
            "auth_times",
            "auth_timers",
            "",
            "y",
        ] {
            assert!(!NAMES.contains(name_key(name), name), "{name}");
        }
        let object = parse_borrowed(br#"{"auth_time":1,"auth_timer":2,"auth_timex":3}"#).unwrap();
        let rest: Vec<&str> = object.iter_except(&NAMES).map(|(k, _)| k).collect();
        assert_eq!(rest, ["auth_timex"]);
        assert!(matches!(object.get("auth_timer"), Some(Json::Number(n)) if n.as_i64() == Some(2)));
    }
}
