//! Typed `/userinfo` claims (ONE-LOGIN.md §6).

use std::fmt;

use govuk_one_login_core::ClaimName;
use serde_json::{Map, Value};

use crate::MAX_DOCUMENT_BYTES;
use crate::error::ClaimsError;
use crate::json::{self, JsonProblem};

/// A postal address (ONE-LOGIN.md §6.4). Every field is optional and may be an empty string; do
/// not map fields to fixed address lines. `Debug` is redacted.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostalAddress {
    /// Unique Property Reference Number (up to 12 digits; a numeric string is accepted too).
    pub uprn: Option<u64>,
    /// `organisationName`.
    pub organisation_name: Option<String>,
    /// `departmentName`.
    pub department_name: Option<String>,
    /// `subBuildingName`.
    pub sub_building_name: Option<String>,
    /// `buildingNumber` (a string; a number is accepted and converted).
    pub building_number: Option<String>,
    /// `buildingName`.
    pub building_name: Option<String>,
    /// `dependentStreetName`.
    pub dependent_street_name: Option<String>,
    /// `streetName`.
    pub street_name: Option<String>,
    /// `doubleDependentAddressLocality`.
    pub double_dependent_address_locality: Option<String>,
    /// `dependentAddressLocality`.
    pub dependent_address_locality: Option<String>,
    /// `addressLocality` (the post town).
    pub address_locality: Option<String>,
    /// `postalCode`.
    pub postal_code: Option<String>,
    /// `addressCountry` (ISO 3166-1 alpha-2).
    pub address_country: Option<String>,
    /// `addressRegion` (international addresses).
    pub address_region: Option<String>,
    /// `poBoxNumber`.
    pub po_box_number: Option<String>,
    /// `validFrom` (only the year is collected: `YYYY-01-01`).
    pub valid_from: Option<String>,
    /// `validUntil`; `None` for the current address.
    pub valid_until: Option<String>,
}

/// A passport (ONE-LOGIN.md §6.4). `Debug` is redacted.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Passport {
    /// `documentNumber`.
    pub document_number: Option<String>,
    /// `icaoIssuerCode` (at most 3 characters).
    pub icao_issuer_code: Option<String>,
    /// `expiryDate`.
    pub expiry_date: Option<String>,
    /// `issueDate`.
    pub issue_date: Option<String>,
    /// `validFrom`.
    pub valid_from: Option<String>,
    /// `validUntil`.
    pub valid_until: Option<String>,
}

/// A driving permit (ONE-LOGIN.md §6.4). `Debug` is redacted.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DrivingPermit {
    /// `personalNumber` (the driver number).
    pub personal_number: Option<String>,
    /// `expiryDate`.
    pub expiry_date: Option<String>,
    /// `issueNumber` (DVLA licences only).
    pub issue_number: Option<String>,
    /// `issuedBy` (`DVLA`, `DVA`).
    pub issued_by: Option<String>,
    /// `issueDate`.
    pub issue_date: Option<String>,
    /// `fullAddress`.
    pub full_address: Option<String>,
    /// `issuingCountry`.
    pub issuing_country: Option<String>,
}

/// A return code (ONE-LOGIN.md §6.5): a single letter whose meaning GDS gives privately.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnCode {
    /// The code.
    pub code: String,
}

macro_rules! redacted_debug {
    ($($t:ident),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "([redacted])"))
            }
        }
    )*};
}
redacted_debug!(PostalAddress, Passport, DrivingPermit);

/// The `/userinfo` response, typed. Unknown claims are kept in [`UserInfo::extra`].
///
/// `Debug` redacts the email address, phone number, wallet subject id, core identity JWT and
/// every identity document.
#[derive(Clone, Default, PartialEq)]
pub struct UserInfo {
    /// The subject (must equal the ID token's: the caller checks).
    pub sub: String,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified` (a boolean; `"true"`/`"false"` strings are accepted).
    pub email_verified: Option<bool>,
    /// `phone_number` (E.164, present only for SMS users).
    pub phone_number: Option<String>,
    /// `phone_number_verified`.
    pub phone_number_verified: Option<bool>,
    /// `wallet_subject_id`.
    pub wallet_subject_id: Option<String>,
    /// The core identity JWT, unverified: pass it to
    /// [`verify_core_identity`](crate::verify_core_identity). Its absence means identity was not
    /// proven.
    pub core_identity_jwt: Option<String>,
    /// Addresses, current and previous.
    pub addresses: Vec<PostalAddress>,
    /// Passports.
    pub passports: Vec<Passport>,
    /// Driving permits.
    pub driving_permits: Vec<DrivingPermit>,
    /// Return codes.
    pub return_codes: Vec<ReturnCode>,
    /// Every other claim, as sent.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for UserInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = |o: &Option<String>| o.as_ref().map(|_| "[redacted]");
        f.debug_struct("UserInfo")
            .field("sub", &"[redacted]")
            .field("email", &r(&self.email))
            .field("email_verified", &self.email_verified)
            .field("phone_number", &r(&self.phone_number))
            .field("phone_number_verified", &self.phone_number_verified)
            .field("wallet_subject_id", &r(&self.wallet_subject_id))
            .field("core_identity_jwt", &r(&self.core_identity_jwt))
            .field("addresses", &self.addresses.len())
            .field("passports", &self.passports.len())
            .field("driving_permits", &self.driving_permits.len())
            .field("return_codes", &self.return_codes)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn wrong(claim: &'static str, expected: &'static str) -> ClaimsError {
    ClaimsError::WrongType { claim, expected }
}

/// A string field, leniently: a number becomes its decimal text; `null` is absent.
fn text(
    obj: &Map<String, Value>,
    name: &str,
    claim: &'static str,
) -> Result<Option<String>, ClaimsError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(wrong(claim, "objects whose fields are strings")),
    }
}

fn flag(value: Option<&Value>, claim: &'static str) -> Result<Option<bool>, ClaimsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(wrong(claim, "a boolean")),
    }
}

fn string(value: Option<&Value>, claim: &'static str) -> Result<Option<String>, ClaimsError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(claim, "a string")),
    }
}

fn objects<'a>(
    value: Option<&'a Value>,
    claim: &'static str,
) -> Result<Vec<&'a Map<String, Value>>, ClaimsError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_object().ok_or(wrong(claim, "an array of objects")))
            .collect(),
        Some(_) => Err(wrong(claim, "an array of objects")),
    }
}

fn address(o: &Map<String, Value>) -> Result<PostalAddress, ClaimsError> {
    const C: &str = "address";
    let uprn = match o.get("uprn") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or(wrong(C, "a `uprn` integer"))?),
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.parse::<u64>().map_err(|_| wrong(C, "a `uprn` integer"))?),
        Some(_) => return Err(wrong(C, "a `uprn` integer")),
    };
    Ok(PostalAddress {
        uprn,
        organisation_name: text(o, "organisationName", C)?,
        department_name: text(o, "departmentName", C)?,
        sub_building_name: text(o, "subBuildingName", C)?,
        building_number: text(o, "buildingNumber", C)?,
        building_name: text(o, "buildingName", C)?,
        dependent_street_name: text(o, "dependentStreetName", C)?,
        street_name: text(o, "streetName", C)?,
        double_dependent_address_locality: text(o, "doubleDependentAddressLocality", C)?,
        dependent_address_locality: text(o, "dependentAddressLocality", C)?,
        address_locality: text(o, "addressLocality", C)?,
        postal_code: text(o, "postalCode", C)?,
        address_country: text(o, "addressCountry", C)?,
        address_region: text(o, "addressRegion", C)?,
        po_box_number: text(o, "poBoxNumber", C)?,
        valid_from: text(o, "validFrom", C)?,
        valid_until: text(o, "validUntil", C)?,
    })
}

fn passport(o: &Map<String, Value>) -> Result<Passport, ClaimsError> {
    const C: &str = "passport";
    Ok(Passport {
        document_number: text(o, "documentNumber", C)?,
        icao_issuer_code: text(o, "icaoIssuerCode", C)?,
        expiry_date: text(o, "expiryDate", C)?,
        issue_date: text(o, "issueDate", C)?,
        valid_from: text(o, "validFrom", C)?,
        valid_until: text(o, "validUntil", C)?,
    })
}

fn driving_permit(o: &Map<String, Value>) -> Result<DrivingPermit, ClaimsError> {
    const C: &str = "drivingPermit";
    Ok(DrivingPermit {
        personal_number: text(o, "personalNumber", C)?,
        expiry_date: text(o, "expiryDate", C)?,
        issue_number: text(o, "issueNumber", C)?,
        issued_by: text(o, "issuedBy", C)?,
        issue_date: text(o, "issueDate", C)?,
        full_address: text(o, "fullAddress", C)?,
        issuing_country: text(o, "issuingCountry", C)?,
    })
}

fn return_code(o: &Map<String, Value>) -> Result<ReturnCode, ClaimsError> {
    match o.get("code") {
        Some(Value::String(code)) if !code.is_empty() => Ok(ReturnCode { code: code.clone() }),
        _ => Err(wrong(
            "returnCode",
            "an array of {\"code\": \"<letter>\"} objects",
        )),
    }
}

const TYPED: &[&str] = &[
    "sub",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "wallet_subject_id",
];

impl UserInfo {
    /// Parses a `/userinfo` response body. `sub` is required; every other claim is optional.
    /// Lenient where ONE-LOGIN.md §6 says so (numbers in string fields, a numeric-string `uprn`,
    /// `"true"`/`"false"` flags, `null` as absent); strict elsewhere (duplicate members, a
    /// non-array identity claim, a non-string `coreIdentityJWT`).
    ///
    /// # Errors
    /// A [`ClaimsError`] saying which claim is unusable.
    pub fn from_json(body: &[u8]) -> Result<Self, ClaimsError> {
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(ClaimsError::TooLarge {
                max: MAX_DOCUMENT_BYTES,
                actual: body.len(),
            });
        }
        let obj = json::parse_object(body).map_err(|p| match p {
            JsonProblem::Duplicate(name) => ClaimsError::DuplicateMember { name },
            JsonProblem::Invalid | JsonProblem::NotObject => ClaimsError::NotJson,
        })?;
        let sub = match obj.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            None => return Err(ClaimsError::MissingSub),
            Some(_) => return Err(wrong("sub", "a non-empty string")),
        };
        let uri = |c: ClaimName| obj.get(c.uri());
        let core_identity_jwt = string(uri(ClaimName::CoreIdentityJwt), "coreIdentityJWT")?;
        let addresses = objects(uri(ClaimName::Address), "address")?
            .into_iter()
            .map(address)
            .collect::<Result<_, _>>()?;
        let passports = objects(uri(ClaimName::Passport), "passport")?
            .into_iter()
            .map(passport)
            .collect::<Result<_, _>>()?;
        let driving_permits = objects(uri(ClaimName::DrivingPermit), "drivingPermit")?
            .into_iter()
            .map(driving_permit)
            .collect::<Result<_, _>>()?;
        let return_codes = objects(uri(ClaimName::ReturnCode), "returnCode")?
            .into_iter()
            .map(return_code)
            .collect::<Result<_, _>>()?;
        let extra = obj
            .iter()
            .filter(|(k, _)| {
                !TYPED.contains(&k.as_str()) && !ClaimName::ALL.iter().any(|c| c.uri() == *k)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Self {
            sub,
            email: string(obj.get("email"), "email")?,
            email_verified: flag(obj.get("email_verified"), "email_verified")?,
            phone_number: string(obj.get("phone_number"), "phone_number")?,
            phone_number_verified: flag(obj.get("phone_number_verified"), "phone_number_verified")?,
            wallet_subject_id: string(obj.get("wallet_subject_id"), "wallet_subject_id")?,
            core_identity_jwt,
            addresses,
            passports,
            driving_permits,
            return_codes,
            extra,
        })
    }
}
