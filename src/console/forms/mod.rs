//! Properties forms opened with `p` on the selected row (or in its detail view): a CDP's or
//! CMG's Properties (Settings / Alerts / Content), a site system's Properties (Proxy tab), and
//! the selected alert's actions (postpone, close, disable/enable).

pub(super) mod alert;
pub(super) mod content_tab;
pub(super) mod proxy;
pub(super) mod renew;
pub(super) mod service;

use super::form::Form;
use super::keymap::Keymap;
use crate::api::wire::AlertView;
use crate::api::wire::{ServiceView, SiteSystemView};

/// What Properties is opened on.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    /// A CDP or CMG: its Properties.
    Service(&'a ServiceView),
    /// A site system: its Proxy tab.
    SiteSystem(&'a SiteSystemView),
    /// An alert: its actions.
    Alert(&'a AlertView),
}

/// The form for `target`; `read_only` is the reason changes are refused, if they are.
pub(super) fn open_properties(
    target: Target<'_>,
    read_only: Option<&'static str>,
    keymap: &Keymap,
) -> Box<dyn Form> {
    match target {
        Target::Service(s) => Box::new(service::ServiceForm::open(s, read_only, keymap)),
        Target::SiteSystem(sys) => Box::new(proxy::ProxyForm::open(sys, read_only, keymap)),
        Target::Alert(a) => Box::new(alert::AlertForm::open(a, read_only, keymap)),
    }
}

#[cfg(test)]
mod content_tests;
#[cfg(test)]
mod renew_tests;
#[cfg(test)]
mod tests;
