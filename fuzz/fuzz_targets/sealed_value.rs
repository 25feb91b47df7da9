//! Sealed session values: `Sealer::open` over any bytes must refuse them (they were not sealed
//! under this key), and a value sealed here must open again.
#![no_main]
#![forbid(unsafe_code)]

use govuk_one_login::{PendingSignIn, PendingSignOut, Sealer, SealingKey, SignedIn};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(key) = SealingKey::from_bytes(&[7; 32]) else {
        return;
    };
    let sealer = Sealer::new(key);
    assert!(sealer.open::<SignedIn>(data).is_err());
    assert!(sealer.open::<PendingSignIn>(data).is_err());
    assert!(sealer.open::<PendingSignOut>(data).is_err());
});
