//! The facade's errors: one enum per operation, one variant per reason, each with a stable code
//! naming the artefact that failed and an [`Action`] saying what the application should do.

mod back_channel;
mod setup;
mod sign_in;
mod sign_out;

pub use back_channel::BackChannelError;
pub use setup::SetupError;
pub use sign_in::SignInError;
pub use sign_out::SignOutError;

use crate::codes::Action;
use govuk_one_login_discovery::DiscoveryError;

/// What to do about a failure to get the provider's documents: a document that is wrong for
/// the configuration (another issuer, an insecure endpoint) needs an operator; the rest passes.
pub(crate) fn discovery_action(e: &DiscoveryError) -> Action {
    match e {
        DiscoveryError::IssuerMismatch { .. } | DiscoveryError::InsecureEndpoint { .. } => {
            Action::Misconfigured
        }
        _ => Action::RetryLater,
    }
}
