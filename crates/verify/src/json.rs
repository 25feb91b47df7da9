//! Strict JSON parsing: like `serde_json::from_slice::<Value>`, but a repeated member name in any
//! object is an error instead of silently keeping the last value.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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
                let shown: String = key.chars().take(MAX_NAME_ECHO).collect();
                return Err(de::Error::custom(format_args!("{DUPLICATE_MARKER}{shown}")));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses any JSON value, refusing duplicate member names at every depth.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<Value, JsonProblem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(Strict(v)) => Ok(v),
        Err(e) => {
            let text = e.to_string();
            match text.strip_prefix(DUPLICATE_MARKER) {
                Some(rest) => {
                    // serde_json appends " at line L column C".
                    let name = rest.rsplit_once(" at line ").map_or(rest, |(n, _)| n);
                    Err(JsonProblem::Duplicate(name.to_owned()))
                }
                None => Err(JsonProblem::Invalid),
            }
        }
    }
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
}
