//! Site system Properties, Proxy tab (domain.md §8): use a proxy server; server name; port
//! (default 80); use credentials: account and password. The password is masked, never shown
//! again, and left empty keeps the stored one. Save replaces the site system's proxy.

use crate::api::wire::{SetProxy, SiteSystemView};
use crate::console::field::{Field, FieldId};
use crate::console::keymap::Keymap;
use crate::console::model::Model;
use crate::console::msg::{Outcome, Reply, Request};
use crate::console::shell::{Body, Core, Nav, Page, Shell};
use crate::console::theme::{Role, Theme};
use crate::console::ui::style::of;
use crate::console::ui::text::safe;
use crate::domain::proxy;
use crate::domain::validate;
use ratatui::text::{Line, Span};

use FieldId::{
    ProxyAccount as Account, ProxyCredentials as Credentials, ProxyEnabled as Enabled,
    ProxyPassword as Password, ProxyPort as Port, ProxyServer as Server,
};

/// The Proxy tab of one site system.
pub(crate) struct ProxyForm {
    name: String,
    roles: Vec<String>,
}

impl ProxyForm {
    /// The form for `sys`; `read_only` is the reason changes are refused, if they are.
    pub(crate) fn open(
        sys: &SiteSystemView,
        read_only: Option<&'static str>,
        keymap: &Keymap,
    ) -> Shell<ProxyForm> {
        let p = &sys.proxy;
        let password_hint = if p.has_password {
            "a password is stored; leave empty to keep the stored password"
        } else {
            "leave empty to keep the stored password (none is stored)"
        };
        let fields = vec![
            Field::check(
                Enabled,
                "Use a proxy server when synchronizing information from the internet",
                p.enabled,
            ),
            Field::text(
                Server,
                "Proxy server name",
                p.server.as_deref().unwrap_or(""),
            )
            .hint("host name, FQDN or IP address")
            .depends(Enabled),
            Field::text(Port, "Port", &p.port.to_string())
                .hint("default 80")
                .depends(Enabled),
            Field::check(
                Credentials,
                "Use credentials to connect to the proxy server",
                p.account.is_some(),
            )
            .depends(Enabled),
            Field::text(Account, "Account", p.account.as_deref().unwrap_or(""))
                .hint("DOMAIN\\user or user (the site system proxy server account)")
                .depends(Credentials),
            Field::secret(Password, "Password")
                .hint(password_hint)
                .depends(Credentials),
            Field::button(FieldId::Save, "Save"),
        ];
        let mut core = Core::new(Nav::Tabs, vec![Page::new("Proxy", fields)], read_only);
        let mut form = ProxyForm {
            name: sys.name.clone(),
            roles: sys.roles.clone(),
        };
        form.validate(&mut core);
        Shell::new(core, form, keymap)
    }

    /// Validates as typed with the domain's rules; returns whether everything is fine.
    fn validate(&mut self, core: &mut Core) -> bool {
        core.clear_errors();
        let enabled = core.checked(Enabled);
        let creds = enabled && core.checked(Credentials);
        let port = match core
            .field(Port)
            .map(|f| validate::PORT.check_text(&f.label, f.text_value()))
        {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                core.set_error(Port, Some(e.rule));
                return false;
            }
            None => return false,
        };
        let server = enabled.then(|| core.text(Server));
        let account = creds.then(|| core.text(Account));
        if let Err(e) = proxy::validate(enabled, server.as_deref(), port, account.as_deref()) {
            core.put(&e);
            return false;
        }
        if creds && account.as_deref().is_none_or(str::is_empty) {
            core.set_error(
                Account,
                Some("is required when credentials are used".to_string()),
            );
            return false;
        }
        true
    }

    /// What Save sends.
    pub(crate) fn request(core: &Core) -> SetProxy {
        let enabled = core.checked(Enabled);
        let creds = enabled && core.checked(Credentials);
        let password = core.raw(Password);
        SetProxy {
            enabled,
            server: enabled.then(|| core.text(Server)).filter(|s| !s.is_empty()),
            port: core.field(Port).and_then(|f| f.whole_number()),
            account: creds.then(|| core.text(Account)).filter(|a| !a.is_empty()),
            // Empty keeps the stored password.
            password: (creds && !password.is_empty()).then_some(password.into()),
        }
    }
}

impl Body for ProxyForm {
    fn title(&self) -> String {
        format!("Site System Properties — {}", self.name)
    }

    fn edited(&mut self, core: &mut Core, _id: FieldId) {
        self.validate(core);
    }

    fn submit(&mut self, core: &mut Core, _model: &Model) -> Outcome {
        if core.refuse_read_only("cannot save") {
            return Outcome::default();
        }
        self.validate(core);
        if core.blocked(|_| "fix the fields marked ⚠ before saving".into()) {
            return Outcome::default();
        }
        if !core.dirty() {
            return Outcome::close(Some(format!("{}: nothing changed", self.name)));
        }
        core.send(
            "save",
            format!("save the proxy of {}", self.name),
            Request::SetProxy {
                system: self.name.clone(),
                set: Self::request(core),
            },
            (Role::Muted, "saving…"),
        )
    }

    fn accepted(
        &mut self,
        _core: &mut Core,
        _tag: &'static str,
        _answer: &Reply,
        _model: &Model,
    ) -> Outcome {
        Outcome::close(Some(format!("{}: proxy saved", self.name)))
    }

    fn intro(&self, _core: &Core, theme: &Theme) -> Vec<Line<'static>> {
        let muted = of(theme, Role::Muted);
        vec![
            Line::from(Span::styled(
                format!(" Roles: {}", safe(&self.roles.join(", "))),
                muted,
            )),
            Line::from(Span::styled(
                " One proxy per server, shared by all its roles; saving replaces it.",
                muted,
            )),
            Line::from(""),
        ]
    }
}
