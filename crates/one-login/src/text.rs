//! Outside text made safe to echo: core's one helper, under the name `rp/` imports.

pub(crate) use govuk_one_login_core::internal::printable;
