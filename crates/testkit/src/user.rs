//! The person who signs in at the mock provider.

use std::fmt;

use govuk_one_login_core::IdentityLevel;
use serde_json::{Value, json};

/// The user the mock provider signs in: their internal id and salt (from which each sector's
/// pairwise `sub` is derived), contact details, and identity record.
///
/// `MockUser::default()` is the GDS simulator's default user, GEOFFREY HEARNSHAW (born
/// 1955-04-19, 26 Frampton Road, Gloucester), with the phone number written in E.164 as One Login
/// sends it. Change fields to script another person:
///
/// ```
/// use govuk_one_login_testkit::MockUser;
/// let mut user = MockUser::default();
/// user.email = "someone.else@example.com".into();
/// user.identity = None; // identity not proven
/// user.return_codes = vec!["X".into()];
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MockUser {
    /// One Login's internal subject id for the person (never sent; hashed into `sub`).
    pub internal_id: String,
    /// The per-user salt hashed into `sub`.
    pub salt: Vec<u8>,
    /// A `sub` sent to every service as it is, instead of the pairwise one (the GDS simulator's
    /// `responseConfiguration.sub`, which the standalone [`MockServer`](crate::MockServer)
    /// uses). `None`: pairwise per sector, as One Login computes it.
    pub fixed_sub: Option<String>,
    /// `email` (scope `email`).
    pub email: String,
    /// `email_verified`.
    pub email_verified: bool,
    /// `phone_number` (scope `phone`); `None` when the user's second factor is not SMS.
    pub phone_number: Option<String>,
    /// `phone_number_verified`.
    pub phone_number_verified: bool,
    /// The proven identity; `None` when identity proving fails or was never done.
    pub identity: Option<MockIdentity>,
    /// Return codes (`[{"code": …}]`), released when the service requested `returnCode`.
    pub return_codes: Vec<String>,
}

impl Default for MockUser {
    fn default() -> Self {
        Self {
            internal_id: "urn:fdc:gov.uk:2022:testkit-geoffrey-hearnshaw".into(),
            salt: b"testkit-salt-geoffrey-hearnshaw".to_vec(),
            fixed_sub: None,
            email: "test@example.com".into(),
            email_verified: true,
            phone_number: Some("+447123456789".into()),
            phone_number_verified: true,
            identity: Some(MockIdentity::default()),
            return_codes: Vec::new(),
        }
    }
}

impl MockUser {
    /// The `sub` this person has in `sector`: [`MockUser::fixed_sub`] if set, else the pairwise
    /// subject One Login would send.
    pub fn subject(&self, sector: &str) -> String {
        match &self.fixed_sub {
            Some(sub) => sub.clone(),
            None => govuk_one_login_sector::pairwise_subject(sector, &self.internal_id, &self.salt),
        }
    }
}

impl fmt::Debug for MockUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data stays out of logs, even made-up personal data.
        f.debug_struct("MockUser")
            .field("internal_id", &"[redacted]")
            .field("email", &"[redacted]")
            .field(
                "phone_number",
                &self.phone_number.as_ref().map(|_| "[redacted]"),
            )
            .field("identity", &self.identity)
            .field("return_codes", &self.return_codes.len())
            .finish_non_exhaustive()
    }
}

/// A proven identity: what `/userinfo` releases as identity claims.
///
/// The values are JSON in One Login's vocabulary (`https://vocab.account.gov.uk/v1/…`), so a
/// test can give any shape, including malformed ones.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MockIdentity {
    /// The highest level of confidence the user reached (`maxLoCAchieved`). A request for more
    /// fails like a failed identity check.
    pub max_level: IdentityLevel,
    /// `vc.credentialSubject.name`: an array of `{nameParts: [{value, type}]}`.
    pub names: Value,
    /// `vc.credentialSubject.birthDate`: an array of `{value}`.
    pub birth_dates: Value,
    /// The `address` claim: an array of postal addresses.
    pub addresses: Value,
    /// The `passport` claim, if the user proved with a passport.
    pub passports: Option<Value>,
    /// The `drivingPermit` claim, if the user proved with a driving licence.
    pub driving_permits: Option<Value>,
    /// The core identity JWT's whole `vc` claim, sent as it is (the simulator's
    /// `coreIdentityVerifiableCredentials`); `None`: built from `names` and `birth_dates`.
    pub vc: Option<Value>,
}

impl Default for MockIdentity {
    fn default() -> Self {
        Self {
            max_level: IdentityLevel::P2,
            names: json!([{
                "nameParts": [
                    { "value": "GEOFFREY", "type": "GivenName" },
                    { "value": "HEARNSHAW", "type": "FamilyName" }
                ]
            }]),
            birth_dates: json!([{ "value": "1955-04-19" }]),
            addresses: json!([{
                "uprn": 100_120_472_196_u64,
                "subBuildingName": "",
                "buildingName": "",
                "buildingNumber": "26",
                "dependentStreetName": "",
                "streetName": "FRAMPTON ROAD",
                "doubleDependentAddressLocality": "",
                "dependentAddressLocality": "",
                "addressLocality": "GLOUCESTER",
                "postalCode": "GL1 5QB",
                "addressCountry": "GB",
                "validFrom": "2000-01-01"
            }]),
            passports: None,
            driving_permits: None,
            vc: None,
        }
    }
}

impl MockIdentity {
    /// A sample UK passport record, for tests that request the `passport` claim.
    pub fn sample_passport() -> Value {
        json!([{ "documentNumber": "549364783", "icaoIssuerCode": "GBR", "expiryDate": "2030-08-01" }])
    }

    /// A sample DVLA driving licence record, for tests that request the `drivingPermit` claim.
    pub fn sample_driving_permit() -> Value {
        json!([{
            "personalNumber": "HEARN551196GS9YY",
            "expiryDate": "2032-02-02",
            "issueNumber": "12",
            "issuedBy": "DVLA",
            "issueDate": "2022-02-02"
        }])
    }
}

impl fmt::Debug for MockIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockIdentity")
            .field("max_level", &self.max_level)
            .field("names", &"[redacted]")
            .field("birth_dates", &"[redacted]")
            .field("addresses", &"[redacted]")
            .field("passports", &self.passports.as_ref().map(|_| "[redacted]"))
            .field(
                "driving_permits",
                &self.driving_permits.as_ref().map(|_| "[redacted]"),
            )
            .field("vc", &self.vc.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_user_is_the_simulators_geoffrey_hearnshaw_with_an_e164_phone() {
        let user = MockUser::default();
        let identity = user.identity.clone().unwrap();
        assert_eq!(identity.names[0]["nameParts"][0]["value"], "GEOFFREY");
        assert_eq!(identity.birth_dates[0]["value"], "1955-04-19");
        assert_eq!(identity.addresses[0]["postalCode"], "GL1 5QB");
        assert!(user.phone_number.as_deref().unwrap().starts_with("+44"));
    }

    #[test]
    fn debug_hides_personal_data() {
        let text = format!("{:?}", MockUser::default());
        for secret in [
            "GEOFFREY",
            "test@example.com",
            "+447123456789",
            "GL1 5QB",
            "geoffrey",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}
