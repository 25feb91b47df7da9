//! Strict JSON parsing: like `serde_json::from_slice::<Value>`, but a repeated member name in any
//! object is an error instead of silently keeping the last value.
//!
//! Two outputs with the same grammar and the same rule: [`parse_object`] builds an owned
//! `Map<String, Value>` (provider documents, parsed once per fetch), and [`parse_borrowed`] builds
//! a [`Json`] tree whose strings borrow from the text where they hold no escape, with objects as
//! small vectors (token headers and payloads, parsed once per token: no allocation per member name
//! or string value, no tree map).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

mod borrowed;

pub(crate) use borrowed::{Json, NameList, Object, parse_borrowed};

/// The prefix of the custom error raised for a duplicate member.
const DUPLICATE_MARKER: &str = "\u{1}duplicate member:";

/// The longest member name echoed back in an error.
const MAX_NAME_ECHO: usize = 64;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Not JSON at all (or trailing data).
    Invalid,
    /// Valid JSON, but not an object.
    NotObject,
    /// An object repeats a member name.
    Duplicate(String),
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn duplicate<E: de::Error>(key: &str) -> E {
    let shown: String = key.chars().take(MAX_NAME_ECHO).collect();
    de::Error::custom(format_args!("{DUPLICATE_MARKER}{shown}"))
}

fn problem(e: &serde_json::Error) -> JsonProblem {
    let text = e.to_string();
    match text.strip_prefix(DUPLICATE_MARKER) {
        Some(rest) => {
            // serde_json appends " at line L column C".
            let name = rest.rsplit_once(" at line ").map_or(rest, |(n, _)| n);
            JsonProblem::Duplicate(name.to_owned())
        }
        None => JsonProblem::Invalid,
    }
}

/// Parses any JSON value, refusing duplicate member names at every depth.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<Value, JsonProblem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    parsed.map(|Strict(v)| v).map_err(|e| problem(&e))
}

/// Parses a JSON object, refusing duplicate member names at every depth.
///
/// # Errors
/// [`JsonProblem`]: not JSON, not an object, or a repeated member name.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonProblem> {
    match parse_value(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonProblem::NotObject),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn refuses_duplicate_members_at_any_depth() {
        assert_eq!(
            parse_object(br#"{"a":1,"a":2}"#),
            Err(JsonProblem::Duplicate("a".into()))
        );
        assert_eq!(
            parse_object(br#"{"a":{"b":[{"c":1,"c":1}]}}"#),
            Err(JsonProblem::Duplicate("c".into()))
        );
    }

    #[test]
    fn refuses_deeply_nested_json_without_overflowing_the_stack() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_object(deep.as_bytes()), Err(JsonProblem::Invalid));
    }

    #[test]
    fn accepts_ordinary_objects_and_refuses_non_objects_and_trailing_data() {
        let m = parse_object(br#"{"a":[1,-2,1.5,"x",null,true],"b":{}}"#).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(parse_object(b"[1]"), Err(JsonProblem::NotObject));
        assert_eq!(parse_object(b"{} {}"), Err(JsonProblem::Invalid));
        assert_eq!(parse_object(b"{"), Err(JsonProblem::Invalid));
        assert_eq!(parse_object(b""), Err(JsonProblem::Invalid));
    }

    /// What [`parse_borrowed`] gives, in the owned form, for comparison with [`parse_object`].
    fn borrowed_as_owned(bytes: &[u8]) -> Result<Map<String, Value>, JsonProblem> {
        parse_borrowed(bytes).map(|o| o.to_map())
    }

    #[test]
    fn borrowed_parser_agrees_with_the_owned_one_on_edge_cases() {
        let cases: &[&[u8]] = &[
            br#"{}"#,
            br#" { "a" : [ 1 , -2 , 1.5 , "x" , null , true , false ] , "b" : { } } "#,
            br#"{"a":1,"a":2}"#,
            br#"{"a":{"b":[{"c":1,"c":1}]}}"#,
            br#"{"a":1,"\u0061":2}"#,
            br#"{"a":1,"a":2,"b":"\xff"}"#,
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\xa9\",\"\xc3\xa9\":1}",
            br#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
            br#"{"s":"\ud83d"}"#,
            br#"{"s":"\ude00"}"#,
            br#"{"s":"\ud83dx"}"#,
            br#"{"s":"\ud83d\u0041"}"#,
            br#"{"s":"\x"}"#,
            br#"{"s":"\u12"}"#,
            b"{\"s\":\"a\tb\"}",
            b"{\"s\":\"a\x7fb\"}",
            br#"{"n":0,"m":-0,"o":-1,"p":18446744073709551615,"q":18446744073709551616}"#,
            br#"{"n":-9223372036854775808,"m":-9223372036854775809,"o":123456789012345678}"#,
            br#"{"n":1e5,"m":1E-5,"o":-1.25e+3,"p":0.1,"q":1e400}"#,
            br#"{"n":01}"#,
            br#"{"n":1.}"#,
            br#"{"n":.5}"#,
            br#"{"n":-}"#,
            br#"{"n":1e}"#,
            br#"{"n":+1}"#,
            br#"{"n":1-2}"#,
            br#"{"n":1.5.3}"#,
            br#"{"a":1,}"#,
            br#"{"a":[1,]}"#,
            br#"{,"a":1}"#,
            br#"{"a" 1}"#,
            br#"{"a":1 "b":2}"#,
            br#"{a:1}"#,
            br#"{"a":tru}"#,
            br#"{"a":truex}"#,
            br#"{"a":nul}"#,
            br#"{} {}"#,
            br#"{}x"#,
            b"{}\n\t\r ",
            b"\xef\xbb\xbf{}",
            br#"[1]"#,
            br#""x""#,
            br#"1"#,
            b"",
            b"{",
            b"{\"a\"",
            b"{\"a\":",
            b"{\"a\":1",
            b"{\"a\":\"",
            b"{\"a\":1,\"a\"",
        ];
        for case in cases {
            assert_eq!(
                borrowed_as_owned(case),
                parse_object(case),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    #[test]
    fn borrowed_parser_keeps_the_nesting_limit() {
        for depth in [120, 126, 127, 128, 129, 200] {
            let doc = format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(
                borrowed_as_owned(doc.as_bytes()),
                parse_object(doc.as_bytes()),
                "depth {depth}"
            );
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse_borrowed(deep.as_bytes()), Err(JsonProblem::Invalid));
    }

    #[test]
    fn borrowed_parser_finds_duplicates_in_large_objects_and_borrows_plain_strings() {
        let mut doc = String::from("{");
        for i in 0..40 {
            doc.push_str(&format!("\"k{i}\":{i},"));
        }
        doc.push_str("\"k7\":0}");
        assert_eq!(
            parse_borrowed(doc.as_bytes()),
            Err(JsonProblem::Duplicate("k7".into()))
        );
        let long = "x".repeat(100);
        let doc = format!("{{\"{long}\":1,\"{long}\":2}}");
        assert_eq!(
            parse_borrowed(doc.as_bytes()),
            Err(JsonProblem::Duplicate("x".repeat(MAX_NAME_ECHO)))
        );
        let text = br#"{"plain":"a string long enough to cross sixteen bytes","esc":"a\nb"}"#;
        let object = parse_borrowed(text).unwrap();
        assert!(matches!(
            object.get("plain"),
            Some(Json::String(Cow::Borrowed(_)))
        ));
        assert!(matches!(object.get("esc"), Some(Json::String(Cow::Owned(s))) if s == "a\nb"));
    }

    mod differential {
        use proptest::prelude::*;

        use super::super::{parse_borrowed, parse_object};

        /// JSON texts from a small grammar with random spacing, biased towards the shapes that
        /// matter (short, repeated names; escapes; numbers of every form).
        fn text() -> impl Strategy<Value = String> {
            let name = prop_oneof![
                Just("a".to_owned()),
                Just("b".to_owned()),
                Just("\\u0061".to_owned()),
                "[a-c]{1,3}",
                "[ -~&&[^\"\\\\]]{0,20}",
            ];
            let string = prop_oneof![
                "[ -~&&[^\"\\\\]]{0,40}",
                Just("\\\"\\\\\\/\\b\\f\\n\\r\\t".to_owned()),
                Just("\\u00e9\\ud83d\\ude00é".to_owned()),
                Just("\\ud83d".to_owned()),
            ];
            let number = prop_oneof![
                any::<i64>().prop_map(|n| n.to_string()),
                any::<u64>().prop_map(|n| n.to_string()),
                any::<f64>().prop_map(|f| format!("{f:e}")),
                "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
                "[-+0-9.eE]{1,6}",
            ];
            let leaf = prop_oneof![
                Just("null".to_owned()),
                Just("true".to_owned()),
                Just("false".to_owned()),
                number,
                string.prop_map(|s| format!("\"{s}\"")),
            ];
            let ws = "[ \\t\\n\\r]{0,2}";
            leaf.prop_recursive(4, 48, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec((inner.clone(), ws), 0..6).prop_map(|items| {
                        let items: Vec<String> = items
                            .into_iter()
                            .map(|(v, w)| format!("{w}{v}{w}"))
                            .collect();
                        format!("[{}]", items.join(","))
                    }),
                    prop::collection::vec((name.clone(), inner, ws), 0..6).prop_map(|members| {
                        let members: Vec<String> = members
                            .into_iter()
                            .map(|(k, v, w)| format!("{w}\"{k}\"{w}:{w}{v}{w}"))
                            .collect();
                        format!("{{{}}}", members.join(","))
                    }),
                ]
            })
            .prop_map(|v| format!("{{\"top\":{v}}}"))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn agrees_with_the_owned_parser(doc in text()) {
                let owned = parse_object(doc.as_bytes());
                let borrowed = parse_borrowed(doc.as_bytes()).map(|o| o.to_map());
                prop_assert_eq!(borrowed, owned);
            }

            #[test]
            fn agrees_with_the_owned_parser_on_damaged_texts(
                doc in text(),
                cut in any::<prop::sample::Index>(),
                at in any::<prop::sample::Index>(),
                byte in prop_oneof![
                    Just(b'"'), Just(b'\\'), Just(b','), Just(b':'), Just(b'}'), Just(b']'),
                    Just(b'{'), Just(b'['), Just(b'-'), Just(b'.'), Just(0x01), Just(0xff),
                    any::<u8>(),
                ],
            ) {
                let mut bytes = doc.into_bytes();
                let at = at.index(bytes.len());
                bytes[at] = byte;
                let cut = cut.index(bytes.len() + 1);
                for text in [&bytes[..], &bytes[..cut]] {
                    let owned = parse_object(text);
                    let borrowed = parse_borrowed(text).map(|o| o.to_map());
                    prop_assert_eq!(borrowed, owned);
                }
            }
        }
    }
}
