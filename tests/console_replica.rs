//! The console header names the replica it is attached to when the site has several (a site on
//! PostgreSQL), and follows it when that replica takes over.

mod console_fixture;

use cloudsite::console::app::{App, NetMsg};
use cloudsite::domain::replica::{DatabaseEngine, ReplicaRole};
use console_fixture::{app, render, snapshot};

fn top(a: &App, w: u16) -> String {
    render(a, w, 24)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn on(a: &mut App, database: DatabaseEngine, replica: ReplicaRole) {
    let mut s = snapshot("full-admin");
    if let Some(site) = s.site.as_mut() {
        site.database = database;
        site.replica = replica;
    }
    a.on_net(NetMsg::Snapshot(Box::new(s)));
}

#[test]
fn the_header_says_passive_then_active_and_nothing_on_sqlite() {
    let mut a = app("full-admin");
    assert!(!top(&a, 140).contains("replica"), "{}", top(&a, 140));

    on(&mut a, DatabaseEngine::Postgres, ReplicaRole::Passive);
    let wide = top(&a, 140);
    assert!(wide.contains("replica: passive"), "{wide}");
    let narrow = top(&a, 80);
    assert!(
        narrow.contains(" passive ") && narrow.ends_with("alerts: 1 critical 0 warning"),
        "at 80 columns the role and the alert counts both fit: {narrow}"
    );

    // The replica took the lease: its consoles re-read the site.
    on(&mut a, DatabaseEngine::Postgres, ReplicaRole::Active);
    assert!(top(&a, 140).contains("replica: active"), "{}", top(&a, 140));
}

#[test]
fn the_cmg_list_footer_shows_the_analyzer_key_from_120_columns_ahead_of_delete() {
    let mut a = app("full-admin");
    a.node = cloudsite::console::node::Node::Cmgs;
    let footer = |w| {
        render(&a, w, 24)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    // Start and Stop come first; the analyzer next, ahead of Delete.
    let at_100 = footer(100);
    assert!(
        at_100.contains("s Start") && at_100.contains("x Stop"),
        "{at_100}"
    );
    let at_120 = footer(120);
    assert!(
        at_120.contains("z Analyze (CMG)") && !at_120.contains("Del Delete"),
        "{at_120}"
    );
}
