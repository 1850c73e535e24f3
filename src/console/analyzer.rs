//! The connection analyzer on a selected CMG (`z`): a window over the main screen listing the
//! analyzer's checks, each shown running, then Passed, Failed or Skipped with what it found
//! and what to do, as the site streams them. Esc closes it.

use super::form::Form;
use super::keymap::{Action, Context, Keymap};
use super::model::Model;
use super::msg::{FormRequest, Outcome, Reply, Request};
use super::theme::{Role, Theme};
use super::ui::style::{of, pane};
use super::ui::text::safe;
use crate::api::client::ClientError;
use crate::api::wire::{AnalyzerEvent, CheckResult, ServiceView};
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The tag of the analysis request.
const TAG: &str = "analyze";

/// An analysis being shown.
#[derive(Debug, Clone)]
pub struct AnalyzerView {
    /// The CMG's service FQDN.
    cmg: String,
    /// The check running now.
    running: Option<AnalyzerCheck>,
    /// The checks concluded so far, in order.
    results: Vec<CheckResult>,
    /// Failed checks, once every check concluded.
    failed: Option<usize>,
    /// Why the analysis stopped early.
    error: Option<String>,
}

/// Opens the analyzer on `cmg` and the request that starts it.
pub fn open(cmg: &ServiceView) -> (Box<dyn Form>, Outcome) {
    let view = AnalyzerView {
        cmg: cmg.service_fqdn.clone(),
        running: None,
        results: Vec::new(),
        failed: None,
        error: None,
    };
    let out = Outcome {
        requests: vec![FormRequest {
            tag: TAG,
            what: format!("analyze {}", cmg.service_fqdn),
            request: Request::Analyze { id: cmg.id.clone() },
        }],
        close: false,
        notice: None,
    };
    (Box::new(view), out)
}

impl AnalyzerView {
    /// Applies one event of the analysis.
    pub fn apply(&mut self, event: &AnalyzerEvent) {
        match event {
            AnalyzerEvent::Running { check, .. } => self.running = Some(*check),
            AnalyzerEvent::Finished { result } => {
                self.running = None;
                self.results.push(result.clone());
            }
            AnalyzerEvent::Done { failed, .. } => {
                self.running = None;
                self.failed = Some(*failed);
            }
        }
    }

    /// The window's lines: every check in order, with its state.
    fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut v = Vec::new();
        for check in AnalyzerCheck::ALL {
            let name = check.display_name();
            match self.results.iter().find(|r| r.check == check) {
                Some(r) => {
                    let role = match r.outcome {
                        CheckOutcome::Passed => Role::StatusReady,
                        CheckOutcome::Failed => Role::StatusError,
                        CheckOutcome::Skipped => Role::Muted,
                    };
                    v.push(Line::from(vec![
                        Span::styled(format!("{:<8}", r.outcome.display_name()), of(theme, role)),
                        Span::styled(name, of(theme, Role::Text)),
                    ]));
                    v.push(Line::from(Span::styled(
                        format!("        {}", safe(&r.detail)),
                        of(theme, Role::Muted),
                    )));
                    if let Some(a) = &r.action {
                        v.push(Line::from(Span::styled(
                            format!("        What to do: {}", safe(a)),
                            of(theme, Role::AlertWarning),
                        )));
                    }
                }
                None if self.running == Some(check) => v.push(Line::from(vec![
                    Span::styled(format!("{:<8}", "Running"), of(theme, Role::StatusStarting)),
                    Span::styled(name, of(theme, Role::Text)),
                ])),
                None => v.push(Line::from(vec![
                    Span::styled(format!("{:<8}", ""), of(theme, Role::Muted)),
                    Span::styled(name, of(theme, Role::Muted)),
                ])),
            }
        }
        v.push(Line::from(""));
        let last = match (&self.error, self.failed) {
            (Some(e), _) => Span::styled(
                format!("The analysis stopped: {}", safe(e)),
                of(theme, Role::StatusError),
            ),
            (None, Some(0)) => Span::styled("Every check passed.", of(theme, Role::StatusReady)),
            (None, Some(n)) => Span::styled(
                format!("{n} check(s) failed."),
                of(theme, Role::StatusError),
            ),
            (None, None) => Span::styled("Analyzing…", of(theme, Role::Muted)),
        };
        v.push(Line::from(last));
        // The console has no client certificate to present: say how to analyze with one.
        v.push(Line::from(Span::styled(
            format!(
                "Analyzed as a client without a certificate; with one: cloudsite cmg analyze {} --client-cert FILE.pfx",
                safe(&self.cmg)
            ),
            of(theme, Role::Muted),
        )));
        v
    }
}

impl Form for AnalyzerView {
    fn title(&self) -> String {
        format!("Connection analyzer · {}", self.cmg)
    }

    fn on_key(&mut self, key: KeyEvent, keymap: &Keymap, _model: &Model) -> Outcome {
        if keymap.action(&key, Context::Global) == Some(Action::Back) {
            return Outcome::close(None);
        }
        Outcome::default()
    }

    fn on_paste(&mut self, _text: &str, _model: &Model) -> Outcome {
        Outcome::default()
    }

    fn on_reply(
        &mut self,
        tag: &'static str,
        result: &Result<Reply, ClientError>,
        _model: &Model,
    ) -> Outcome {
        if tag != TAG {
            return Outcome::default();
        }
        match result {
            Ok(Reply::Analyzer(event)) => self.apply(event),
            Ok(_) => {}
            Err(e) => {
                self.running = None;
                self.error = Some(e.to_string());
            }
        }
        Outcome::default()
    }

    fn render(&self, f: &mut Frame<'_>, area: Rect, theme: &Theme, _model: &Model) {
        f.render_widget(
            Paragraph::new(self.lines(theme))
                .wrap(Wrap { trim: false })
                .block(pane(&self.title(), true, theme)),
            area,
        );
    }

    fn commands(&self) -> Vec<Action> {
        vec![Action::Back, Action::ForceQuit]
    }
}
