//! The console's network worker against a real site: every typed request reaches its client
//! operation and comes back as the matching reply; a refusal keeps the site's structured
//! field; an unreachable site answers with a transport error the app shows; the worker hands
//! its link back for closing when the UI stops sending requests; and the CLI's link runs the
//! embedded site until it is closed.

mod silent_proxy;
mod site_support;

use cloudsite::api::client::{Client, ClientError};
use cloudsite::api::operations::{AlertAction, Distribution};
use cloudsite::api::wire::{
    CloseAlert, ContentTargets, CreatePackage, NewPackageFile, SetProxy, SetService,
};
use cloudsite::cli::connect::{ConsoleLink, SiteArgs};
use cloudsite::console::app::{App, Effect, Modal, NetMsg, Request};
use cloudsite::console::keymap::Keymap;
use cloudsite::console::link::{LinkError, SiteLink};
use cloudsite::console::model::Link;
use cloudsite::console::msg::Reply;
use cloudsite::domain::alert::{AlertState, AlertType};
use cloudsite::domain::content::ContentType;
use cloudsite::domain::service::{Action, HostedKind};
use cloudsite::domain::task::{TaskKind, TaskState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use site_support::{SERVER_NAME, Site, wait_task};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

const CDP1: &str = "cdp1.lab.contoso.com";
const CMG1: &str = "cmg1.lab.contoso.com";

/// A link to a site at a known address with a known token; notes when it is closed.
struct FixedLink {
    client: Client,
    closed: Arc<AtomicBool>,
}

impl SiteLink for FixedLink {
    async fn connect(&mut self) -> Result<Client, LinkError> {
        Ok(self.client.clone())
    }

    async fn close(self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

/// The worker on its own, driven by requests as the app would send them.
struct Worker {
    rx: mpsc::UnboundedReceiver<NetMsg>,
    tx: Option<mpsc::UnboundedSender<(u64, Request)>>,
    next: u64,
    closed: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<FixedLink>,
}

impl Worker {
    fn start(client: Client) -> Worker {
        let closed = Arc::new(AtomicBool::new(false));
        let link = FixedLink {
            client,
            closed: closed.clone(),
        };
        let (net_tx, rx) = mpsc::unbounded_channel();
        let (tx, req_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(cloudsite::console::net::run(link, net_tx, req_rx));
        Worker {
            rx,
            tx: Some(tx),
            next: 1,
            closed,
            task,
        }
    }

    /// The next message of the worker, within 20 s.
    async fn recv(&mut self) -> NetMsg {
        tokio::time::timeout(Duration::from_secs(20), self.rx.recv())
            .await
            .expect("a message from the worker within 20 s")
            .expect("the worker runs")
    }

    /// Sends `request` and returns its answer (other messages are skipped).
    async fn ask(&mut self, request: Request) -> Result<Reply, ClientError> {
        let id = self.next;
        self.next += 1;
        self.send(id, request);
        loop {
            if let NetMsg::Reply { id: got, result } = self.recv().await
                && got == id
            {
                return result;
            }
        }
    }

    fn send(&self, id: u64, request: Request) {
        self.tx
            .as_ref()
            .expect("the worker takes requests")
            .send((id, request))
            .expect("the worker takes requests");
    }

    /// Stops sending requests: the worker returns its link, which the caller closes.
    async fn stop(mut self) -> bool {
        self.tx = None;
        let link = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the worker ends when the requests stop")
            .expect("the worker does not panic");
        link.close().await;
        self.closed.load(Ordering::SeqCst)
    }
}

fn accepted(reply: Result<Reply, ClientError>) -> cloudsite::api::wire::Accepted {
    match reply {
        Ok(Reply::Accepted(a)) => a,
        other => panic!("expected Accepted, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_reaches_its_operation_and_comes_back_typed() {
    let site = Site::start().await;
    let lab = &site.lab;
    let mut w = Worker::start(site.client(&site.admin_token));

    // Connected, then the full read.
    assert!(matches!(w.recv().await, NetMsg::Connected));
    let NetMsg::Snapshot(first) = w.recv().await else {
        panic!("a full read follows the connection")
    };
    assert_eq!(
        first.site.as_ref().map(|s| s.server_name.as_str()),
        Some(SERVER_NAME)
    );

    // Reload: answered at once, the full read arrives on its own.
    assert!(matches!(w.ask(Request::Reload).await, Ok(Reply::Reloading)));
    loop {
        if let NetMsg::Snapshot(_) = w.recv().await {
            break;
        }
    }

    // General page: the cloud checks the subscription.
    match w
        .ask(Request::ValidateSubscription(lab.subscription()))
        .await
    {
        Ok(Reply::Checked(c)) => {
            assert!(c.ok, "{}", c.message);
            assert_eq!(c.subscription_id, lab.subscription_id);
        }
        other => panic!("expected Checked, got {other:?}"),
    }

    // The creates.
    let cdp = accepted(w.ask(Request::CreateCdp(lab.cdp(CDP1))).await);
    assert_eq!(
        (cdp.service.kind, cdp.service.service_fqdn.as_str()),
        (HostedKind::Cdp, CDP1)
    );
    assert_eq!(cdp.task.kind, TaskKind::Create);
    let cmg = accepted(w.ask(Request::CreateCmg(lab.cmg(CMG1))).await);
    assert_eq!(
        (cmg.service.kind, cmg.service.service_fqdn.as_str()),
        (HostedKind::Cmg, CMG1)
    );
    for task in [&cdp.task.id, &cmg.task.id] {
        assert_eq!(
            wait_task(&site.admin, task).await.state,
            TaskState::Completed
        );
    }

    // A refusal keeps the site's structured field.
    let err = w
        .ask(Request::CreateCdp(lab.cdp(CDP1)))
        .await
        .expect_err("the name is taken");
    let (field, rule) = err.field().expect("a refusal about one field");
    assert_eq!(field, "Service FQDN");
    assert!(rule.starts_with("must be unique"), "{rule}");
    assert_eq!(err.status(), Some(409));

    // Properties.
    let set = SetService {
        description: Some("Europe and Africa".into()),
        ..SetService::default()
    };
    match w
        .ask(Request::SetService {
            kind: HostedKind::Cdp,
            id: cdp.service.id.clone(),
            set,
        })
        .await
    {
        Ok(Reply::Updated(u)) => {
            assert_eq!(u.service.description, "Europe and Africa");
            assert!(u.task.is_none(), "a description needs no upgrade");
        }
        other => panic!("expected Updated, got {other:?}"),
    }

    // The Proxy tab.
    let proxy = SetProxy {
        enabled: true,
        server: Some("proxy.lab.contoso.com".into()),
        port: Some(3128),
        ..SetProxy::default()
    };
    match w
        .ask(Request::SetProxy {
            system: SERVER_NAME.into(),
            set: proxy,
        })
        .await
    {
        Ok(Reply::Proxy(p)) => {
            assert!(p.enabled);
            assert_eq!(
                (p.server.as_deref(), p.port),
                (Some("proxy.lab.contoso.com"), 3128)
            );
        }
        other => panic!("expected Proxy, got {other:?}"),
    }
    // Off again, so the services' next calls to the cloud go direct.
    let off = Request::SetProxy {
        system: SERVER_NAME.into(),
        set: SetProxy::default(),
    };
    assert!(matches!(w.ask(off).await, Ok(Reply::Proxy(p)) if !p.enabled));

    // A package, then Distribute to the CDP.
    let file = site.tmp.path().join("setup.exe");
    std::fs::write(&file, vec![7u8; 4096]).expect("write the file");
    let package = site
        .admin
        .create_package(&CreatePackage {
            name: "Contoso VPN client".into(),
            content_type: ContentType::Application,
            files: vec![NewPackageFile {
                name: "setup.exe".into(),
                size: 4096,
            }],
        })
        .await
        .expect("create the package")
        .package
        .id;
    site.admin
        .upload_file(&package, "setup.exe", &file, None)
        .await
        .expect("upload");
    match w
        .ask(Request::Distribution {
            package: package.clone(),
            what: Distribution::Distribute,
            targets: ContentTargets {
                services: vec![cdp.service.id.clone()],
            },
        })
        .await
    {
        Ok(Reply::Package(p)) => assert_eq!(p.package.id, package),
        other => panic!("expected Package, got {other:?}"),
    }

    // An alert (raised through the site's database), closed with a comment.
    let store = cloudsite::site::store::Store::open(&site.data_dir.join("site.db"))
        .expect("open the site database");
    let alert = store
        .with(|c| {
            cloudsite::site::repo::alerts::raise_alert(
                c,
                AlertType::ProxyFailure,
                None,
                "Proxy refused the connection to the cloud",
                AlertType::ProxyFailure.severity(),
                serde_json::json!({"reason": "test"}),
            )
        })
        .expect("raise an alert");
    let close = AlertAction::Close(CloseAlert {
        comment: Some("the proxy is fixed".into()),
    });
    match w
        .ask(Request::Alert {
            id: alert.id.clone(),
            action: close,
        })
        .await
    {
        Ok(Reply::Alert(a)) => {
            assert_eq!(a.id, alert.id);
            assert_eq!(a.state, AlertState::Canceled);
        }
        other => panic!("expected Alert, got {other:?}"),
    }

    // The service actions.
    let stop = accepted(
        w.ask(Request::Act {
            kind: HostedKind::Cmg,
            id: cmg.service.id.clone(),
            action: Action::Stop,
        })
        .await,
    );
    assert_eq!(stop.task.kind, TaskKind::Stop);
    assert_eq!(
        wait_task(&site.admin, &stop.task.id).await.state,
        TaskState::Completed
    );
    let gone = accepted(
        w.ask(Request::Act {
            kind: HostedKind::Cmg,
            id: cmg.service.id.clone(),
            action: Action::Delete,
        })
        .await,
    );
    assert_eq!(gone.task.kind, TaskKind::Delete);
    assert_eq!(
        wait_task(&site.admin, &gone.task.id).await.state,
        TaskState::Completed
    );
    let cmgs = site
        .admin
        .services(HostedKind::Cmg)
        .await
        .expect("list CMGs");
    assert!(cmgs.is_empty(), "{cmgs:?}");

    assert!(w.stop().await, "the link was closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_site_answers_with_its_transport_error_and_the_app_shows_it() {
    let mut site = Site::start().await;
    let cdp = site.create_cdp_ready(&site.lab.cdp(CDP1)).await;
    let mut w = Worker::start(site.client(&site.admin_token));
    let mut app = App::new(Keymap::default(), "default", 100);
    // The app takes the first full read: the CDP is in its list.
    while !app.model.loaded {
        let msg = w.recv().await;
        app.on_net(msg);
    }
    assert_eq!(app.model.cdps.len(), 1);
    site.shutdown().await;
    loop {
        let msg = w.recv().await;
        app.on_net(msg);
        if matches!(app.model.link, Link::Disconnected { .. }) {
            break;
        }
    }
    // Stop from the keyboard: the request goes out and fails at the transport.
    let effects = app.on_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    let [Effect::Request(id, request)] = &effects[..] else {
        panic!("x sends a stop: {effects:?}")
    };
    assert!(matches!(
        request,
        Request::Act { id, action: Action::Stop, .. } if *id == cdp.id
    ));
    w.send(*id, request.clone());
    loop {
        let msg = w.recv().await;
        if let NetMsg::Reply { id: got, result } = &msg
            && got == id
        {
            let Err(err @ ClientError::Transport { .. }) = result else {
                panic!("expected a transport error, got {result:?}")
            };
            assert!(err.field().is_none());
            app.on_net(msg);
            break;
        }
        app.on_net(msg);
    }
    let Some(Modal::Message(text)) = &app.modal else {
        panic!("the failure is shown: {:?}", app.modal)
    };
    assert!(
        text.starts_with(&format!(
            "stop {CDP1} failed: cannot reach the site at {}",
            site.url
        )),
        "{text}"
    );
    assert!(w.stop().await, "the link was closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_link_runs_the_embedded_site_until_it_is_closed() {
    // The operator's own config must not leak into the test.
    // SAFETY: set before this test reads the environment; no other test of this file reads it.
    unsafe { std::env::set_var("CLOUDSITE_CONFIG", "/nonexistent/cloudsite-test.toml") };
    let dir = tempfile::tempdir().unwrap();
    let mut link = ConsoleLink::new(SiteArgs {
        site: None,
        token_file: None,
        ca_file: None,
        data_dir: Some(dir.path().join("data")),
    });
    let client = link.connect().await.expect("the embedded site starts");
    client
        .site()
        .await
        .expect("it answers with its bootstrap token");
    let again = link.connect().await.expect("connect again");
    assert_eq!(
        again.base(),
        client.base(),
        "a reconnect talks to the site this process runs"
    );
    link.close().await;
    assert!(
        matches!(client.site().await, Err(ClientError::Transport { .. })),
        "closing the link stops the embedded site"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_console_takes_over_when_the_console_that_ran_the_site_quits() {
    // SAFETY: as above; the same value, so the two tests agree whatever their order.
    unsafe { std::env::set_var("CLOUDSITE_CONFIG", "/nonexistent/cloudsite-test.toml") };
    let dir = tempfile::tempdir().unwrap();
    let args = || SiteArgs {
        site: None,
        token_file: None,
        ca_file: None,
        data_dir: Some(dir.path().join("data")),
    };
    // Console A runs the embedded site.
    let mut a = ConsoleLink::new(args());
    let a_client = a.connect().await.expect("A starts the embedded site");
    // Console B attaches to it (its worker, as the console runs it).
    let (net_tx, mut rx) = mpsc::unbounded_channel();
    let (req_tx, req_rx) = mpsc::unbounded_channel::<(u64, Request)>();
    let worker = tokio::spawn(cloudsite::console::net::run(
        ConsoleLink::new(args()),
        net_tx,
        req_rx,
    ));
    loop {
        if let NetMsg::Snapshot(s) = next_message(&mut rx).await {
            assert!(s.site.is_some());
            break;
        }
    }
    // A quits: its site stops. B notices, then starts the site itself and reads everything.
    a.close().await;
    assert!(a_client.site().await.is_err(), "A's site is down");
    let mut disconnected = false;
    loop {
        match next_message(&mut rx).await {
            NetMsg::Disconnected { .. } => disconnected = true,
            NetMsg::Snapshot(s) if disconnected => {
                assert!(s.site.is_some(), "B reads the site again");
                break;
            }
            _ => {}
        }
    }
    // B now runs the site: a new console attaches to it, and B stops it when it quits.
    let mut c = ConsoleLink::new(args());
    let c_client = c.connect().await.expect("C attaches to B's site");
    c_client.site().await.expect("B's site answers");
    drop(req_tx);
    let b = tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("B's worker ends")
        .expect("no panic");
    b.close().await;
    assert!(c_client.site().await.is_err(), "B's site stopped with B");
    c.close().await;
}

/// The next message of a worker, within 30 s.
async fn next_message(rx: &mut mpsc::UnboundedReceiver<NetMsg>) -> NetMsg {
    match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
        Ok(Some(m)) => m,
        _ => panic!("no message from the worker within 30 s"),
    }
}

/// The header line the app draws at 120 columns.
fn header(app: &App) -> String {
    let theme = cloudsite::console::theme::Theme::load("default", None).expect("the theme");
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 24))
        .expect("a test terminal");
    term.draw(|f| cloudsite::console::ui::draw(f, app, &theme))
        .expect("a frame");
    let buf = term.backend().buffer().clone();
    (0..120).map(|x| buf[(x, 0)].symbol().to_string()).collect()
}

/// Feeds the worker's messages to the app until `until` holds for one; answers the header.
async fn run_until(w: &mut Worker, app: &mut App, until: impl Fn(&NetMsg) -> bool) -> String {
    loop {
        let m = w.recv().await;
        let done = until(&m);
        app.on_net(m);
        if done {
            return header(app);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_gone_silent_turns_the_header_to_disconnected_and_back_when_traffic_flows() {
    let mut site = Site::start().await;
    site.opts.timing.keep_alive = Duration::from_millis(200);
    site.restart().await;
    let target = site.url.split("://").nth(1).unwrap_or_default().to_string();
    let proxy = silent_proxy::SilentProxy::start(target).await;
    let via = site_support::client(&format!("http://{}", proxy.addr), &site.read_token);
    let mut w = Worker::start(via);
    let mut app = App::new(Keymap::default(), "default", 100);

    let top = run_until(&mut w, &mut app, |m| matches!(m, NetMsg::Connected)).await;
    assert!(top.contains("● connected"), "{top}");

    // No FIN, no RST: only the missing keep-alives tell (3 × 200 ms here).
    proxy.set_flowing(false);
    let top = run_until(&mut w, &mut app, |m| {
        matches!(m, NetMsg::Disconnected { .. })
    })
    .await;
    assert!(top.contains("disconnected"), "{top}");
    assert!(matches!(app.model.link, Link::Disconnected { .. }));

    proxy.set_flowing(true);
    let top = run_until(&mut w, &mut app, |m| matches!(m, NetMsg::Connected)).await;
    assert!(top.contains("● connected"), "{top}");
    proxy.task.abort();
}
