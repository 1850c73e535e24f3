//! What the management point and the software update point answer besides content locations:
//! the client's policy, client notifications (pushed by an administrator, held open by
//! clients), and the software update catalog. The same endpoints serve intranet clients and,
//! through a CMG's connection point, internet clients; a request that came through a CMG says
//! so in the logs ([`Hop`]).

use super::error::{OpError, OpResult};
use crate::api::wire::{
    ClientNotificationView, ClientPolicy, Event, SendClientNotification, SoftwareUpdateView,
};
use crate::domain::cmg;
use crate::domain::content::ContentType;
use crate::domain::task::Level;
use crate::site::cmtrace::CLOUD_MGR_LOG;
use crate::site::context::SiteContext;
use crate::site::repo::{client_settings, packages, site};
use crate::site::store::{millis_to_rfc3339, new_id, now_millis};
use base64::Engine;
use futures_util::Stream;
use std::collections::HashMap;

/// The management point's policy log (ConfigMgr: MP_Policy.log).
pub(crate) const POLICY_LOG: &str = "MP_Policy.log";
/// The management point's client notification log (ConfigMgr: BgbServer.log).
pub(crate) const NOTIFICATION_LOG: &str = "BgbServer.log";
/// The software update point's catalog log (cloudsite's own name).
pub(crate) const SUP_LOG: &str = "SUP_Catalog.log";

/// Where a client's request came from when a CMG carried it: what the CMG added to it (the
/// `x-cmg-*` headers its connection point passes on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The CMG's service FQDN.
    pub cmg: Option<String>,
    /// The instance that received the request.
    pub instance: Option<String>,
    /// The client's address as the CMG saw it.
    pub client_address: Option<String>,
    /// The client certificate's subject CN, when it presented one.
    pub client_subject: Option<String>,
    /// Its SHA-1 thumbprint.
    pub client_thumbprint: Option<String>,
}

/// How a log line names a client certificate, worked out from the base64 of its DER.
#[derive(Debug, Clone)]
struct CertNames {
    thumbprint: Option<String>,
    subject: Option<String>,
}

/// Certificates already named. A client shows the same certificate on every request, and
/// parsing it (DER, SHA-1) for each log line was a tenth of a request's CPU through a CMG.
/// Bounded: a flood of different certificates empties it, it does not grow.
static CERT_NAMES: std::sync::LazyLock<std::sync::Mutex<HashMap<String, CertNames>>> =
    std::sync::LazyLock::new(Default::default);

/// Certificates [`CERT_NAMES`] remembers at most.
const CERT_NAMES_MAX: usize = 4096;

impl CertNames {
    fn of(b64: &str) -> CertNames {
        let b64 = b64.trim();
        let mut memo = CERT_NAMES.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = memo.get(b64) {
            return known.clone();
        }
        let names = match base64::engine::general_purpose::STANDARD.decode(b64) {
            Ok(der) => CertNames {
                thumbprint: Some(crate::tls::sha1_thumbprint(&der)),
                subject: crate::cert::x509::parse(&der)
                    .ok()
                    .and_then(|(f, _)| f.subject_cn),
            },
            Err(_) => CertNames {
                thumbprint: None,
                subject: Some("(unreadable certificate)".into()),
            },
        };
        if memo.len() >= CERT_NAMES_MAX {
            memo.clear();
        }
        memo.insert(b64.to_string(), names.clone());
        names
    }
}

impl Hop {
    /// The hop described by the gateway headers, if any is present. The certificate header is
    /// base64 of the DER the CMG verified; one that does not decode is named as such.
    pub(crate) fn from_headers(
        cmg: Option<&str>,
        instance: Option<&str>,
        client_address: Option<&str>,
        client_cert_b64: Option<&str>,
    ) -> Option<Hop> {
        if cmg.is_none() && instance.is_none() && client_cert_b64.is_none() {
            return None;
        }
        let mut hop = Hop {
            cmg: cmg.map(str::to_string),
            instance: instance.map(str::to_string),
            client_address: client_address.map(str::to_string),
            ..Hop::default()
        };
        if let Some(b64) = client_cert_b64 {
            let names = CertNames::of(b64);
            hop.client_thumbprint = names.thumbprint;
            hop.client_subject = names.subject;
        }
        Some(hop)
    }

    /// How a log line names the hop: ` through CMG … (instance), client certificate …, from …`.
    pub(crate) fn describe(hop: Option<&Hop>) -> String {
        let Some(h) = hop else {
            return String::new();
        };
        let mut out = format!(" through CMG {}", h.cmg.as_deref().unwrap_or("(unnamed)"));
        if let Some(i) = &h.instance {
            out.push_str(&format!(" ({i})"));
        }
        match (&h.client_subject, &h.client_thumbprint) {
            (Some(s), Some(t)) => out.push_str(&format!(", client certificate CN={s} ({t})")),
            (Some(s), None) => out.push_str(&format!(", client certificate {s}")),
            (None, Some(t)) => out.push_str(&format!(", client certificate {t}")),
            (None, None) => out.push_str(", no client certificate"),
        }
        if let Some(a) = &h.client_address {
            out.push_str(&format!(", from {a}"));
        }
        out
    }
}

/// The client's policy: the site it belongs to and the client settings. Logged in
/// `MP_Policy.log` with where the request came from.
pub(crate) async fn policy(ctx: &SiteContext, hop: Option<&Hop>) -> OpResult<ClientPolicy> {
    let policy = current_policy(ctx).await?;
    let text = format!("Policy request{}", Hop::describe(hop));
    ctx.log(POLICY_LOG, Level::Info, &text).await;
    Ok(policy)
}

/// The policy the management point answers now, read without a client's request (the
/// connection analyzer compares it with the answer through a CMG).
pub(crate) async fn current_policy(ctx: &SiteContext) -> OpResult<ClientPolicy> {
    let (site_code, allow) = ctx
        .store()
        .call_quick(|c| {
            let code = site::site(c)?.map(|(code, _)| code).unwrap_or_default();
            Ok::<_, OpError>((code, client_settings::allow_cloud_dp(c)?))
        })
        .await?;
    Ok(ClientPolicy {
        site_code,
        settings: crate::api::wire::ClientSettings {
            allow_cloud_dp: allow,
        },
        generated: millis_to_rfc3339(now_millis()),
    })
}

/// The software updates the software update point offers: the library's software update
/// packages (Microsoft and third-party) whose files are all in.
pub(crate) async fn software_updates(
    ctx: &SiteContext,
    hop: Option<&Hop>,
) -> OpResult<Vec<SoftwareUpdateView>> {
    let list = ctx.store().call(|c| packages::list_packages(c)).await?;
    let updates: Vec<SoftwareUpdateView> = list
        .into_iter()
        .filter(|p| {
            matches!(
                p.content_type,
                ContentType::SoftwareUpdate | ContentType::ThirdPartyUpdate
            ) && p.state == crate::api::wire::PackageState::Ready
        })
        .map(|p| SoftwareUpdateView {
            id: p.id,
            name: p.name,
            size: p.size,
        })
        .collect();
    let text = format!(
        "Catalog request{}: {} update(s)",
        Hop::describe(hop),
        updates.len()
    );
    ctx.log(SUP_LOG, Level::Info, &text).await;
    Ok(updates)
}

/// Pushes a message to every client holding a notification channel: the site's own, and every
/// connection point relays it to those it holds through its CMG.
pub(crate) async fn notify_clients(
    ctx: &SiteContext,
    req: SendClientNotification,
    sent_by: &str,
) -> OpResult<ClientNotificationView> {
    let message = cmg::notification_message(&req.message)?;
    let view = ClientNotificationView {
        id: new_id()?,
        message,
        sent_by: sent_by.to_string(),
        time: millis_to_rfc3339(now_millis()),
    };
    let text = format!(
        "Client notification {} from {sent_by} sent to every client holding a notification channel",
        view.id
    );
    ctx.log(NOTIFICATION_LOG, Level::Info, &text).await;
    ctx.log(CLOUD_MGR_LOG, Level::Info, &text).await;
    ctx.bus().publish(Event::ClientNotification(view.clone()));
    Ok(view)
}

/// A client's notification channel: every notification pushed from now on, until the site
/// stops. Logged once when opened.
pub(crate) async fn notification_channel(
    ctx: &SiteContext,
    hop: Option<&Hop>,
) -> impl Stream<Item = ClientNotificationView> + Send + use<> {
    let text = format!("Client notification channel opened{}", Hop::describe(hop));
    ctx.log(NOTIFICATION_LOG, Level::Info, &text).await;
    let sub = ctx.bus().subscribe(None);
    let live = futures_util::stream::unfold(sub.live, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if let Event::ClientNotification(n) = ev.event {
                        return Some((n, rx));
                    }
                }
                // A client that fell behind misses older notifications, never the channel.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    use futures_util::StreamExt;
    live.take_until(Box::pin(ctx.bus().closed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hop_names_the_cmg_and_the_client_certificate() {
        assert_eq!(Hop::from_headers(None, None, Some("1.2.3.4"), None), None);
        assert_eq!(Hop::describe(None), "");
        let hop = Hop::from_headers(
            Some("cmg1.contoso.com"),
            Some("CMG_IN_0"),
            Some("1.2.3.4"),
            Some("%%"),
        )
        .expect("a hop");
        assert_eq!(
            Hop::describe(Some(&hop)),
            " through CMG cmg1.contoso.com (CMG_IN_0), client certificate (unreadable certificate), from 1.2.3.4"
        );
        let hop = Hop::from_headers(Some("cmg1.contoso.com"), None, None, None).expect("a hop");
        assert!(Hop::describe(Some(&hop)).ends_with("no client certificate"));
    }

    #[test]
    fn a_client_certificate_is_named_from_its_der_and_the_memo_stays_bounded() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "pc7.contoso.com");
        let cert = params.self_signed(&key).expect("certificate");
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
        let thumbprint = crate::tls::sha1_thumbprint(cert.der());
        for _ in 0..2 {
            // The second answer comes from the memo and must be the same.
            let hop = Hop::from_headers(Some("cmg1"), None, None, Some(&b64)).expect("a hop");
            assert_eq!(hop.client_subject.as_deref(), Some("pc7.contoso.com"));
            assert_eq!(hop.client_thumbprint.as_deref(), Some(thumbprint.as_str()));
        }
        for i in 0..CERT_NAMES_MAX + 10 {
            CertNames::of(&format!("AAAA{i}"));
        }
        let held = CERT_NAMES.lock().map(|m| m.len()).unwrap_or(0);
        assert!(held <= CERT_NAMES_MAX, "{held} names held");
    }
}
