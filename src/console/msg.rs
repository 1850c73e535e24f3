//! The messages that cross the console's parts: requests for the network worker and what it
//! reports back, what the event loop must do for the app, and what a form answers the app.
//! They live apart from the app so forms and the worker can name them without the app (and
//! the app can open forms without a cycle).

use super::model::Snapshot;
use crate::api::wire::EventView;
use crate::domain::service::Action as ServiceAction;
use crate::domain::service::HostedKind;

/// A request for the network worker; the answer comes back as [`NetMsg::Reply`] with its id.
#[derive(Debug, Clone)]
pub enum Request {
    /// Read everything again.
    Reload,
    /// Start, stop, delete, sync a service.
    Act {
        /// CDP or CMG.
        kind: HostedKind,
        /// Service id.
        id: String,
        /// What to do.
        action: ServiceAction,
    },
    /// Any other call: method, path and JSON body (forms and wizards use this).
    Call {
        /// `POST`, `PUT`, `PATCH`, `GET`.
        method: &'static str,
        /// Path under the site, e.g. `/v1/cdps`.
        path: String,
        /// Body.
        body: serde_json::Value,
    },
}

/// What the network worker reports.
// Each message is moved once through a channel; boxing the event would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum NetMsg {
    /// Connected; a full read follows.
    Connected,
    /// A full read.
    Snapshot(Box<Snapshot>),
    /// One event.
    Event(EventView),
    /// The connection dropped; it will retry.
    Disconnected {
        /// Why.
        reason: String,
        /// Attempts so far.
        attempt: u32,
    },
    /// The answer to a request.
    Reply {
        /// Request id.
        id: u64,
        /// JSON answer, or the error message (field: rule).
        result: Result<serde_json::Value, String>,
    },
}

/// Something the event loop must do for the app.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send a request.
    Request(u64, Request),
    /// Leave.
    Quit,
}

/// A request a form wants sent, tagged so the form recognises the answer.
#[derive(Debug, Clone)]
pub struct FormRequest {
    /// The form's own tag (e.g. `validate`, `create`).
    pub tag: &'static str,
    /// What the operator is waiting for, for messages ("create cdp1.contoso.com").
    pub what: String,
    /// The request.
    pub request: Request,
}

/// What a key press (or a paste, an answer) did to the form.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Requests to send.
    pub requests: Vec<FormRequest>,
    /// The form is done (finished or cancelled): close it.
    pub close: bool,
    /// A line for the footer.
    pub notice: Option<String>,
}

impl Outcome {
    /// Close the form, with a line for the footer.
    pub fn close(notice: Option<String>) -> Outcome {
        Outcome {
            close: true,
            notice,
            ..Outcome::default()
        }
    }
}
