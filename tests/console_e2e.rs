//! The console against a real site: an in-process site service with a lab, the console's own
//! network worker, and the app driven by key events only. Creates through the wizard, then
//! stop, start and delete from the keyboard; a read-only token cannot stop a service.

use cloudsite::cli::connect::{ConsoleLink, SiteArgs};
use cloudsite::console::app::{App, Effect, NetMsg, Node};
use cloudsite::console::keymap::Keymap;
use cloudsite::domain::service::ServiceState;
use cloudsite::site::manager::Timing;
use cloudsite::site::service::{self, CloudChoice, SiteHandle, SiteOptions};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const BIN: &str = env!("CARGO_BIN_EXE_cloudsite");

/// A console wired to a real site through its network worker.
pub struct Harness {
    pub app: App,
    net_rx: mpsc::UnboundedReceiver<NetMsg>,
    req_tx: mpsc::UnboundedSender<(u64, cloudsite::console::app::Request)>,
}

impl Harness {
    pub async fn connect(url: &str, token_file: &Path) -> Harness {
        // The operator's own config must not leak into the test.
        // SAFETY: set before any other thread of this test reads the environment.
        unsafe { std::env::set_var("CLOUDSITE_CONFIG", "/nonexistent/cloudsite-test.toml") };
        let app = App::new(Keymap::default(), "default", 5000);
        let (net_tx, net_rx) = mpsc::unbounded_channel();
        let (req_tx, req_rx) = mpsc::unbounded_channel();
        let site = SiteArgs {
            site: Some(url.to_string()),
            token_file: Some(token_file.to_path_buf()),
            ca_file: None,
            data_dir: None,
        };
        tokio::spawn(cloudsite::console::net::run(
            ConsoleLink::new(site),
            net_tx,
            req_rx,
        ));
        let mut h = Harness {
            app,
            net_rx,
            req_tx,
        };
        h.wait("the first full read", |a| a.model.loaded).await;
        h
    }

    fn effects(&mut self, effects: Vec<Effect>) {
        for e in effects {
            if let Effect::Request(id, r) = e {
                let _ = self.req_tx.send((id, r));
            }
        }
    }

    /// Applies whatever the network sent.
    pub fn pump(&mut self) {
        while let Ok(msg) = self.net_rx.try_recv() {
            let e = self.app.on_net(msg);
            self.effects(e);
        }
    }

    pub fn key(&mut self, code: KeyCode, mods: KeyModifiers) {
        let e = self.app.on_key(KeyEvent::new(code, mods));
        self.effects(e);
        self.pump();
    }

    pub fn press(&mut self, code: KeyCode) {
        self.key(code, KeyModifiers::NONE);
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    pub async fn wait(&mut self, what: &str, cond: impl Fn(&App) -> bool) {
        let start = Instant::now();
        loop {
            self.pump();
            if cond(&self.app) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}; notice: {:?}, modal: {:?}",
                self.app.notice,
                self.app.modal
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub fn status_of(&self, fqdn: &str) -> Option<ServiceState> {
        self.app
            .model
            .cdps
            .iter()
            .chain(self.app.model.cmgs.iter())
            .find(|s| s.service_fqdn == fqdn)
            .map(|s| s.status)
    }
}

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub json: serde_json::Value,
    pub site: SiteHandle,
}

impl Lab {
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn pfx(&self, prefix: &str) -> String {
        self.json["service_certs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["fqdn"].as_str().unwrap().starts_with(prefix))
            .unwrap()["pfx"]
            .as_str()
            .unwrap()
            .to_string()
    }
    pub fn s(&self, k: &str) -> String {
        self.json[k].as_str().unwrap().to_string()
    }
}

pub async fn lab() -> Lab {
    lab_with(|_| {}).await
}

/// A lab whose site options `tune` adjusts before the site starts.
pub async fn lab_with(tune: impl FnOnce(&mut SiteOptions)) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let lab_dir = dir.path().join("lab");
    assert!(
        Command::new(BIN)
            .args(["lab", "init"])
            .arg(&lab_dir)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
            .status
            .success()
    );
    let json = serde_json::from_slice(&std::fs::read(lab_dir.join("lab.json")).unwrap()).unwrap();
    let mut opts = SiteOptions::new(&data);
    opts.server_name = "SITESRV".into();
    opts.cloud = CloudChoice::Embedded {
        provisioning_delay: Duration::from_millis(300),
        faults: Default::default(),
    };
    opts.timing = Timing {
        poll: Duration::from_millis(50),
        container_retry: Duration::from_millis(50),
        ..Timing::default()
    };
    tune(&mut opts);
    let site = service::start(opts).await.unwrap();
    Lab { dir, json, site }
}

async fn create_by_api(lab: &Lab, prefix: &str) {
    use base64::Engine;
    let b64 = |p: &str| base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap());
    let client = cloudsite::api::client::Client::new(
        &lab.site.url,
        lab.site.new_admin_token.as_deref().unwrap(),
        None,
    )
    .unwrap();
    let req = cloudsite::api::wire::CreateCdp {
        subscription: cloudsite::api::wire::SubscriptionInput {
            subscription_id: Some(lab.s("subscription_id")),
            environment: Default::default(),
            management_certificate: cloudsite::api::wire::CertUpload {
                file_base64: b64(lab.json["management"]["pfx"].as_str().unwrap()),
                password: lab.s("password").into(),
            },
        },
        region: "WestEurope".into(),
        service_certificate: cloudsite::api::wire::CertUpload {
            file_base64: b64(&lab.pfx(prefix)),
            password: lab.s("password").into(),
        },
        ..Default::default()
    };
    client.create_cdp(&req).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_start_and_delete_from_the_keyboard() {
    let lab = lab().await;
    create_by_api(&lab, "cdp1").await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    let fqdn = "cdp1.lab.contoso.com";
    h.wait("the CDP to be Ready in the list", |a| {
        a.model
            .cdps
            .iter()
            .any(|s| s.service_fqdn == fqdn && s.status == ServiceState::Ready)
    })
    .await;
    assert_eq!(h.app.node, Node::Cdps);
    h.press(KeyCode::Char('x'));
    h.wait("Stopped", |a| {
        a.model
            .cdps
            .iter()
            .any(|s| s.status == ServiceState::Stopped)
    })
    .await;
    h.press(KeyCode::Char('s'));
    h.wait("Ready again", |a| {
        a.model.cdps.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.key(KeyCode::Char('d'), KeyModifiers::CONTROL);
    h.type_text(fqdn);
    h.press(KeyCode::Enter);
    h.wait("the CDP to be gone", |a| a.model.cdps.is_empty())
        .await;
    assert_eq!(h.status_of(fqdn), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_cannot_stop_a_service() {
    let lab = lab().await;
    create_by_api(&lab, "cdp2").await;
    let store = cloudsite::site::store::Store::open(&lab.data().join("site.db")).unwrap();
    let (_, token) = cloudsite::site::tokens::create(
        &store,
        "analyst",
        cloudsite::site::tokens::Role::ReadOnlyAnalyst,
    )
    .unwrap();
    let token_file = lab.dir.path().join("ro.token");
    std::fs::write(&token_file, token).unwrap();
    let mut h = Harness::connect(&lab.site.url, &token_file).await;
    h.wait("Ready", |a| {
        a.model.cdps.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.press(KeyCode::Char('x'));
    assert!(
        h.app
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("Read-only Analyst"),
        "{:?}",
        h.app.notice
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    h.pump();
    assert_eq!(
        h.status_of("cdp2.lab.contoso.com"),
        Some(ServiceState::Ready)
    );
}

fn screen(app: &App) -> String {
    let theme = cloudsite::console::theme::Theme::load("default", None).unwrap();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    term.draw(|f| cloudsite::console::ui::draw(f, app, &theme))
        .unwrap();
    let buf = term.backend().buffer().clone();
    (0..40)
        .map(|y| {
            (0..120)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ctrl(h: &mut Harness, c: char) {
    h.key(KeyCode::Char(c), KeyModifiers::CONTROL);
}

/// General page: environment (default), subscription, management .pfx, password; then Next
/// and the site's "validate on Next".
async fn general_page(h: &mut Harness, lab: &Lab) {
    h.press(KeyCode::Tab);
    if screen_has(&h.app, "Known subscriptions") {
        // A service already uses the lab's subscription: the pick list filled it in.
        h.press(KeyCode::Tab);
        assert!(screen_has(
            &h.app,
            &lab.s("subscription_id").to_ascii_lowercase()
        ));
        h.press(KeyCode::Tab);
    } else {
        h.type_text(&lab.s("subscription_id"));
        h.press(KeyCode::Tab);
    }
    h.type_text(lab.json["management"]["pfx"].as_str().unwrap());
    h.press(KeyCode::Tab);
    h.type_text(&lab.s("password"));
    ctrl(h, 'n');
    h.wait("the site to validate the subscription", |a| {
        a.form
            .as_ref()
            .is_some_and(|f| f.title().contains("Create"))
            && screen_has(a, "Region")
    })
    .await;
}

fn screen_has(app: &App, text: &str) -> bool {
    screen(app).contains(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_create_cdp_wizard_by_keys_until_ready_then_stop_start_delete() {
    let lab = lab().await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.press(KeyCode::Char('c'));
    assert!(
        h.app.form.is_some(),
        "c opens the Create Cloud Distribution Point wizard"
    );
    general_page(&mut h, &lab).await;
    // Settings: region (default), resource group, primary site (this site), certificate file,
    // password → FQDN from the CN.
    h.press(KeyCode::Tab);
    h.press(KeyCode::Tab);
    h.press(KeyCode::Tab);
    h.type_text(&lab.pfx("cdp1"));
    h.press(KeyCode::Tab);
    h.type_text("wrong-password");
    h.press(KeyCode::Tab);
    assert!(
        screen_has(&h.app, "password is not correct"),
        "{}",
        screen(&h.app)
    );
    ctrl(&mut h, 'n');
    assert!(
        screen_has(&h.app, "password is not correct"),
        "Next is blocked by the wrong password"
    );
    // A blocked Next puts the cursor on the field at fault: clear it, type the right one.
    ctrl(&mut h, 'u');
    h.type_text(&lab.s("password"));
    h.press(KeyCode::Tab);
    assert!(
        screen_has(&h.app, "cdp1.lab.contoso.com"),
        "Service FQDN filled from the certificate CN:\n{}",
        screen(&h.app)
    );
    ctrl(&mut h, 'n'); // → Alerts (defaults)
    ctrl(&mut h, 'n'); // → Summary
    assert!(screen_has(&h.app, "2000"), "the summary lists the defaults");
    ctrl(&mut h, 'n'); // create → Progress
    h.wait("the CDP to be Ready", |a| {
        a.model
            .cdps
            .iter()
            .any(|s| s.service_fqdn == "cdp1.lab.contoso.com" && s.status == ServiceState::Ready)
    })
    .await;
    h.wait("Completion with the CNAME", |a| screen_has(a, "CNAME"))
        .await;
    h.press(KeyCode::Esc);
    h.wait("the wizard to close", |a| a.form.is_none()).await;
    assert!(screen_has(&h.app, "Ready"));
    h.press(KeyCode::Char('x'));
    h.wait("Stopped", |a| {
        a.model
            .cdps
            .iter()
            .any(|s| s.status == ServiceState::Stopped)
    })
    .await;
    h.press(KeyCode::Char('s'));
    h.wait("Ready again", |a| {
        a.model.cdps.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.press(KeyCode::Delete);
    h.type_text("cdp1.lab.contoso.com");
    h.press(KeyCode::Enter);
    h.wait("deleted", |a| a.model.cdps.is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_certificate_asks_for_the_host_part() {
    let lab = lab().await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.press(KeyCode::Char('c'));
    general_page(&mut h, &lab).await;
    // Region → resource group → primary site → certificate file.
    for _ in 0..3 {
        h.press(KeyCode::Tab);
    }
    h.type_text(&lab.pfx("*"));
    h.press(KeyCode::Tab);
    h.type_text(&lab.s("password"));
    h.press(KeyCode::Tab);
    let s = screen(&h.app);
    assert!(
        s.contains("host.lab.contoso.com")
            && s.contains("wildcard certificate: type the host name"),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sites_refusal_of_a_create_names_the_field_and_the_page_that_holds_it() {
    let lab = lab().await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.press(KeyCode::Char('c'));
    general_page(&mut h, &lab).await;
    // Someone else creates cdp1 after this wizard opened: only the site knows it is taken.
    create_by_api(&lab, "cdp1").await;
    h.wait("the CDP in the list", |a| !a.model.cdps.is_empty())
        .await;
    for _ in 0..3 {
        h.press(KeyCode::Tab);
    }
    h.type_text(&lab.pfx("cdp1"));
    h.press(KeyCode::Tab);
    h.type_text(&lab.s("password"));
    h.press(KeyCode::Tab);
    ctrl(&mut h, 'n'); // → Alerts
    ctrl(&mut h, 'n'); // → Summary
    ctrl(&mut h, 'n'); // create
    h.wait("the site's refusal", |a| screen_has(a, "must be unique"))
        .await;
    let s = screen(&h.app);
    assert!(
        s.contains("Service FQDN: must be unique") && s.contains("on the Settings page"),
        "{s}"
    );
    // Previous, Previous: the rule is under Service FQDN.
    ctrl(&mut h, 'p');
    ctrl(&mut h, 'p');
    let s = screen(&h.app);
    assert!(s.contains("✗ must be unique"), "{s}");
    assert_eq!(h.app.model.cdps.len(), 1, "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_fqdn_the_site_has_is_refused_on_settings_not_at_summary() {
    let lab = lab().await;
    create_by_api(&lab, "cdp1").await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.wait("the CDP in the list", |a| !a.model.cdps.is_empty())
        .await;
    h.press(KeyCode::Char('c'));
    general_page(&mut h, &lab).await;
    for _ in 0..3 {
        h.press(KeyCode::Tab);
    }
    h.type_text(&lab.pfx("cdp1"));
    h.press(KeyCode::Tab);
    h.type_text(&lab.s("password"));
    h.press(KeyCode::Tab);
    let s = screen(&h.app);
    assert!(
        s.contains("must be unique: cdp1.lab.contoso.com already uses this name"),
        "{s}"
    );
    ctrl(&mut h, 'n');
    let s = screen(&h.app);
    assert!(s.contains("▸ Settings"), "Next stays on Settings:\n{s}");
    assert_eq!(h.app.model.cdps.len(), 1, "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_create_cmg_wizard_by_keys_until_ready_then_stop_start_delete() {
    let lab = lab().await;
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.press(KeyCode::Char(':'));
    h.type_text("create cmg");
    h.press(KeyCode::Enter);
    assert!(
        h.app
            .form
            .as_ref()
            .is_some_and(|f| f.title().contains("Management Gateway")),
        "the CMG wizard opens"
    );
    general_page(&mut h, &lab).await;
    // Settings starts with the certificate file.
    h.type_text(&lab.pfx("cmg1"));
    h.press(KeyCode::Tab);
    h.type_text(&lab.s("password"));
    h.press(KeyCode::Tab);
    assert!(screen_has(&h.app, "cmg1.lab.contoso.com"));
    ctrl(&mut h, 'n'); // → Alerts
    ctrl(&mut h, 'n'); // → Summary
    ctrl(&mut h, 'n'); // create
    h.wait("the CMG to be Ready", |a| {
        a.model.cmgs.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.wait("Completion", |a| screen_has(a, "CNAME")).await;
    h.press(KeyCode::Esc);
    h.wait("the wizard to close", |a| a.form.is_none()).await;
    assert_eq!(h.app.node, Node::Cmgs);
    h.press(KeyCode::Char('x'));
    h.wait("Stopped", |a| {
        a.model
            .cmgs
            .iter()
            .any(|s| s.status == ServiceState::Stopped)
    })
    .await;
    h.press(KeyCode::Char('s'));
    h.wait("Ready again", |a| {
        a.model.cmgs.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.key(KeyCode::Char('d'), KeyModifiers::CONTROL);
    h.type_text("cmg1.lab.contoso.com");
    h.press(KeyCode::Enter);
    h.wait("deleted", |a| a.model.cmgs.is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_says_when_the_site_is_gone_and_comes_back_by_itself() {
    use cloudsite::console::model::Link;
    let lab = lab().await;
    let data = lab.data();
    let url = lab.site.url.clone();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    create_by_api(&lab, "cdp1").await;
    let mut h = Harness::connect(&url, &data.join("admin.token")).await;
    h.wait("the CDP in the list", |a| !a.model.cdps.is_empty())
        .await;
    lab.site.shutdown().await;
    h.wait("the header to say disconnected", |a| {
        matches!(a.model.link, Link::Disconnected { .. })
    })
    .await;
    // The same site comes back on the same address: the console reconnects and re-reads.
    let mut opts = SiteOptions::new(&data);
    opts.listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    opts.cloud = CloudChoice::Embedded {
        provisioning_delay: Duration::from_millis(100),
        faults: Default::default(),
    };
    opts.timing = Timing {
        poll: Duration::from_millis(50),
        container_retry: Duration::from_millis(50),
        ..Timing::default()
    };
    let site = service::start(opts).await.unwrap();
    h.wait("the console to reconnect", |a| {
        a.model.link == Link::Connected
    })
    .await;
    h.wait("the list after the re-read", |a| {
        a.model
            .cdps
            .iter()
            .any(|s| s.service_fqdn == "cdp1.lab.contoso.com")
    })
    .await;
    site.shutdown().await;
}

/// Adds a one-file package through the API and distributes it to `fqdn`; returns its id.
async fn distribute_by_api(lab: &Lab, fqdn: &str) -> String {
    use cloudsite::api::operations::Distribution;
    use cloudsite::api::wire::{ContentTargets, CreatePackage, NewPackageFile};
    let client = cloudsite::api::client::Client::new(
        &lab.site.url,
        lab.site.new_admin_token.as_deref().unwrap(),
        None,
    )
    .unwrap();
    let file = lab.dir.path().join("setup.exe");
    std::fs::write(&file, vec![7u8; 300_000]).unwrap();
    let req = CreatePackage {
        name: "Contoso VPN client".into(),
        content_type: cloudsite::domain::content::ContentType::Application,
        files: vec![NewPackageFile {
            name: "setup.exe".into(),
            size: 300_000,
        }],
    };
    let id = client.create_package(&req).await.unwrap().package.id;
    client
        .upload_file(&id, "setup.exe", &file, None)
        .await
        .unwrap();
    let targets = ContentTargets {
        services: vec![fqdn.to_string()],
    };
    client
        .distribution(&id, Distribution::Distribute, &targets)
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_the_content_tab_follow_the_site_live() {
    use cloudsite::api::wire::DistributionState;
    let lab = lab_with(|o| o.monitor.usage_interval = Duration::from_millis(200)).await;
    create_by_api(&lab, "cdp1").await;
    let fqdn = "cdp1.lab.contoso.com";
    let mut h = Harness::connect(&lab.site.url, &lab.data().join("admin.token")).await;
    h.wait("Ready", |a| {
        a.model.cdps.iter().any(|s| s.status == ServiceState::Ready)
    })
    .await;
    h.wait("a usage collection in the list", |a| {
        a.model.cdps.iter().any(|s| s.usage.is_some()) && !screen_has(a, "– / ")
    })
    .await;
    let id = distribute_by_api(&lab, fqdn).await;
    let svc = h.app.model.cdps[0].id.clone();
    let state = move |a: &App| a.model.service_distributions(&svc).first().map(|d| d.state);
    let s2 = state.clone();
    h.wait("the package to reach the service", move |a| {
        s2(a) == Some(DistributionState::Success)
    })
    .await;
    // Properties → Content: the package, then Redistribute and Remove by keys.
    h.press(KeyCode::Char('p'));
    ctrl(&mut h, 'n');
    ctrl(&mut h, 'n');
    assert!(
        screen_has(&h.app, "Contoso VPN client"),
        "{}",
        screen(&h.app)
    );
    h.press(KeyCode::Char('r'));
    h.wait("the redistribution to be accepted", |a| {
        screen_has(a, "redistribution to cdp1.lab.contoso.com started")
    })
    .await;
    let s3 = state.clone();
    h.wait("Success again", move |a| {
        s3(a) == Some(DistributionState::Success)
    })
    .await;
    h.press(KeyCode::Delete);
    h.press(KeyCode::Char('y'));
    h.wait("the package to leave the service", move |a| {
        state(a).is_none()
    })
    .await;
    assert!(screen_has(
        &h.app,
        "No packages are distributed to this service"
    ));
    // The Content node lists the library, the package now on no service.
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char(':'));
    h.type_text("content");
    h.press(KeyCode::Enter);
    assert_eq!(h.app.node, Node::Content);
    let s = screen(&h.app);
    assert!(
        s.contains(&id) && s.contains("Not distributed to any service"),
        "{s}"
    );
}
