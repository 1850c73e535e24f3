//! The messages that cross the console's parts: requests for the network worker and what it
//! reports back, what the event loop must do for the app, and what a form answers the app.
//! They live apart from the app so forms and the worker can name them without the app (and
//! the app can open forms without a cycle).

use super::model::Snapshot;
use crate::api::client::ClientError;
use crate::api::operations::{AlertAction, Distribution};
use crate::api::wire::{
    Accepted, AlertView, AnalyzerEvent, CertUpload, ContentTargets, CreateCdp, CreateCmg,
    EventView, PackageChanged, SetProxy, SetService, SubscriptionCheck, SubscriptionInput, Updated,
};
use crate::domain::proxy::ProxySettings;
use crate::domain::service::Action as ServiceAction;
use crate::domain::service::HostedKind;

/// A request for the network worker, one site operation each; the answer comes back as
/// [`NetMsg::Reply`] with its id.
// Each request is moved once through a channel; boxing the create bodies would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Request {
    /// Read everything again (the answer is [`Reply::Reloading`]; the read arrives as a
    /// [`NetMsg::Snapshot`]).
    Reload,
    /// Start, stop, delete, sync a service.
    Act {
        /// CDP or CMG: picks the route the action goes to.
        kind: HostedKind,
        /// The service's id (32 hex digits).
        id: String,
        /// What to do.
        action: ServiceAction,
    },
    /// "Validate on Next": the wizard's General page.
    ValidateSubscription(SubscriptionInput),
    /// Create a cloud distribution point.
    CreateCdp(CreateCdp),
    /// Create a cloud management gateway.
    CreateCmg(CreateCmg),
    /// Save a service's Properties.
    SetService {
        /// CDP or CMG: picks the route the change goes to.
        kind: HostedKind,
        /// The service's id (32 hex digits).
        id: String,
        /// Only the changed fields.
        set: SetService,
    },
    /// Save a site system's Proxy tab.
    SetProxy {
        /// Site system (server name).
        system: String,
        /// The tab's settings; a `None` password keeps the stored one.
        set: SetProxy,
    },
    /// Postpone, close, disable or enable an alert.
    Alert {
        /// The alert's id (32 hex digits).
        id: String,
        /// What to do.
        action: AlertAction,
    },
    /// Run the connection analyzer on a CMG: each event comes back as its own
    /// [`Reply::Analyzer`] under the request's id, `Done` (or an error) last.
    Analyze {
        /// The CMG's id.
        id: String,
        /// The client certificate to analyze with; `None`: as a client without one.
        client_certificate: Option<CertUpload>,
    },
    /// Distribute, redistribute or remove a package.
    Distribution {
        /// The package's id (e.g. `PS100001`) or name.
        package: String,
        /// What to do with it.
        what: Distribution,
        /// The services concerned.
        targets: ContentTargets,
    },
}

/// The site's answer to a [`Request`], as the operation returns it.
// Moved once through a channel, like the requests.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Reply {
    /// A reload is on its way.
    Reloading,
    /// A create or an action was accepted: the service and its task.
    Accepted(Accepted),
    /// The cloud's verdict on a subscription.
    Checked(SubscriptionCheck),
    /// Properties saved: the service, and the upgrade task if one started.
    Updated(Updated),
    /// The Proxy tab as saved.
    Proxy(ProxySettings),
    /// The alert as it is now.
    Alert(AlertView),
    /// A distribution request was accepted: the package, with warnings.
    Package(PackageChanged),
    /// One event of a connection analyzer run.
    Analyzer(AnalyzerEvent),
}

impl Reply {
    /// More replies follow under the same id (an analysis still running).
    pub fn more_follow(&self) -> bool {
        matches!(self, Reply::Analyzer(e) if !matches!(e, AnalyzerEvent::Done { .. }))
    }
}

/// What the network worker reports.
// Each message is moved once through a channel; boxing the event would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum NetMsg {
    /// Connected; a full read follows.
    Connected,
    /// A full read of everything the views show, replacing the model's lists (also sent after
    /// a reload).
    Snapshot(Box<Snapshot>),
    /// One event from the site's stream; events come after the full read they follow.
    Event(EventView),
    /// The connection dropped; it will retry.
    Disconnected {
        /// Why, for the status line.
        reason: String,
        /// Failed attempts in a row, from 1 (always 1 until the first connection); a successful
        /// full read starts the count again.
        attempt: u32,
    },
    /// The answer to a request.
    Reply {
        /// The id it was sent with in [`Effect::Request`].
        id: u64,
        /// The site's answer, or why there is none (a refusal names its field).
        result: Result<Reply, ClientError>,
    },
}

/// Something the event loop must do for the app.
// Effects live for one turn of the event loop and carry a request on to the worker; boxing it
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Effect {
    /// Send a request under an id unique for the app's life; the answer comes back as
    /// [`NetMsg::Reply`] with that id.
    Request(u64, Request),
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Leave: restore the terminal and stop.
    Quit,
}

/// A request a form wants sent, tagged so the form recognises the answer.
#[derive(Debug, Clone)]
pub struct FormRequest {
    /// The form's own tag (e.g. `validate`, `create`).
    pub tag: &'static str,
    /// What the operator is waiting for, for messages ("create cdp1.contoso.com").
    pub what: String,
    /// The request; its answer goes back to the form with `tag`.
    pub request: Request,
}

/// What a key press (or a paste, an answer) did to the form.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Requests to send, in order.
    pub requests: Vec<FormRequest>,
    /// The form is done (finished or cancelled): close it.
    pub close: bool,
    /// A line for the footer; `None` leaves the current one.
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

/// A refusal of `field` by `rule`, as the site sends one (for the console's tests).
#[cfg(test)]
pub(crate) fn refusal(field: &str, rule: &str) -> ClientError {
    ClientError::Api {
        status: 400,
        detail: crate::api::wire::ErrorDetail {
            code: "invalid_field".into(),
            message: format!("{field}: {rule}"),
            field: Some(field.into()),
            rule: Some(rule.into()),
        },
    }
}
