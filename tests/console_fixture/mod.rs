//! The site the console tests draw: three CDPs (Ready with usage, Stopped past the warning,
//! Error never collected), a CMG provisioning, a site system with a proxy, an alert, a status
//! message, log lines and the content library; and the helpers that draw and drive the app.
#![allow(dead_code)]

use cloudsite::api::wire::AlertView;
use cloudsite::api::wire::{
    CertificateView, EventView, InstanceView, LogLineView, ServiceView, SiteSystemView, SiteView,
    StatusMessageView,
};
use cloudsite::api::wire::{
    CostView, DistributionState, DistributionView, PackageFileView, PackageState, PackageView,
    UsageView,
};
use cloudsite::console::app::{App, Effect, NetMsg};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::model::Snapshot;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::alert::{AlertState, AlertType, Severity};
use cloudsite::domain::content::ContentType;
use cloudsite::domain::proxy::ProxySettings;
use cloudsite::domain::service::{
    CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, Environment, ServiceState,
};
use cloudsite::domain::task::Level;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn service(id: &str, fqdn: &str, kind: &str, status: ServiceState) -> ServiceView {
    ServiceView {
        id: id.into(),
        kind: cloudsite::domain::service::HostedKind::parse(kind).expect("cdp or cmg"),
        service_fqdn: fqdn.into(),
        name: fqdn.split('.').next().unwrap().into(),
        status,
        status_details: (status == ServiceState::Error)
            .then(|| "the operation failed in the cloud: injected fault".into()),
        subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
        environment: Environment::AzurePublicCloud,
        region: "WestEurope".into(),
        resource_group: None,
        description: format!("{kind} for Europe"),
        vm_instances: 2,
        instances: vec![
            InstanceView {
                id: "IN_0".into(),
                state: cloudsite::domain::service::InstanceState::ReadyRole,
                address: Some("127.0.0.1:40001".into()),
            },
            InstanceView {
                id: "IN_1".into(),
                state: cloudsite::domain::service::InstanceState::ReadyRole,
                address: Some("127.0.0.1:40002".into()),
            },
        ],
        storage: CDP_STORAGE_DEFAULT,
        transfer: CDP_TRANSFER_DEFAULT,
        cmg: None,
        certificate: CertificateView {
            thumbprint: "9CEA69D045BED5A64921981958CAF0AE6CEF9786".into(),
            subject_cn: Some(fqdn.into()),
            not_after: "2027-11-23T00:00:00Z".into(),
            wildcard: false,
        },
        cname_target: format!("{}.cloudapp.net", fqdn.split('.').next().unwrap()),
        created: "2026-11-22T10:00:00.000Z".into(),
        updated: "2026-11-22T10:05:00.000Z".into(),
        usage: None,
        gateway: None,
    }
}

/// Bytes in a GiB: the unit the fixture's usage and quotas are counted in.
pub const GIB: u64 = 1 << 30;

/// Fixed usage: `storage_gib` stored, `daily` GiB per day (oldest first), over `window` days.
pub fn usage(storage_gib: u64, daily: impl Fn(u64) -> u64, window: u32, cents: i64) -> UsageView {
    let daily_transfer: Vec<u64> = (0..30).map(|d| daily(d) * GIB).collect();
    let skip = 30 - window as usize;
    UsageView {
        collected: "2026-11-22T10:00:00.000Z".into(),
        storage_bytes: storage_gib * GIB + 400 * (1 << 20),
        transfer_bytes: daily_transfer[skip..].iter().sum(),
        window_days: window,
        daily_transfer,
        quota_unit_bytes: GIB,
        cost: CostView {
            currency: "USD".into(),
            month_to_date_cents: cents,
            projected_month_cents: cents * 3,
            illustrative: true,
        },
    }
}

/// The library and where it is: cdp1 has a success and a failure, cmg1 one in progress.
pub fn content() -> (Vec<PackageView>, Vec<DistributionView>) {
    use ContentType::{Application, OsUpgrade, Package};
    use DistributionState::{Failed, InProgress, Success};
    let packages: Vec<PackageView> = [
        (
            "PS100001",
            "Contoso VPN client",
            Application,
            PackageState::Ready,
            84,
        ),
        (
            "PS100002",
            "Windows 11 24H2 upgrade",
            OsUpgrade,
            PackageState::Ready,
            4812,
        ),
        (
            "PS100003",
            "Printer drivers",
            Package,
            PackageState::Uploading,
            12,
        ),
    ]
    .into_iter()
    .map(|(id, name, content_type, state, mib)| PackageView {
        id: id.into(),
        name: name.into(),
        content_type,
        state,
        files: vec![PackageFileView {
            name: "setup.exe".into(),
            size: mib << 20,
            sha256: None,
            encrypted_size: None,
        }],
        size: mib << 20,
        distributions: Vec::new(),
        created: "2026-11-22T09:00:00.000Z".into(),
    })
    .collect();
    let failed = "upload to the service's storage failed: injected fault";
    let distributions = [
        (0, "c1", "cdp1", Success, None),
        (1, "c1", "cdp1", Failed, Some(failed)),
        (0, "c2", "cdp2", Success, None),
        (
            0,
            "m1",
            "cmg1",
            InProgress,
            Some("waiting for the service's storage"),
        ),
    ]
    .into_iter()
    .map(|(p, id, host, state, reason)| DistributionView {
        package_id: packages[p].id.clone(),
        package_name: packages[p].name.clone(),
        service_id: id.into(),
        service_fqdn: format!("{host}.contoso.com"),
        state,
        reason: reason.map(Into::into),
        size: packages[p].size + 4096,
        updated: "2026-11-22T10:06:00.000Z".into(),
    })
    .collect();
    (packages, distributions)
}

pub fn snapshot(role: &str) -> Snapshot {
    let mut cmg = service("m1", "cmg1.contoso.com", "cmg", ServiceState::Provisioning);
    cmg.cmg = Some(cloudsite::api::wire::CmgSettings {
        vm_size: "Standard_A2_v2".into(),
        check_crl: true,
        enforce_tls12: true,
        serve_content: true,
        egress_alerts: false,
        stop_at_critical: false,
        storage_alerts: false,
        trusted_roots: Vec::new(),
    });
    // cmg1: storage past critical, outbound data over 14 days.
    cmg.usage = Some(usage(
        1850,
        |d| if d < 16 { 0 } else { 150 + d * 10 },
        14,
        30012,
    ));
    let (packages, distributions) = content();
    Snapshot {
        site: Some(SiteView {
            site_code: "PS1".into(),
            server_name: "SITESRV".into(),
            version: "0.1.0".into(),
            role: cloudsite::domain::role::Role::parse(role).expect("a role"),
            replica: cloudsite::domain::replica::ReplicaRole::Active,
            database: cloudsite::domain::replica::DatabaseEngine::Sqlite,
        }),
        cdps: vec![
            // cdp1 is quiet, cdp2 past the storage warning with hot days; cdp3 never collected.
            ServiceView {
                usage: Some(usage(120, |d| 20 + d % 7 * 10, 30, 1234)),
                ..service("c1", "cdp1.contoso.com", "cdp", ServiceState::Ready)
            },
            ServiceView {
                usage: Some(usage(
                    1100,
                    |d| if d % 9 == 4 { 320 } else { 60 + d * 4 },
                    30,
                    8950,
                )),
                ..service("c2", "cdp2.contoso.com", "cdp", ServiceState::Stopped)
            },
            service("c3", "cdp3.contoso.com", "cdp", ServiceState::Error),
        ],
        cmgs: vec![cmg],
        site_systems: vec![SiteSystemView {
            name: "SITESRV".into(),
            roles: vec!["Site server".into(), "Site system".into()],
            proxy: ProxySettings {
                enabled: true,
                server: Some("proxy.contoso.com".into()),
                port: 8080,
                account: None,
                has_password: false,
            },
        }],
        alerts: vec![AlertView {
            service_fqdn: None,
            id: "a1".into(),
            type_id: AlertType::ProxyFailure,
            service_id: Some("c3".into()),
            name: "Proxy refused the connection to the cloud".into(),
            severity: Severity::Critical,
            state: AlertState::Active,
            occurrences: 2,
            first_seen: Some("2026-11-22T10:00:00.000Z".into()),
            last_seen: Some("2026-11-22T10:04:00.000Z".into()),
            details: serde_json::Value::Null,
            skip_until: None,
            comments: Vec::new(),
            closed_by: None,
            enabled: true,
        }],
        status: vec![StatusMessageView {
            id: 1,
            message_id: 9409,
            severity: Level::Info,
            component: "SMS_CLOUD_SERVICES_MANAGER".into(),
            service_id: Some("c1".into()),
            text: "The cloud distribution point cdp1.contoso.com is provisioned and ready.".into(),
            time: "2026-11-22T10:05:00.000Z".into(),
        }],
        logs: vec![
            log(Level::Info, "Starting to Deploy Service"),
            log(
                Level::Warning,
                "Waiting for check if container exists. Will check again in 10 seconds",
            ),
            log(
                Level::Error,
                "Create task for service cdp3 failed: injected fault",
            ),
        ],
        tasks: Vec::new(),
        distributions,
        packages,
        connection_points: Vec::new(),
    }
}

pub fn log(level: Level, message: &str) -> LogLineView {
    LogLineView {
        file: "CloudMgr.log".into(),
        time: "2026-11-22T10:01:00.000Z".into(),
        component: "SMS_CLOUD_SERVICES_MANAGER".into(),
        level,
        message: message.into(),
    }
}

pub fn app(role: &str) -> App {
    let mut app = App::new(Keymap::default(), "default", 1000);
    app.on_net(NetMsg::Connected);
    app.on_net(NetMsg::Snapshot(Box::new(snapshot(role))));
    app
}

pub fn render(app: &App, w: u16, h: u16) -> String {
    let theme = Theme::load("default", None).unwrap();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| ui::draw(f, app, &theme)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| app.on_key(key(KeyCode::Char(c))))
        .collect()
}

/// An event as the site sends it: id, kind and object.
pub fn ev(id: u64, kind: &str, data: serde_json::Value) -> EventView {
    serde_json::from_value(serde_json::json!({"id": id, "kind": kind, "data": data}))
        .expect("a well-formed event")
}
