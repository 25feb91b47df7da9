//! Compact JWS verification: size cap, shape, strict base64url, strict header parsing and
//! checks, key selection and the signature check (aws-lc directly; jsonwebtoken is not used here).

use crate::error::{HeaderError, KeySelectionError, TokenFormError, TokenPart, VerifyError, echo};
use crate::json::{self, Json, JsonProblem, Object};
use crate::keys::{KeyAlgorithm, KeySet, MAX_KID_BYTES, VerificationKey};

/// Which `typ` header values a kind of token accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypRule {
    /// Absent or `JWT` (ID tokens, core identity JWTs).
    Jwt,
    /// Absent or `logout+jwt` (back-channel logout tokens).
    Logout,
}

impl TypRule {
    fn expected(self) -> &'static str {
        match self {
            Self::Jwt => "`JWT` or no `typ`",
            Self::Logout => "`logout+jwt` or no `typ`",
        }
    }

    fn accepts(self, typ: &str) -> bool {
        // Case-insensitive, with an optional `application/` prefix (RFC 7515 §4.1.9).
        const PREFIX: &str = "application/";
        let t = match typ.get(..PREFIX.len()) {
            Some(p) if p.eq_ignore_ascii_case(PREFIX) => &typ[PREFIX.len()..],
            _ => typ,
        };
        match self {
            Self::Jwt => t.eq_ignore_ascii_case("jwt"),
            Self::Logout => t.eq_ignore_ascii_case("logout+jwt"),
        }
    }
}

/// A compact JWS whose shape and header passed every check; nothing in it is verified yet.
/// (No `Debug`: it holds the token.)
pub(crate) struct Compact<'a> {
    pub(crate) algorithm: KeyAlgorithm,
    pub(crate) kid: Option<String>,
    signing_input: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
}

/// The decoded payload of a token whose signature verified; [`Payload::claims`] parses it.
/// (No `Debug`: it holds the claims.)
pub(crate) struct Payload {
    bytes: Vec<u8>,
}

impl Payload {
    /// The payload as a strictly parsed JSON object (duplicate members refused at every depth),
    /// borrowing from the decoded bytes.
    pub(crate) fn claims(&self) -> Result<Object<'_>, VerifyError> {
        parse_json(&self.bytes, TokenPart::Payload)
    }
}

/// Whether `b` is in the base64url alphabet. Branch-free, so that [`all_b64url`] vectorises.
#[inline(always)]
fn is_b64url_byte(b: u8) -> bool {
    // `| 0x20` maps `A`..=`Z` onto `a`..=`z` and nothing else onto them.
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10) | (b == b'-') | (b == b'_')
}

/// Whether every byte of `chunk` is in the base64url alphabet. No early exit: the fold
/// compiles to vector compares.
#[inline(always)]
fn all_b64url(chunk: &[u8; 32]) -> bool {
    chunk.iter().fold(true, |ok, &b| ok & is_b64url_byte(b))
}

/// Decodes a segment already checked by [`split`] (alphabet only: the length and the unused
/// bits are checked here).
fn decode_segment(segment: &str, part: TokenPart) -> Result<Vec<u8>, VerifyError> {
    b64url::decode(segment.as_bytes()).ok_or(VerifyError::Form(TokenFormError::Base64 { part }))
}

/// Unpadded base64url decoding, strict as the `base64` crate's `URL_SAFE_NO_PAD` engine (a
/// length of 1 modulo 4 refused, unused bits of the last character zero), for segments whose
/// alphabet [`split`] already checked: sixteen characters at a time through a branch-free
/// mapping that compiles to vector instructions, then word shifts; the last partial block is
/// padded with `A` (zero bits) and goes the same way.
mod b64url {
    /// The value of a base64url character (`A`-`Z`, `a`-`z`, `0`-`9`, `-`, `_`; other bytes
    /// give meaningless values, which is why the alphabet is checked first).
    #[inline(always)]
    fn sextet(c: u8) -> u8 {
        // What to add to each kind of character, chosen without branches.
        let offset = if c == b'_' {
            63u8.wrapping_sub(b'_')
        } else if c == b'-' {
            62 - b'-'
        } else if c <= b'9' {
            52u8.wrapping_sub(b'0')
        } else if c >= b'a' {
            26u8.wrapping_sub(b'a')
        } else {
            0u8.wrapping_sub(b'A')
        };
        c.wrapping_add(offset)
    }

    /// The decoded length of a text of `len` characters, or `None` when no text has that length.
    pub(super) fn decoded_len(len: usize) -> Option<usize> {
        match len % 4 {
            1 => None,
            rest => Some(len / 4 * 3 + rest.saturating_sub(1)),
        }
    }

    /// Eight sextets (the first in the low byte) as one 48-bit value, the first in the high bits.
    #[inline(always)]
    fn join8(x: u64) -> u64 {
        // Pairs of sextets into 12-bit values in each 16-bit lane, then pairs of those into
        // 24-bit values in each 32-bit lane, then the two lanes.
        let pairs = ((x & 0x00FF_00FF_00FF_00FF) << 6) | ((x >> 8) & 0x00FF_00FF_00FF_00FF);
        let quads =
            ((pairs & 0x0000_FFFF_0000_FFFF) << 12) | ((pairs >> 16) & 0x0000_FFFF_0000_FFFF);
        ((quads & 0x00FF_FFFF) << 24) | (quads >> 32)
    }

    /// Sixteen sextets (valid ones, below 64) into twelve bytes.
    #[inline(always)]
    fn pack16(sextets: &[u8]) -> [u8; 12] {
        let mut word = [0u8; 8];
        word.copy_from_slice(&sextets[..8]);
        let a = join8(u64::from_le_bytes(word));
        word.copy_from_slice(&sextets[8..16]);
        let b = join8(u64::from_le_bytes(word));
        // `a`'s six bytes and `b`'s first two, then `b`'s last four.
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&((a << 16) | (b >> 32)).to_be_bytes());
        out[8..].copy_from_slice(&(b as u32).to_be_bytes());
        out
    }

    /// Characters mapped to sextets per pass, through stack buffers: a loop of unknown length
    /// over them, which the compiler vectorises (a fixed 16-lane array it unrolls into scalar
    /// code).
    const PASS: usize = 256;

    /// Each pass is padded with `A` (a zero sextet) to a multiple of this, so that no character
    /// takes the compiler's scalar remainder loop.
    const LANES: usize = 64;

    /// Decodes `input` (its alphabet checked by [`split`](super::split)) into the start
    /// of `out`; returns the decoded length, or `None` when the length is impossible, the last
    /// character has unused bits set, or `out` is too short.
    pub(super) fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
        let len = decoded_len(input.len())?;
        let out = out.get_mut(..len)?;
        let mut written = 0;
        let mut chars = [b'A'; LANES];
        let mut sextets = [0u8; PASS];
        for chunk in input.chunks(PASS) {
            // Whole vector steps straight from the input; the rest through `chars`, padded.
            let direct = chunk.len() / LANES * LANES;
            for (v, &c) in sextets[..direct].iter_mut().zip(&chunk[..direct]) {
                *v = sextet(c);
            }
            let tail = &chunk[direct..];
            if !tail.is_empty() {
                chars[..tail.len()].copy_from_slice(tail);
                chars[tail.len()..].fill(b'A');
                for (v, &c) in sextets[direct..direct + LANES].iter_mut().zip(&chars) {
                    *v = sextet(c);
                }
            }
            let whole = chunk.len() / 16 * 16;
            for block in sextets[..whole].chunks_exact(16) {
                out.get_mut(written..written + 12)?
                    .copy_from_slice(&pack16(block));
                written += 12;
            }
            // Only the last pass ends in a partial block, padded with zero sextets: the unused
            // bits of its last character are in the byte after the used ones.
            if whole < chunk.len() {
                let bytes = pack16(&sextets[whole..whole + 16]);
                let (used, unused) = bytes.split_at(len - written);
                out.get_mut(written..)?.copy_from_slice(used);
                if unused.first() != Some(&0) {
                    return None;
                }
                written = len;
            }
        }
        (written == len).then_some(len)
    }

    /// Decodes `input` into a new vector.
    pub(super) fn decode(input: &[u8]) -> Option<Vec<u8>> {
        let len = decoded_len(input.len())?;
        // Not `vec![0; len]`: that allocates with `calloc`, which glibc serves without its
        // per-thread cache (measurably slower per token than malloc and a memset).
        #[allow(clippy::slow_vector_initialization)]
        let mut out = Vec::with_capacity(len);
        out.resize(len, 0);
        decode_into(input, &mut out)?;
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use proptest::prelude::*;

        use super::decode;

        #[test]
        fn decodes_like_the_base64_crate_at_every_length_and_edge() {
            let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            assert_eq!(
                decode(alphabet.as_bytes()),
                URL_SAFE_NO_PAD.decode(alphabet).ok()
            );
            for len in 0..80 {
                let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
                let text = URL_SAFE_NO_PAD.encode(&bytes);
                assert_eq!(decode(text.as_bytes()), Some(bytes));
            }
            for bad in [
                "A",
                "AAAAA",
                "AB",
                "ABC",
                "QQ",
                "QUI",
                "QUJ",
                "QUJD",
                "_-_-_-_-_-_-_-_-_B",
            ] {
                assert_eq!(
                    decode(bad.as_bytes()),
                    URL_SAFE_NO_PAD.decode(bad).ok(),
                    "{bad}"
                );
            }
        }

        proptest! {
            #[test]
            fn agrees_with_the_base64_crate(
                text in prop_oneof![
                    "[A-Za-z0-9_-]{0,80}",
                    "[AQgw_-]{0,40}",
                    prop::collection::vec(any::<u8>(), 0..64)
                        .prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
                ],
            ) {
                prop_assert_eq!(decode(text.as_bytes()), URL_SAFE_NO_PAD.decode(&text).ok());
            }
        }
    }
}

fn parse_json(bytes: &[u8], part: TokenPart) -> Result<Object<'_>, VerifyError> {
    json::parse_borrowed(bytes).map_err(|p| match p {
        JsonProblem::Duplicate(name) => {
            VerifyError::Form(TokenFormError::DuplicateMember { part, name })
        }
        JsonProblem::Invalid | JsonProblem::NotObject => {
            VerifyError::Form(TokenFormError::NotJson { part })
        }
    })
}

/// The checks before any scanning: the size cap, an empty token, the JSON serialisation.
/// Inlined: it is the first thing every verification does.
#[inline(always)]
fn check_size_and_form(token: &str, max_bytes: usize) -> Result<(), VerifyError> {
    if token.len() > max_bytes {
        return Err(VerifyError::Form(TokenFormError::TooLarge {
            max: max_bytes,
            actual: token.len(),
        }));
    }
    if token.is_empty() {
        return Err(VerifyError::Form(TokenFormError::Empty));
    }
    if token.trim_start().starts_with('{') {
        return Err(VerifyError::Form(TokenFormError::JsonSerialization));
    }
    Ok(())
}

/// Splits the token and checks size and shape: at most `max_bytes`, exactly three segments of
/// unpadded base64url. Returns the three segments.
fn split(token: &str, max_bytes: usize) -> Result<[&str; 3], VerifyError> {
    check_size_and_form(token, max_bytes)?;
    // One pass over the token, 32 bytes at a time: a block wholly in the alphabet (nearly all
    // of them) costs a few vector compares; the others are read byte by byte for the dots and
    // for the first byte outside the alphabet. No vector of segments.
    let bytes = token.as_bytes();
    let mut dots = 0usize;
    let mut dot_at = [0usize; 2];
    let mut first_bad = None;
    // A block outside the alphabet: its dots, then (only if something else is there too) its
    // first byte that is neither a dot nor base64url.
    let mut scan = |start: usize, chunk: &[u8]| {
        let mut from = 0;
        while let Some(i) = chunk[from..].iter().position(|&b| b == b'.') {
            if let Some(at) = dot_at.get_mut(dots) {
                *at = start + from + i;
            }
            dots += 1;
            from += i + 1;
        }
        let only_dots = chunk
            .iter()
            .fold(true, |ok, &b| ok & (is_b64url_byte(b) | (b == b'.')));
        if !only_dots && first_bad.is_none() {
            first_bad = chunk
                .iter()
                .position(|&b| !is_b64url_byte(b) && b != b'.')
                .map(|i| start + i);
        }
    };
    let mut blocks = bytes.chunks_exact(32);
    for (n, chunk) in (&mut blocks).enumerate() {
        if !chunk.first_chunk::<32>().is_some_and(all_b64url) {
            scan(n * 32, chunk);
        }
    }
    let rest = blocks.remainder();
    let mut last = [b'A'; 32];
    last[..rest.len()].copy_from_slice(rest);
    if !all_b64url(&last) {
        scan(bytes.len() - rest.len(), rest);
    }
    match dots {
        2 => {}
        4 => return Err(VerifyError::Form(TokenFormError::Encrypted)),
        _ => {
            return Err(VerifyError::Form(TokenFormError::Segments {
                segments: dots + 1,
            }));
        }
    }
    // Dots are ASCII: both splits fall on character boundaries.
    let (h, rest) = token.split_at(dot_at[0]);
    let (p, s) = rest[1..].split_at(dot_at[1] - dot_at[0] - 1);
    let s = &s[1..];
    if let Some(bad) = first_bad {
        let part = if bad < dot_at[0] {
            TokenPart::Header
        } else if bad < dot_at[1] {
            TokenPart::Payload
        } else {
            TokenPart::Signature
        };
        return Err(VerifyError::Form(TokenFormError::Base64 { part }));
    }
    Ok([h, p, s])
}

fn header_str<'h>(
    header: &'h Object<'_>,
    name: &'static str,
) -> Result<Option<&'h str>, VerifyError> {
    match header.get(name) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(VerifyError::Header(HeaderError::MemberType { name })),
    }
}

fn check_kid(kid: &str) -> Result<(), VerifyError> {
    if kid.is_empty() {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "empty",
        }));
    }
    if kid.len() > MAX_KID_BYTES {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "longer than 512 bytes",
        }));
    }
    let control = if kid.is_ascii() {
        kid.bytes()
            .fold(false, |found, b| found | b.is_ascii_control())
    } else {
        kid.chars().any(char::is_control)
    };
    if control {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "holds control characters",
        }));
    }
    Ok(())
}

/// Reads the header's `kid` after the size and shape checks, without checking anything else.
fn read_kid(header: &Object<'_>) -> Result<Option<String>, VerifyError> {
    let kid = header_str(header, "kid")?;
    if let Some(kid) = kid {
        check_kid(kid)?;
    }
    Ok(kid.map(str::to_owned))
}

/// Decoded headers up to this size are decoded on the stack (a One Login header is under 100
/// bytes); larger ones, up to the token's size cap, on the heap.
const STACK_HEADER_BYTES: usize = 1024;

/// Decodes and strictly parses the header segment, then hands the header to `check`.
fn with_header<T>(
    segment: &str,
    check: impl FnOnce(&Object<'_>) -> Result<T, VerifyError>,
) -> Result<T, VerifyError> {
    let mut stack = [0u8; STACK_HEADER_BYTES];
    let heap: Vec<u8>;
    let bytes: &[u8] = match b64url::decode_into(segment.as_bytes(), &mut stack) {
        Some(n) => &stack[..n],
        None if b64url::decoded_len(segment.len()).is_some_and(|n| n > STACK_HEADER_BYTES) => {
            heap = decode_segment(segment, TokenPart::Header)?;
            &heap
        }
        None => {
            return Err(VerifyError::Form(TokenFormError::Base64 {
                part: TokenPart::Header,
            }));
        }
    };
    check(&parse_json(bytes, TokenPart::Header)?)
}

/// The unverified `kid` of a token, after the size and shape checks and a strict header parse.
pub(crate) fn token_kid(token: &str, max_bytes: usize) -> Result<Option<String>, VerifyError> {
    let [h, _, _] = split(token, max_bytes)?;
    with_header(h, read_kid)
}

/// Parses and checks a token's shape and header. `allowed` is the one algorithm accepted.
pub(crate) fn parse(
    token: &str,
    max_bytes: usize,
    allowed: KeyAlgorithm,
    typ: TypRule,
) -> Result<Compact<'_>, VerifyError> {
    let [h, p, s] = split(token, max_bytes)?;
    let kid = with_header(h, |header| check_header(header, allowed, typ))?;
    let signing_input = &token[..h.len() + 1 + p.len()];
    Ok(Compact {
        algorithm: allowed,
        kid,
        signing_input,
        payload_b64: p,
        signature_b64: s,
    })
}

/// The header checks, in order; returns the `kid`.
fn check_header(
    header: &Object<'_>,
    allowed: KeyAlgorithm,
    typ: TypRule,
) -> Result<Option<String>, VerifyError> {
    let alg = match header.get("alg") {
        None => return Err(VerifyError::Header(HeaderError::AlgorithmMissing)),
        Some(Json::String(a)) => a.as_ref(),
        Some(_) => return Err(VerifyError::Header(HeaderError::MemberType { name: "alg" })),
    };
    if alg.eq_ignore_ascii_case("none") {
        return Err(VerifyError::Header(HeaderError::AlgorithmNone));
    }
    if alg != allowed.as_str() {
        return Err(VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: allowed.as_str(),
            actual: echo(alg, 64),
        }));
    }
    if header.contains_key("crit") {
        return Err(VerifyError::Header(HeaderError::Critical));
    }
    for name in ["jku", "jwk", "x5u", "x5c"] {
        if header.contains_key(name) {
            return Err(VerifyError::Header(HeaderError::EmbeddedKey { name }));
        }
    }
    if header.contains_key("cty") {
        return Err(VerifyError::Header(HeaderError::NestedToken));
    }
    if let Some(t) = header_str(header, "typ")?
        && !typ.accepts(t)
    {
        return Err(VerifyError::Header(HeaderError::UnexpectedType {
            expected: typ.expected(),
            actual: echo(t, 64),
        }));
    }
    read_kid(header)
}

/// Parses and checks a token's shape and header, selects its key from `keys` by `kid` and checks
/// the signature: the steps every token verified against a JWKS takes, in this order. Returns
/// the decoded payload and the `kid`.
#[inline]
pub(crate) fn verify_with_keys(
    token: &str,
    keys: &KeySet,
    max_bytes: usize,
    allowed: KeyAlgorithm,
    typ: TypRule,
) -> Result<(Payload, Option<String>), VerifyError> {
    let compact = parse(token, max_bytes, allowed, typ)?;
    let key = select_key(keys, compact.kid.as_deref())?;
    let payload = compact.verify(key)?;
    Ok((payload, compact.kid))
}

/// Selects the key for the token: exactly one key with its `kid`; with no `kid`, the only key of
/// a one-key set.
fn select_key<'k>(keys: &'k KeySet, kid: Option<&str>) -> Result<&'k VerificationKey, VerifyError> {
    if keys.is_empty() {
        return Err(VerifyError::Key(KeySelectionError::NoKeys));
    }
    match kid {
        Some(kid) => keys.get(kid).ok_or_else(|| {
            VerifyError::Key(KeySelectionError::UnknownKid {
                kid: kid.to_owned(),
            })
        }),
        None => keys
            .single()
            .ok_or(VerifyError::Key(KeySelectionError::KidRequired {
                keys: keys.len(),
            })),
    }
}

/// The longest signature decoded: an RSA-8192 signature is 1,024 bytes; anything longer cannot
/// verify with any key a [`KeySet`] holds.
const MAX_SIGNATURE_BYTES: usize = 1024;

impl Compact<'_> {
    /// Checks the key suits the token, then the signature; on success returns the decoded
    /// payload (parse it with [`Payload::claims`]).
    pub(crate) fn verify(&self, key: &VerificationKey) -> Result<Payload, VerifyError> {
        if key.algorithm() != self.algorithm {
            return Err(VerifyError::Key(KeySelectionError::AlgorithmMismatch {
                kid: key.kid().unwrap_or_default().to_owned(),
                key_algorithm: key.algorithm().as_str(),
                token_algorithm: self.algorithm.as_str(),
            }));
        }
        let mut signature = [0u8; MAX_SIGNATURE_BYTES];
        let len = b64url::decode_into(self.signature_b64.as_bytes(), &mut signature)
            .ok_or(VerifyError::SignatureInvalid)?;
        let signature = &signature[..len];
        if self.algorithm == KeyAlgorithm::ES256 && signature.len() != 64 {
            return Err(VerifyError::SignatureInvalid);
        }
        // The key was parsed once, when the JWKS was; aws-lc only checks the signature here.
        key.parsed_key()
            .verify_sig(self.signing_input.as_bytes(), signature)
            .map_err(|_| VerifyError::SignatureInvalid)?;
        let bytes = decode_segment(self.payload_b64, TokenPart::Payload)?;
        Ok(Payload { bytes })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The splitter as it was first written (a vector of segments, each checked in turn): the
    /// one-pass splitter must give the same result, error or segments, for any token.
    fn reference_split(token: &str, max_bytes: usize) -> Result<[&str; 3], VerifyError> {
        // The checks before the scan are not what the one pass changed: both share them.
        check_size_and_form(token, max_bytes)?;
        let segments: Vec<&str> = token.split('.').collect();
        match segments.as_slice() {
            [h, p, s] => {
                for (seg, part) in [
                    (h, TokenPart::Header),
                    (p, TokenPart::Payload),
                    (s, TokenPart::Signature),
                ] {
                    if !seg.bytes().all(is_b64url_byte) {
                        return Err(VerifyError::Form(TokenFormError::Base64 { part }));
                    }
                }
                Ok([h, p, s])
            }
            [_, _, _, _, _] => Err(VerifyError::Form(TokenFormError::Encrypted)),
            other => Err(VerifyError::Form(TokenFormError::Segments {
                segments: other.len(),
            })),
        }
    }

    #[test]
    fn splitter_agrees_with_the_reference_on_edge_cases() {
        let long = "A".repeat(70);
        let cases = [
            String::new(),
            ".".into(),
            "..".into(),
            "...".into(),
            "....".into(),
            "a.b.c".into(),
            "a.b.c.d.e".into(),
            "a.b!.c.d.e".into(),
            "a=.b.c".into(),
            "a.b+.c".into(),
            "a.b.c/".into(),
            "a!.b!.c!".into(),
            " {\"a\":1}".into(),
            format!("{long}.{long}.{long}"),
            format!("{long}!.{long}.{long}"),
            format!("{long}.{long}.{long}.{long}"),
            format!("{long}.{long}é.{long}"),
            format!("{long}.{long}.{long}\u{0}"),
        ];
        for token in &cases {
            assert_eq!(
                split(token, 1 << 20),
                reference_split(token, 1 << 20),
                "{token}"
            );
        }
        assert_eq!(split("a.b.c", 4), reference_split("a.b.c", 4));
    }

    proptest! {
        #[test]
        fn splitter_agrees_with_the_reference(
            token in prop_oneof![
                "[A-Za-z0-9_.-]{0,120}",
                "[A-Za-z0-9_.=+/!é -]{0,120}",
                ("[A-Za-z0-9_-]{0,80}", "[A-Za-z0-9_-]{0,80}", "[A-Za-z0-9_.=-]{0,80}")
                    .prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
            ],
        ) {
            prop_assert_eq!(split(&token, 1 << 20), reference_split(&token, 1 << 20));
        }
    }
}
