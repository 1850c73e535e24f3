//! Console rendering: one frame of the CDP list with 10,000 services at 200×50, and the time
//! from start (config, keymap, theme, app) to the first frame.

use cloudsite::api::wire::{CertificateView, InstanceView, ServiceView, SiteView};
use cloudsite::console::app::{App, NetMsg};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::model::Snapshot;
use cloudsite::console::theme::Theme;
use cloudsite::console::ui;
use cloudsite::domain::service::{
    CDP_STORAGE_DEFAULT, CDP_TRANSFER_DEFAULT, Environment, ServiceState,
};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

fn service(i: usize) -> ServiceView {
    let states = [
        ServiceState::Ready,
        ServiceState::Stopped,
        ServiceState::Provisioning,
        ServiceState::Error,
    ];
    ServiceView {
        id: format!("{i:032x}"),
        kind: cloudsite::domain::service::HostedKind::Cdp,
        service_fqdn: format!("cdp{i:05}.contoso.com"),
        name: format!("cdp{i:05}"),
        status: states[i % states.len()],
        status_details: None,
        subscription_id: "3f2504e0-4f89-11d3-9a0c-0305e82c3301".into(),
        environment: Environment::AzurePublicCloud,
        region: "WestEurope".into(),
        resource_group: None,
        description: format!("distribution point number {i}"),
        vm_instances: 2,
        instances: vec![InstanceView {
            id: "CDP_IN_0".into(),
            state: cloudsite::domain::service::InstanceState::ReadyRole,
            address: None,
        }],
        storage: CDP_STORAGE_DEFAULT,
        transfer: CDP_TRANSFER_DEFAULT,
        cmg: None,
        certificate: CertificateView {
            thumbprint: "AB".repeat(20),
            subject_cn: None,
            not_after: "2027-01-01T00:00:00Z".into(),
            wildcard: false,
        },
        cname_target: format!("cdp{i:05}.cloudapp.net"),
        created: String::new(),
        updated: String::new(),
        usage: None,
        gateway: None,
    }
}

fn loaded_app(n: usize) -> App {
    let mut app = App::new(Keymap::default(), "default", 10_000);
    let snapshot = Snapshot {
        site: Some(SiteView {
            site_code: "PS1".into(),
            server_name: "SITESRV".into(),
            version: "0".into(),
            role: cloudsite::domain::role::Role::FullAdministrator,
            replica: cloudsite::domain::replica::ReplicaRole::Active,
            database: cloudsite::domain::replica::DatabaseEngine::Sqlite,
        }),
        cdps: (0..n).map(service).collect(),
        ..Snapshot::default()
    };
    app.on_net(NetMsg::Connected);
    app.on_net(NetMsg::Snapshot(Box::new(snapshot)));
    app.selected
        .insert(cloudsite::console::app::Node::Cdps, n / 2);
    app
}

fn bench(c: &mut Criterion) {
    let theme = Theme::load("default", None).expect("built-in theme");
    let app = loaded_app(10_000);
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    term.draw(|f| ui::draw(f, &app, &theme)).expect("draw");
    assert!(
        format!("{:?}", term.backend().buffer()).contains("cdp05000.contoso.com"),
        "the selected row is on screen"
    );
    c.bench_function("render CDP list, 10000 services, 200x50", |b| {
        b.iter(|| {
            term.draw(|f| ui::draw(f, black_box(&app), &theme))
                .expect("draw");
        })
    });
    c.bench_function(
        "start to first frame (keymap, theme, app, draw) 200x50",
        |b| {
            b.iter(|| {
                let keymap = Keymap::from_config(&Default::default()).expect("keymap");
                let theme = Theme::load("default", None).expect("theme");
                let app = App::new(keymap, "default", 10_000);
                let mut term = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
                term.draw(|f| ui::draw(f, &app, &theme)).expect("draw");
                black_box(term);
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
