//! Vectors of trust (RFC 8485) as One Login reads them: a credential level and an optional level of
//! identity confidence, written `Cl`, `Cl.Cm` or `Cl.Cm.P2`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The credential (authentication) level, GPG 44. Serialised in its wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CredentialLevel {
    /// `Cl`: password only (low). Cannot be combined with identity.
    #[serde(rename = "Cl")]
    Cl,
    /// `Cl.Cm`: password and a second factor (medium). One Login's default.
    #[serde(rename = "Cl.Cm")]
    ClCm,
}

impl CredentialLevel {
    /// The wire form: `Cl` or `Cl.Cm` (also the `vot` of an ID token).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cl => "Cl",
            Self::ClCm => "Cl.Cm",
        }
    }

    /// Parses the wire form exactly (`vot` claims are compared byte for byte).
    pub fn from_wire(value: &str) -> Option<Self> {
        match value {
            "Cl" => Some(Self::Cl),
            "Cl.Cm" => Some(Self::ClCm),
            _ => None,
        }
    }
}

impl fmt::Display for CredentialLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The level of identity confidence, GPG 45. Serialised in its wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IdentityLevel {
    /// `P0`: no identity.
    P0,
    /// `P1`: low confidence.
    P1,
    /// `P2`: medium confidence (the usual identity level).
    P2,
    /// `P3`: high confidence.
    P3,
}

impl IdentityLevel {
    /// The wire form, e.g. `P2` (also the `vot` of a core identity JWT).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P0 => "P0",
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
        }
    }

    /// Parses the wire form exactly.
    pub fn from_wire(value: &str) -> Option<Self> {
        match value {
            "P0" => Some(Self::P0),
            "P1" => Some(Self::P1),
            "P2" => Some(Self::P2),
            "P3" => Some(Self::P3),
            _ => None,
        }
    }

    /// Whether this level asks One Login to prove the user's identity (anything above `P0`).
    pub fn proves_identity(self) -> bool {
        self != Self::P0
    }
}

impl fmt::Display for IdentityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a vector of trust was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VtrError {
    /// The vector was empty.
    #[error("the vector of trust is empty; use Cl.Cm (authentication) or Cl.Cm.P2 (identity)")]
    Empty,
    /// A component is neither a credential nor an identity level One Login knows.
    #[error(
        "`{component}` in `{vector}` is not a level One Login knows; use Cl, Cm, P0, P1, P2 or P3"
    )]
    UnknownComponent {
        /// The whole vector.
        vector: String,
        /// The unknown component.
        component: String,
    },
    /// The credential components do not form `Cl` or `Cl.Cm`.
    #[error("the credential part of `{vector}` must be exactly Cl or Cl.Cm")]
    BadCredential {
        /// The whole vector.
        vector: String,
    },
    /// More than one identity level.
    #[error("`{vector}` holds more than one P level; give exactly one")]
    SeveralIdentityLevels {
        /// The whole vector.
        vector: String,
    },
    /// An identity level above P0 with only `Cl`.
    #[error("`{vector}` asks for identity with Cl; identity needs Cl.Cm (for example Cl.Cm.P2)")]
    IdentityNeedsMediumCredential {
        /// The whole vector.
        vector: String,
    },
    /// The `vtr` parameter is not a JSON array of strings.
    #[error("the vtr parameter must be a JSON array of strings such as [\"Cl.Cm\"]")]
    NotAJsonArray,
    /// A `vtr` parameter mixes identity and non-identity vectors.
    #[error("the vtr parameter mixes identity and non-identity vectors")]
    MixedVectors,
}

impl VtrError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "vtr.empty",
            Self::UnknownComponent { .. } => "vtr.unknown_component",
            Self::BadCredential { .. } => "vtr.bad_credential",
            Self::SeveralIdentityLevels { .. } => "vtr.several_identity_levels",
            Self::IdentityNeedsMediumCredential { .. } => "vtr.identity_needs_cl_cm",
            Self::NotAJsonArray => "vtr.not_a_json_array",
            Self::MixedVectors => "vtr.mixed_vectors",
        }
    }
}

/// A vector of trust: a credential level and an optional identity level.
///
/// ```
/// use govuk_one_login_core::{VectorOfTrust, CredentialLevel, IdentityLevel};
/// let v: VectorOfTrust = "P2.Cl.Cm".parse().unwrap();
/// assert_eq!(v.credential(), CredentialLevel::ClCm);
/// assert_eq!(v.identity(), Some(IdentityLevel::P2));
/// assert_eq!(v.to_string(), "Cl.Cm.P2");
/// assert_eq!(VectorOfTrust::to_vtr_param(&[v]), r#"["Cl.Cm.P2"]"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VectorOfTrust {
    credential: CredentialLevel,
    identity: Option<IdentityLevel>,
}

impl VectorOfTrust {
    /// `Cl.Cm`: One Login's default, medium authentication without identity.
    pub const AUTH_MEDIUM: Self = Self {
        credential: CredentialLevel::ClCm,
        identity: None,
    };
    /// `Cl.Cm.P2`: medium authentication and medium identity confidence.
    pub const IDENTITY_MEDIUM: Self = Self {
        credential: CredentialLevel::ClCm,
        identity: Some(IdentityLevel::P2),
    };

    /// Builds a vector, refusing an identity level above P0 with `Cl`.
    ///
    /// # Errors
    /// [`VtrError::IdentityNeedsMediumCredential`] for `Cl` with P1–P3.
    pub fn new(
        credential: CredentialLevel,
        identity: Option<IdentityLevel>,
    ) -> Result<Self, VtrError> {
        let v = Self {
            credential,
            identity,
        };
        if credential == CredentialLevel::Cl && identity.is_some_and(IdentityLevel::proves_identity)
        {
            return Err(VtrError::IdentityNeedsMediumCredential {
                vector: v.to_string(),
            });
        }
        Ok(v)
    }

    /// The credential level (what the ID token's `vot` must equal).
    pub fn credential(&self) -> CredentialLevel {
        self.credential
    }

    /// The identity level, if any (what the core identity JWT's `vot` must equal).
    pub fn identity(&self) -> Option<IdentityLevel> {
        self.identity
    }

    /// Whether this vector asks for a proven identity (P1 or above).
    pub fn requests_identity(&self) -> bool {
        self.identity.is_some_and(IdentityLevel::proves_identity)
    }

    /// Writes the `vtr` request parameter: a JSON array of vectors, e.g. `["Cl.Cm"]`. URL-encode it
    /// as any other query value (a URL builder does).
    pub fn to_vtr_param(vectors: &[Self]) -> String {
        let strings: Vec<String> = vectors.iter().map(ToString::to_string).collect();
        serde_json::to_string(&strings).unwrap_or_else(|_| "[]".to_owned())
    }

    /// Reads a `vtr` parameter (already URL-decoded): a JSON array of vectors, all identity or all
    /// not. An empty array means One Login's default, `["Cl.Cm"]`.
    ///
    /// # Errors
    /// A [`VtrError`] naming the first problem.
    pub fn parse_vtr_param(value: &str) -> Result<Vec<Self>, VtrError> {
        let strings: Vec<String> =
            serde_json::from_str(value).map_err(|_| VtrError::NotAJsonArray)?;
        if strings.is_empty() {
            return Ok(vec![Self::AUTH_MEDIUM]);
        }
        let vectors = strings
            .iter()
            .map(|s| s.parse())
            .collect::<Result<Vec<Self>, _>>()?;
        let identity = vectors.iter().filter(|v| v.requests_identity()).count();
        if identity != 0 && identity != vectors.len() {
            return Err(VtrError::MixedVectors);
        }
        Ok(vectors)
    }
}

impl Default for VectorOfTrust {
    fn default() -> Self {
        Self::AUTH_MEDIUM
    }
}

impl fmt::Display for VectorOfTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.credential.as_str())?;
        if let Some(p) = self.identity {
            write!(f, ".{p}")?;
        }
        Ok(())
    }
}

impl FromStr for VectorOfTrust {
    type Err = VtrError;

    fn from_str(vector: &str) -> Result<Self, Self::Err> {
        if vector.trim().is_empty() {
            return Err(VtrError::Empty);
        }
        let mut credentials: Vec<&str> = Vec::new();
        let mut identity: Option<IdentityLevel> = None;
        for component in vector.split('.') {
            if component.starts_with('C') {
                credentials.push(component);
            } else if let Some(p) = IdentityLevel::from_wire(component) {
                if identity.replace(p).is_some() {
                    return Err(VtrError::SeveralIdentityLevels {
                        vector: vector.to_owned(),
                    });
                }
            } else {
                return Err(VtrError::UnknownComponent {
                    vector: vector.to_owned(),
                    component: component.to_owned(),
                });
            }
        }
        credentials.sort_unstable();
        let credential = match credentials.join(".").as_str() {
            "Cl" => CredentialLevel::Cl,
            "Cl.Cm" => CredentialLevel::ClCm,
            _ => {
                return Err(VtrError::BadCredential {
                    vector: vector.to_owned(),
                });
            }
        };
        Self::new(credential, identity).map_err(|_| VtrError::IdentityNeedsMediumCredential {
            vector: vector.to_owned(),
        })
    }
}

impl Serialize for VectorOfTrust {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VectorOfTrust {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_levels_one_login_accepts_in_any_order() {
        for (input, canonical) in [
            ("Cl", "Cl"),
            ("Cl.Cm", "Cl.Cm"),
            ("Cm.Cl", "Cl.Cm"),
            ("Cl.Cm.P2", "Cl.Cm.P2"),
            ("P2.Cl.Cm", "Cl.Cm.P2"),
            ("Cm.Cl.P2", "Cl.Cm.P2"),
            ("Cl.P0", "Cl.P0"),
            ("Cl.Cm.P0", "Cl.Cm.P0"),
            ("Cl.Cm.P1", "Cl.Cm.P1"),
            ("Cl.Cm.P3", "Cl.Cm.P3"),
        ] {
            let v: VectorOfTrust = input.parse().unwrap();
            assert_eq!(v.to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn refuses_bad_vectors_with_precise_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "vtr.empty"),
            ("Cm", "vtr.bad_credential"),
            ("Cl.Cl", "vtr.bad_credential"),
            ("Cl.Cm.Cx", "vtr.bad_credential"),
            ("P2", "vtr.bad_credential"),
            ("Cl.Cm.P4", "vtr.unknown_component"),
            ("Cl.Cm.PCL200", "vtr.unknown_component"),
            ("cl.cm", "vtr.unknown_component"),
            ("Cl.Cm.P2.P3", "vtr.several_identity_levels"),
            ("Cl.P2", "vtr.identity_needs_cl_cm"),
            ("Cl..Cm", "vtr.unknown_component"),
        ];
        for (input, code) in cases {
            let err = input.parse::<VectorOfTrust>().unwrap_err();
            assert_eq!(err.code(), *code, "{input}: {err}");
        }
    }

    #[test]
    fn vtr_param_round_trips_and_rejects_bare_strings() {
        assert_eq!(
            VectorOfTrust::to_vtr_param(&[VectorOfTrust::AUTH_MEDIUM]),
            r#"["Cl.Cm"]"#
        );
        assert_eq!(
            VectorOfTrust::parse_vtr_param(r#"["Cl.Cm.P2"]"#).unwrap(),
            vec![VectorOfTrust::IDENTITY_MEDIUM]
        );
        assert_eq!(
            VectorOfTrust::parse_vtr_param("[]").unwrap(),
            vec![VectorOfTrust::AUTH_MEDIUM]
        );
        assert_eq!(
            VectorOfTrust::parse_vtr_param("Cl.Cm").unwrap_err(),
            VtrError::NotAJsonArray
        );
        assert_eq!(
            VectorOfTrust::parse_vtr_param(r#"["Cl.Cm","Cl.Cm.P2"]"#).unwrap_err(),
            VtrError::MixedVectors
        );
    }

    fn any_vector() -> impl Strategy<Value = VectorOfTrust> {
        let c = prop_oneof![Just(CredentialLevel::Cl), Just(CredentialLevel::ClCm)];
        let p = prop_oneof![
            Just(None),
            Just(Some(IdentityLevel::P0)),
            Just(Some(IdentityLevel::P1)),
            Just(Some(IdentityLevel::P2)),
            Just(Some(IdentityLevel::P3)),
        ];
        (c, p).prop_filter_map("Cl cannot carry identity", |(c, p)| {
            VectorOfTrust::new(c, p).ok()
        })
    }

    proptest! {
        #[test]
        fn vectors_round_trip_through_text_and_param(vs in proptest::collection::vec(any_vector(), 1..4)) {
            for v in &vs {
                prop_assert_eq!(v.to_string().parse::<VectorOfTrust>().unwrap(), *v);
            }
            let same_kind: Vec<_> = vs.iter().filter(|v| v.requests_identity() == vs[0].requests_identity()).copied().collect();
            let param = VectorOfTrust::to_vtr_param(&same_kind);
            prop_assert_eq!(VectorOfTrust::parse_vtr_param(&param).unwrap(), same_kind);
        }

        #[test]
        fn parsing_any_string_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<VectorOfTrust>();
            let _ = VectorOfTrust::parse_vtr_param(&s);
        }
    }
}
