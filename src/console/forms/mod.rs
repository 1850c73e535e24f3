//! Properties forms opened with Enter on the selected row: a CDP's or CMG's Properties
//! (Settings / Alerts / Content), a site system's Properties (Proxy tab), and the selected
//! alert's actions (postpone, close, disable/enable).

pub mod alert;
pub mod content_tab;
pub mod fields;
pub mod proxy;
pub mod renew;
pub mod service;

use super::app::{App, Node};
use super::form::Form;

/// The form for the selected row of the current node, if it has one: the service Properties
/// for a CDP or CMG, the Proxy tab for a site system, the actions of an alert.
pub fn open_properties(app: &App) -> Option<Box<dyn Form>> {
    let read_only = app.write_blocked();
    match app.node {
        Node::Cdps | Node::Cmgs => {
            let s = app.selected_service()?;
            Some(Box::new(service::ServiceForm::new(
                s,
                read_only,
                &app.keymap,
            )))
        }
        Node::SiteSystems => {
            let sys = app.model.site_systems.get(app.row())?;
            Some(Box::new(proxy::ProxyForm::new(sys, read_only, &app.keymap)))
        }
        Node::Alerts => {
            let a = app.model.alerts.get(app.row())?;
            Some(Box::new(alert::AlertForm::new(a, read_only, &app.keymap)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod content_tests;
#[cfg(test)]
mod renew_tests;
#[cfg(test)]
mod tests;
