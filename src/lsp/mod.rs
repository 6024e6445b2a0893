//! `srmc lsp`: a language server over standard input and output. It compiles every open file
//! with the editor's unsaved text standing in for the file on disk, on open and on each change
//! (whole-text sync: a compilation takes milliseconds), and answers from that compilation.
//! Synchronous, one message at a time: no request waits on anything but the compiler.

mod completion;
mod diagnostics;
mod documents;
mod editing;
mod hover;
mod index;
mod navigation;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self, Notification as _};
use lsp_types::request::{self, Request as _};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverContents, HoverProviderCapability,
    MarkupContent, MarkupKind, OneOf, PositionEncodingKind, ServerCapabilities,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use crate::analyze::Limits;
use diagnostics::Analysis;
pub use documents::Encoding;
use documents::{Documents, Lines};

/// Set in the environment, makes the request `srmc/panic` panic: how the tests show that a
/// failing request does not take the server down.
const PANIC_HOOK: &str = "SRMC_LSP_TEST_PANIC";

/// The server's state between messages: what is open and what it compiled to. Public so that
/// benches drive it without pipes.
pub struct Session {
    documents: Documents,
    analyses: Vec<Analysis>,
    /// What each address was last sent, to send only what changed.
    published: HashMap<String, Vec<lsp_types::Diagnostic>>,
    encoding: Encoding,
    limits: Limits,
}

/// The editor's default limit on one file. The largest matrix we ship is about 100 KB; a file
/// forty times that still compiles between keystrokes, while a 10 MB paste would stall the
/// editor for seconds on every key.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

pub fn run(limits: Limits) -> std::process::ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let outcome = serve(&connection, limits);
    drop(connection);
    let joined = io_threads.join();
    match outcome.and_then(|()| joined.map_err(|e| e.to_string())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: srmc lsp: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

fn serve(connection: &Connection, limits: Limits) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: lsp_types::InitializeParams =
        serde_json::from_value(params).map_err(|e| e.to_string())?;
    // Byte offsets when the editor can take them: the compiler counts in bytes.
    let utf8 = params
        .capabilities
        .general
        .and_then(|general| general.position_encodings)
        .is_some_and(|offered| offered.contains(&PositionEncodingKind::UTF8));
    let encoding = if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    };
    let capabilities = ServerCapabilities {
        position_encoding: Some(if utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".to_owned(), ":".to_owned()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "srmc", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Session::new(encoding, limits);
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = server.answer(request);
                send(connection, response.into())?;
            }
            Message::Notification(notification) => {
                let outcome =
                    std::panic::catch_unwind(AssertUnwindSafe(|| server.notified(notification)));
                let messages = match outcome {
                    Ok(messages) => messages,
                    Err(_) => vec![log("srmc: a change could not be compiled (a bug: please report it); the server goes on")],
                };
                for message in messages {
                    send(connection, message)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection.sender.send(message).map_err(|e| e.to_string())
}

fn log(text: &str) -> Message {
    Notification::new(
        notification::LogMessage::METHOD.to_owned(),
        lsp_types::LogMessageParams {
            typ: lsp_types::MessageType::ERROR,
            message: text.to_owned(),
        },
    )
    .into()
}

/// A request's parameters read, its handler run on them and its answer made.
fn respond<R: request::Request>(
    request: Request,
    handler: impl FnOnce(R::Params) -> R::Result,
) -> Response {
    match serde_json::from_value::<R::Params>(request.params) {
        Ok(params) => Response::new_ok(request.id, handler(params)),
        Err(error) => Response::new_err(
            request.id,
            ErrorCode::InvalidParams as i32,
            error.to_string(),
        ),
    }
}

impl Session {
    pub fn new(encoding: Encoding, limits: Limits) -> Self {
        Session {
            documents: Documents::default(),
            analyses: Vec::new(),
            published: HashMap::new(),
            encoding,
            limits,
        }
    }

    /// The answer to a request; a handler that panics is answered with an error and the server
    /// goes on with the next message.
    pub fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        std::panic::catch_unwind(AssertUnwindSafe(|| self.route(request))).unwrap_or_else(|_| {
            Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "srmc: this request failed inside the server (a bug: please report it); the server goes on".to_owned(),
            )
        })
    }

    fn route(&self, request: Request) -> Response {
        match request.method.as_str() {
            request::HoverRequest::METHOD => respond::<request::HoverRequest>(request, |params| {
                self.hover(&params.text_document_position_params)
            }),
            request::GotoDefinition::METHOD => {
                respond::<request::GotoDefinition>(request, |params| {
                    let at = &params.text_document_position_params;
                    let locations = self.navigate(at, |analysis, occurrence| {
                        let (compilation, _) = analysis.file(&self.path(at)?)?;
                        Some(navigation::definition(
                            &compilation.sources,
                            analysis.occurrences(),
                            occurrence,
                            &self.documents,
                            self.encoding,
                        ))
                    });
                    locations.map(lsp_types::GotoDefinitionResponse::Array)
                })
            }
            request::References::METHOD => respond::<request::References>(request, |params| {
                let at = &params.text_document_position;
                self.navigate(at, |analysis, occurrence| {
                    use index::Kind;
                    if !matches!(
                        occurrence.kind,
                        Kind::Party | Kind::Service | Kind::UpstreamService
                    ) {
                        return None;
                    }
                    let (compilation, _) = analysis.file(&self.path(at)?)?;
                    Some(navigation::references(
                        &compilation.sources,
                        analysis.occurrences(),
                        occurrence,
                        params.context.include_declaration,
                        &self.documents,
                        self.encoding,
                    ))
                })
            }),
            request::Completion::METHOD => respond::<request::Completion>(request, |params| {
                let at = &params.text_document_position;
                let document = self.documents.get(&at.text_document.uri)?;
                let offset = Lines::new(&document.text, self.encoding).offset(at.position);
                let model = self
                    .analysis_of(&document.path)
                    .and_then(|analysis| analysis.compilation.as_ref().ok())
                    .and_then(|compilation| compilation.checked.as_ref())
                    .map(|checked| &checked.model);
                let items = completion::complete(&document.text, offset, model);
                Some(lsp_types::CompletionResponse::Array(items))
            }),
            request::DocumentSymbolRequest::METHOD => {
                respond::<request::DocumentSymbolRequest>(request, |params| {
                    let document = self.documents.get(&params.text_document.uri)?;
                    let lines = Lines::new(&document.text, self.encoding);
                    Some(lsp_types::DocumentSymbolResponse::Nested(editing::outline(
                        &document.text,
                        &lines,
                    )))
                })
            }
            request::Formatting::METHOD => respond::<request::Formatting>(request, |params| {
                let document = self.documents.get(&params.text_document.uri)?;
                let lines = Lines::new(&document.text, self.encoding);
                editing::format(&document.text, &lines)
            }),
            request::CodeActionRequest::METHOD => {
                respond::<request::CodeActionRequest>(request, |params| {
                    Some(editing::quick_fixes(
                        &params.text_document.uri,
                        &params.context.diagnostics,
                    ))
                })
            }
            "srmc/panic" if std::env::var_os(PANIC_HOOK).is_some() => {
                panic!("srmc/panic asked for a panic")
            }
            _ => Response::new_err(
                request.id,
                ErrorCode::MethodNotFound as i32,
                format!("srmc lsp does not answer `{}`", request.method),
            ),
        }
    }

    fn path(&self, at: &TextDocumentPositionParams) -> Option<std::path::PathBuf> {
        Some(self.documents.get(&at.text_document.uri)?.path.clone())
    }

    /// The analysis that read the file at `path`: the matrix it belongs to.
    fn analysis_of(&self, path: &std::path::Path) -> Option<&Analysis> {
        self.analyses
            .iter()
            .find(|analysis| analysis.file(path).is_some())
    }

    /// Runs `look` on the name under the cursor, if there is one.
    fn navigate<T>(
        &self,
        at: &TextDocumentPositionParams,
        look: impl FnOnce(&Analysis, &index::Occurrence) -> Option<T>,
    ) -> Option<T> {
        let document = self.documents.get(&at.text_document.uri)?;
        let analysis = self.analysis_of(&document.path)?;
        let (compilation, file) = analysis.file(&document.path)?;
        let text = &compilation.sources.get(file).text;
        let offset = Lines::new(text, self.encoding).offset(at.position);
        let occurrence = index::at(analysis.occurrences(), file, offset)?;
        look(analysis, occurrence)
    }

    fn hover(&self, at: &TextDocumentPositionParams) -> Option<lsp_types::Hover> {
        self.navigate(at, |analysis, occurrence| {
            let (compilation, file) = analysis.file(&self.path(at)?)?;
            let checked = compilation.checked.as_ref()?;
            let text = hover::describe(checked, occurrence)?;
            let lines = Lines::new(&compilation.sources.get(file).text, self.encoding);
            let span = occurrence.span;
            Some(lsp_types::Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: text,
                }),
                range: Some(lines.range(span.start as usize, span.end as usize)),
            })
        })
    }

    /// Takes in a change to the open files and returns the diagnostics that changed.
    pub fn notified(&mut self, notification: Notification) -> Vec<Message> {
        match notification.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(
                    notification.params,
                ) else {
                    return Vec::new();
                };
                let document = params.text_document;
                self.documents.set(document.uri, document.text);
            }
            notification::DidChangeTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                    notification.params,
                ) else {
                    return Vec::new();
                };
                // Whole-text sync: the last change holds the whole text.
                let Some(change) = params.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                self.documents.set(params.text_document.uri, change.text);
            }
            notification::DidCloseTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                    notification.params,
                ) else {
                    return Vec::new();
                };
                self.documents.close(&params.text_document.uri);
            }
            // Saving changes nothing the server does not already have.
            _ => return Vec::new(),
        }
        self.refresh()
    }

    /// Compiles again and returns a notification for every file whose diagnostics changed.
    fn refresh(&mut self) -> Vec<Message> {
        self.analyses = diagnostics::analyze(&self.documents, self.limits);
        let mut now = diagnostics::diagnostics(&self.analyses, &self.documents, self.encoding);
        // A file no compilation reads any more (closed, or no longer imported) is cleared.
        for (address, previous) in &self.published {
            if !previous.is_empty() && !now.contains_key(address) {
                if let Ok(uri) = address.parse() {
                    now.insert(address.clone(), (uri, Vec::new()));
                }
            }
        }
        let mut messages = Vec::new();
        let mut addresses: Vec<&String> = now.keys().collect();
        addresses.sort();
        for address in addresses {
            let (uri, diagnostics) = &now[address];
            let before = self.published.get(address);
            if before.is_none_or(|before| before != diagnostics) {
                messages.push(
                    Notification::new(
                        notification::PublishDiagnostics::METHOD.to_owned(),
                        lsp_types::PublishDiagnosticsParams::new(
                            uri.clone(),
                            diagnostics.clone(),
                            None,
                        ),
                    )
                    .into(),
                );
            }
        }
        self.published = now
            .into_iter()
            .map(|(address, (_, diagnostics))| (address, diagnostics))
            .collect();
        messages
    }
}
