//! The wizard's steps, in order.

/// A wizard page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Page {
    /// Subscription and management certificate.
    General,
    /// Region, certificate, names, options.
    Settings,
    /// Thresholds.
    Alerts,
    /// Everything that will be sent.
    Summary,
    /// The task, live.
    Progress,
    /// What happened and what next.
    Completion,
}

impl Page {
    /// Every page in order.
    pub(crate) const ALL: [Page; 6] = [
        Page::General,
        Page::Settings,
        Page::Alerts,
        Page::Summary,
        Page::Progress,
        Page::Completion,
    ];

    /// Name as listed.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Page::General => "General",
            Page::Settings => "Settings",
            Page::Alerts => "Alerts",
            Page::Summary => "Summary",
            Page::Progress => "Progress",
            Page::Completion => "Completion",
        }
    }

    /// Its place in the shell's pages.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The page at `index` (the last one past the end).
    pub(crate) fn at(index: usize) -> Page {
        Page::ALL[index.min(Page::ALL.len() - 1)]
    }

    /// Whether it is a page of fields (General, Settings, Alerts).
    pub(crate) fn has_fields(self) -> bool {
        self <= Page::Alerts
    }

    /// Whether Previous may leave it: not the first page, and not once the create was sent.
    pub(crate) fn back(self) -> bool {
        self > Page::General && self <= Page::Summary
    }
}
