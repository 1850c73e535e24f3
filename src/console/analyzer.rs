//! The connection analyzer on a selected CMG (`z`): a window over the main screen that first
//! asks for the client certificate to analyze with (optional, as `cmg analyze --client-cert`),
//! then lists the analyzer's checks, each shown running, then Passed, Failed or Skipped with
//! what it found and what to do, as the site streams them. Esc closes it.

use super::field::draw::{Look, draw};
use super::field::{Field, FieldId, FieldKey, TabResult};
use super::form::Form;
use super::keymap::{Action, Context, Keymap};
use super::model::Model;
use super::msg::{FormRequest, Outcome, Reply, Request};
use super::theme::{Role, Theme};
use super::ui::style::{of, pane};
use super::ui::text::safe;
use super::wizard::upload_file;
use crate::api::client::ClientError;
use crate::api::wire::{AnalyzerEvent, CheckResult, ServiceView};
use crate::domain::analyzer::{AnalyzerCheck, CheckOutcome};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use FieldId::{ClientCertFile, ClientCertPassword};

/// The tag of the analysis request.
const TAG: &str = "analyze";

/// An analysis being asked for, then shown.
#[derive(Debug, Clone)]
pub struct AnalyzerView {
    /// The CMG's service FQDN.
    cmg: String,
    /// The CMG's id.
    id: String,
    /// Before the run: the client certificate file and its password (the shared field
    /// editing), and which of them has the focus. `None` once the analysis started.
    setup: Option<([Field; 2], usize)>,
    /// The client certificate file the analysis presents, if any.
    presented: Option<String>,
    /// The check running now.
    running: Option<AnalyzerCheck>,
    /// The checks concluded so far, in order.
    results: Vec<CheckResult>,
    /// Failed checks, once every check concluded.
    failed: Option<usize>,
    /// Why the analysis stopped early.
    error: Option<String>,
}

/// Opens the analyzer on `cmg`, asking first for the client certificate to analyze with.
pub fn open(cmg: &ServiceView) -> (Box<dyn Form>, Outcome) {
    let fields = [
        Field::file(ClientCertFile, "Client certificate (.pfx)")
            .optional()
            .hint("optional; Tab completes the path"),
        Field::secret(ClientCertPassword, "Password").optional(),
    ];
    let view = AnalyzerView {
        cmg: cmg.service_fqdn.clone(),
        id: cmg.id.clone(),
        setup: Some((fields, 0)),
        presented: None,
        running: None,
        results: Vec::new(),
        failed: None,
        error: None,
    };
    (Box::new(view), Outcome::default())
}

impl AnalyzerView {
    /// Enter on the setup: the request that starts the analysis, or the reason the
    /// certificate cannot be read (under its field; nothing is sent).
    fn start(&mut self) -> Outcome {
        let Some((fields, _)) = &mut self.setup else {
            return Outcome::default();
        };
        let path = fields[0].text_value().trim().to_string();
        let upload = if path.is_empty() {
            None
        } else {
            match upload_file(&path, fields[1].text_value()) {
                Ok(u) => Some(u),
                Err(e) => {
                    fields[0].error = Some(e);
                    return Outcome::default();
                }
            }
        };
        self.setup = None;
        self.presented = upload.as_ref().map(|_| path);
        Outcome {
            requests: vec![FormRequest {
                tag: TAG,
                what: format!("analyze {}", self.cmg),
                request: Request::Analyze {
                    id: self.id.clone(),
                    client_certificate: upload,
                },
            }],
            close: false,
            notice: None,
        }
    }

    /// A key while the certificate is asked for.
    fn setup_key(&mut self, key: KeyEvent) -> Outcome {
        let Some((fields, focus)) = &mut self.setup else {
            return Outcome::default();
        };
        match key.code {
            KeyCode::Enter => return self.start(),
            KeyCode::Tab => {
                // The file field completes its path first; Tab goes on once it cannot.
                if fields[*focus].tab() == TabResult::MoveOn {
                    *focus = (*focus + 1) % fields.len();
                }
            }
            KeyCode::BackTab | KeyCode::Up => *focus = focus.saturating_sub(1),
            KeyCode::Down => *focus = (*focus + 1).min(fields.len() - 1),
            _ => {
                if fields[*focus].on_key(&key, true) == FieldKey::Changed {
                    fields[*focus].error = None;
                }
            }
        }
        Outcome::default()
    }

    /// The setup's lines and where the cursor goes in them.
    fn setup_lines(
        &self,
        width: usize,
        theme: &Theme,
    ) -> (Vec<Line<'static>>, Option<(usize, usize)>) {
        let Some((fields, focus)) = &self.setup else {
            return (Vec::new(), None);
        };
        let mut v = vec![
            Line::from(Span::styled(
                "The client authentication certificate to present (empty: none).",
                of(theme, Role::Text),
            )),
            Line::from(""),
        ];
        let drawn = draw(fields, *focus, Look::Dialog, true, width, theme);
        let top = v.len();
        v.extend(drawn.lines);
        v.push(Line::from(""));
        v.push(Line::from(Span::styled(
            "Enter: analyze · Tab: complete the path, next field · Esc: close",
            of(theme, Role::Muted),
        )));
        (v, drawn.cursor.map(|(line, col)| (line + top, col)))
    }

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
        let with = match &self.presented {
            Some(file) => format!("Analyzed with the client certificate {}.", safe(file)),
            None => "Analyzed as a client without a certificate (z again to give one).".into(),
        };
        v.push(Line::from(Span::styled(with, of(theme, Role::Muted))));
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
        self.setup_key(key)
    }

    fn on_paste(&mut self, text: &str, _model: &Model) -> Outcome {
        if let Some((fields, focus)) = &mut self.setup
            && let Err(e) = fields[*focus].paste(text)
        {
            fields[*focus].error = Some(e.to_string());
        }
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
        if self.setup.is_some() {
            let width = usize::from(area.width.saturating_sub(2));
            let (lines, cursor) = self.setup_lines(width, theme);
            f.render_widget(
                Paragraph::new(lines).block(pane(&self.title(), true, theme)),
                area,
            );
            if let Some((line, col)) = cursor
                && line + 2 < usize::from(area.height)
                && col < width
            {
                f.set_cursor_position(Position::new(
                    area.x + 1 + col as u16,
                    area.y + 1 + line as u16,
                ));
            }
            return;
        }
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
