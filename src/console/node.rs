//! The console's workspace: the nodes of the navigation tree, as drawn and in the order the
//! tree selects them.

/// A node of the navigation tree (the console's workspace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Overview.
    Overview,
    /// Administration → Cloud Services → Cloud Distribution Points.
    Cdps,
    /// Administration → Cloud Services → Cloud Management Gateway.
    Cmgs,
    /// Administration → Site Configuration → Servers and Site System Roles.
    SiteSystems,
    /// Monitoring → Alerts.
    Alerts,
    /// Monitoring → Status Messages.
    StatusMessages,
    /// Monitoring → Logs.
    Logs,
    /// Content.
    Content,
}

/// The tree as drawn: (depth, label, node it opens if any).
pub const TREE: &[(u8, &str, Option<Node>)] = &[
    (0, "Overview", Some(Node::Overview)),
    (0, "Administration", None),
    (1, "Cloud Services", None),
    (2, "Cloud Distribution Points", Some(Node::Cdps)),
    (2, "Cloud Management Gateway", Some(Node::Cmgs)),
    (1, "Site Configuration", None),
    (2, "Servers and Site System Roles", Some(Node::SiteSystems)),
    (0, "Monitoring", None),
    (1, "Alerts", Some(Node::Alerts)),
    (1, "Status Messages", Some(Node::StatusMessages)),
    (1, "Logs", Some(Node::Logs)),
    (0, "Content", Some(Node::Content)),
];

/// The nodes the tree can select, in order.
pub fn selectable() -> Vec<Node> {
    TREE.iter().filter_map(|(_, _, n)| *n).collect()
}

impl Node {
    /// The node's name in the tree.
    pub fn label(self) -> &'static str {
        TREE.iter()
            .find(|(_, _, n)| *n == Some(self))
            .map_or("", |(_, label, _)| label)
    }

    /// Whether the node is a list of rows (everything but the Overview).
    pub fn is_list(self) -> bool {
        self != Node::Overview
    }

    /// Whether a details pane sits under the list (the other lists' rows are one line of
    /// text each: their whole text is in the detail view).
    pub fn has_details_pane(self) -> bool {
        matches!(
            self,
            Node::Cdps | Node::Cmgs | Node::SiteSystems | Node::Content
        )
    }
}
