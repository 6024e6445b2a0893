//! `build --format oscal-ssp`: the checked matrix as a NIST OSCAL system security plan (JSON,
//! OSCAL 1.2.1), for the compliance-as-code tools that read nothing else.
//!
//! Each service is a component; per control an implemented-requirement holds one by-component
//! per service: duties the provider side answers for are `export.provided`, the others
//! `export.responsibilities`, duties inherited from a sub-service `inherited`, obligations taken
//! up from an upstream `satisfied`. What OSCAL has no field for travels in props of the `urn:srmc`
//! namespace. Every uuid is a version-5 uuid of a stable key in a namespace made from the
//! fingerprint, so the same matrix gives the same bytes; the document is written control by
//! control, never held whole.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use serde::Serialize;
use uuid::Uuid;

use super::markdown;
use crate::analyze::model::{Model, Origin, PartyKind, PartyRef, Raci};
use crate::diagnostics::Diagnostic;
use crate::graph::{Ownership, ResponsibilityGraph};
use crate::published::Streamed;
use crate::Compilation;

/// The OSCAL version written: the newest compliance-trestle 5.2 reads (the 1.2.3 schema accepts
/// it too).
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of srmc's own props.
pub const NAMESPACE: &str = "urn:srmc";

/// FedRAMP's namespace, whose `control-origination` prop SSP tools read.
const FEDRAMP: &str = "https://fedramp.gov/ns/oscal";

type Text<'a> = Cow<'a, str>;

/// The uuids of one matrix's document: version 5, in a namespace of its fingerprint.
#[derive(Clone, Copy)]
pub struct Uuids(Uuid);

impl Uuids {
    pub fn new(fingerprint: &str) -> Self {
        let root = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:srmc:oscal-ssp");
        Uuids(Uuid::new_v5(&root, fingerprint.as_bytes()))
    }

    /// The uuid of what `kind` and `keys` name; keys are joined with NUL, which no id holds.
    pub fn of(&self, kind: &str, keys: &[&str]) -> String {
        let mut name = Vec::with_capacity(64);
        name.extend_from_slice(kind.as_bytes());
        for key in keys {
            name.push(0);
            name.extend_from_slice(key.as_bytes());
        }
        Uuid::new_v5(&self.0, &name).to_string()
    }

    /// A duty's statement (provided, responsibility or inherited): the same key whichever side
    /// it is on, so that a matrix downstream can point at it knowing only the fingerprint.
    pub fn duty(&self, service: &str, control: &str, duty: &str) -> String {
        self.of("duty", &[service, control, duty])
    }
}

/// An OSCAL token (`control-id`, prop names): ids that already are one stay as they are; any
/// other gets `_` in front, `__` for `_` and `_HEX_` for a character
/// a token cannot hold, so that two ids never map to one token (`9.2.5` → `_9.2.5`,
/// `gx::GX-01` → `_gx_3a__3a_GX-01`).
pub fn token(id: &str) -> Cow<'_, str> {
    let inner = |c: char| c.is_alphabetic() || c.is_numeric() || matches!(c, '.' | '-' | '_');
    let mut chars = id.chars();
    // An id that starts with `_` is mapped too: only mapped ids start with one.
    let is_token = chars.next().is_some_and(char::is_alphabetic) && chars.all(inner);
    if is_token {
        return Cow::Borrowed(id);
    }
    let mut out = String::with_capacity(id.len() + 4);
    out.push('_');
    for c in id.chars() {
        match c {
            '_' => out.push_str("__"),
            c if inner(c) => out.push(c),
            c => out.push_str(&format!("_{:x}_", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// OSCAL's `string`: not empty, no white space at either end, no line break. White space runs
/// become one space; an empty text becomes `fallback`.
fn string<'a>(text: &'a str, fallback: &'a str) -> Text<'a> {
    let plain = |t: &str| {
        t.split(' ')
            .all(|w| !w.is_empty() && !w.contains(char::is_whitespace))
    };
    if plain(text) {
        return Cow::Borrowed(text);
    }
    let clean = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    match clean(text) {
        cleaned if cleaned.is_empty() => Cow::Owned(clean(fallback)),
        cleaned => Cow::Owned(cleaned),
    }
}

/// OSCAL's `markup-line` (Markdown on one line, not empty) for plain text: every character
/// Markdown would read is escaped, so user text stays text.
fn line(text: &str, fallback: &str) -> String {
    let escaped = markdown::escape_cell(text.trim());
    match escaped.trim() {
        "" => markdown::escape_cell(fallback),
        trimmed if trimmed.len() == escaped.len() => escaped,
        trimmed => trimmed.to_owned(),
    }
}

/// A note (Markdown) as `markup-multiline`: raw HTML and unsafe links disarmed as in the annex.
fn note(text: &str) -> String {
    markdown::to_markdown(text)
}

#[derive(Serialize)]
struct Prop<'a> {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'static str>,
    value: Text<'a>,
}

fn prop<'a>(name: &'static str, value: impl Into<Text<'a>>) -> Prop<'a> {
    let value = match value.into() {
        Cow::Borrowed(text) => string(text, "-"),
        Cow::Owned(text) => Cow::Owned(string(&text, "-").into_owned()),
    };
    Prop {
        name,
        ns: Some(NAMESPACE),
        value,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Link {
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleRole<'a> {
    role_id: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    party_uuids: Vec<String>,
}

/// One duty as OSCAL states it: a provided capability, a responsibility, an inherited one or a
/// satisfied one; the fields that do not apply stay out.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Statement<'a> {
    uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    provided_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    responsibility_uuid: Option<String>,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Export<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    provided: Vec<Statement<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsibilities: Vec<Statement<'a>>,
}

#[derive(Serialize)]
struct Status {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ByComponent<'a> {
    component_uuid: String,
    uuid: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    implementation_status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    export: Option<Export<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inherited: Vec<Statement<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    satisfied: Vec<Statement<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Requirement<'a> {
    uuid: String,
    control_id: Text<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    by_components: Vec<ByComponent<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

/// Which side answers for a duty, which decides where OSCAL puts it.
fn provider_side(model: &Model, accountable: &[usize]) -> bool {
    accountable
        .iter()
        .any(|&p| model.parties[p].kind == PartyKind::Provider)
}

/// FedRAMP's `control-origination` for an ownership word; a gap or an exclusion has none.
fn origination(ownership: Ownership) -> Option<&'static str> {
    match ownership {
        Ownership::Provider => Some("sp-system"),
        Ownership::Customer => Some("customer-configured"),
        Ownership::Shared | Ownership::Partner => Some("shared"),
        Ownership::Inherited => Some("inherited"),
        Ownership::Excluded | Ownership::Conflict | Ownership::Unowned => None,
    }
}

/// Everything the document is made from, and the uuids of the things it points at.
struct Context<'a> {
    model: &'a Model,
    graph: &'a ResponsibilityGraph,
    uuids: Uuids,
    party_uuids: Vec<String>,
    component_uuids: Vec<String>,
    /// Messages of the findings about each (service, control) pair, with `--allow-gaps`.
    findings: HashMap<(&'a str, &'a str), Vec<String>>,
    /// Each evidence text with the back-matter resource it links to, in first-use order.
    evidence: HashMap<&'a str, String>,
}

impl<'a> Context<'a> {
    fn roles(&self, letters: &[(usize, Raci)]) -> Vec<ResponsibleRole<'a>> {
        let mut roles: Vec<ResponsibleRole> = Vec::new();
        for kind in [PartyKind::Provider, PartyKind::Customer, PartyKind::Partner] {
            let holders: Vec<&(usize, Raci)> = letters
                .iter()
                .filter(|(p, l)| {
                    self.model.parties[*p].kind == kind
                        && (l.contains(Raci::R) || l.contains(Raci::A))
                })
                .collect();
            if holders.is_empty() {
                continue;
            }
            roles.push(ResponsibleRole {
                role_id: kind.as_str(),
                props: Vec::new(),
                party_uuids: holders
                    .iter()
                    .map(|(p, _)| self.party_uuids[*p].clone())
                    .collect(),
            });
        }
        roles
    }

    fn raci_props(&self, letters: &[(usize, Raci)]) -> Vec<Prop<'a>> {
        letters
            .iter()
            .map(|(p, l)| prop("raci", format!("{}: {l}", self.model.parties[*p].id)))
            .collect()
    }

    fn evidence_links(&self, evidence: &[String]) -> Vec<Link> {
        evidence
            .iter()
            .map(|e| Link {
                href: format!("#{}", self.evidence[e.as_str()]),
                text: Some(line(e, "evidence")),
            })
            .collect()
    }

    /// A duty of a pair as a statement, with the key its uuid is made from.
    fn duty_statement(
        &self,
        service: &str,
        control: &str,
        duty_key: &str,
        node: petgraph::graph::NodeIndex,
        duty: usize,
    ) -> Statement<'a> {
        let def = &self.model.duties[duty];
        let letters = self.graph.assignments(node);
        let mut props = vec![prop("duty", def.id.as_str())];
        props.extend(self.raci_props(&letters));
        match def.origin {
            Origin::Written => {}
            Origin::Baseline(b) => props.push(prop(
                "origin",
                format!("baseline {}", self.model.baselines[b].id),
            )),
            Origin::Inherited { from, .. } => props.push(prop(
                "origin",
                format!("inherited {}", self.model.services[from].id),
            )),
            Origin::Upstream(upstream) => props.push(prop(
                "origin",
                format!("upstream {}", self.model.upstreams[upstream].id),
            )),
        }
        let remarks = (!def.notes.is_empty()).then(|| {
            def.notes
                .iter()
                .map(|n| note(n))
                .collect::<Vec<_>>()
                .join("\n\n")
        });
        Statement {
            uuid: self.uuids.duty(service, control, duty_key),
            provided_uuid: None,
            responsibility_uuid: None,
            description: line(&def.title, &def.id),
            props,
            links: self.evidence_links(&def.evidence),
            responsible_roles: self.roles(&letters),
            remarks,
        }
    }

    /// The by-component of one service (or sub-service) for one control.
    fn by_component(&self, service: usize, control: usize, gaps_allowed: bool) -> ByComponent<'a> {
        let model = self.model;
        let index = model.pair_index(service, control);
        let pair = &model.pairs[index];
        let service_id = model.services[service].id.as_str();
        let control_display = model.controls[control].display.as_str();
        let ownership = self.graph.ownership[index];
        let mut props = vec![prop("ownership", ownership.as_str())];
        if let Some(origination) = origination(ownership) {
            props.push(Prop {
                name: "control-origination",
                ns: Some(FEDRAMP),
                value: Cow::Borrowed(origination),
            });
        }
        if let Some(i) = pair.inherit {
            let from = &model.services[model.inherits[i].from];
            props.push(prop("inherited-from", from.id.as_str()));
        }
        let (mut provided, mut responsibilities, mut inherited) = (Vec::new(), Vec::new(), vec![]);
        let mut seen: Vec<&str> = Vec::new();
        for (node, duty) in self.graph.pair_duties(index) {
            let def = &model.duties[duty];
            // Two duties of one id (E205, with --allow-gaps) still get a uuid each.
            let repeats = seen.iter().filter(|id| **id == def.id).count();
            seen.push(&def.id);
            let key = if repeats == 0 {
                Cow::Borrowed(def.id.as_str())
            } else {
                Cow::Owned(format!("{}\u{0}{repeats}", def.id))
            };
            let mut statement = self.duty_statement(service_id, control_display, &key, node, duty);
            let accountable = self.graph.accountability(node).accountable().to_vec();
            let on_provider_side = provider_side(model, &accountable);
            if let Origin::Inherited {
                from, duty: below, ..
            } = def.origin
            {
                let from_pair = model.pair_index(from, control);
                let below_node = self
                    .graph
                    .pair_duties(from_pair)
                    .find(|&(_, d)| d == below)
                    .map(|(n, _)| n);
                let provided_below = below_node.is_some_and(|n| {
                    provider_side(model, self.graph.accountability(n).accountable())
                });
                if provided_below {
                    statement.provided_uuid = Some(self.uuids.duty(
                        &model.services[from].id,
                        control_display,
                        &model.duties[below].id,
                    ));
                    // An inherited statement has no remarks in OSCAL: its notes go with its
                    // description, so that nothing is lost.
                    if let Some(remarks) = statement.remarks.take() {
                        statement.description = format!("{}\n\n{remarks}", statement.description);
                    }
                    inherited.push(statement);
                    continue;
                }
            }
            if on_provider_side {
                provided.push(statement);
            } else {
                responsibilities.push(statement);
            }
        }
        // The customer's part completes what the provider provides for the same control.
        if let Some(first) = provided.first() {
            for responsibility in &mut responsibilities {
                responsibility.provided_uuid = Some(first.uuid.clone());
            }
        }
        let exclusion = pair.exclusion.map(|e| &model.exclusions[e]);
        let findings = self.findings.get(&(service_id, control_display));
        let implementation_status = if let Some(exclusion) = exclusion {
            Status {
                state: "not-applicable",
                remarks: Some(line(&exclusion.justification, "no justification given")),
            }
        } else if gaps_allowed
            && (matches!(ownership, Ownership::Conflict | Ownership::Unowned) || findings.is_some())
        {
            let mut remarks: Vec<String> = vec![format!(
                "Not ready to sign: the pair is {}.",
                ownership.as_str()
            )];
            remarks.extend(findings.into_iter().flatten().map(|f| line(f, "finding")));
            Status {
                state: "planned",
                remarks: Some(remarks.join("\n\n")),
            }
        } else {
            Status {
                state: "implemented",
                remarks: None,
            }
        };
        let notes: Vec<String> = pair.notes.iter().map(|n| note(n)).collect();
        let export = (!provided.is_empty() || !responsibilities.is_empty()).then_some(Export {
            provided,
            responsibilities,
        });
        ByComponent {
            component_uuid: self.component_uuids[service].clone(),
            uuid: self
                .uuids
                .of("by-component", &[service_id, control_display]),
            description: format!(
                "{} for {}",
                line(&model.services[service].name, service_id),
                line(control_display, "control")
            ),
            props,
            implementation_status,
            export,
            inherited,
            satisfied: Vec::new(),
            remarks: (!notes.is_empty()).then(|| notes.join("\n\n")),
        }
    }
}

/// Writes the SSP of a checked matrix into `out`; `fingerprint` is the matrix's.
pub fn write(
    compilation: &Compilation,
    fingerprint: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let crate::Checked { model, graph } = compilation.checked.as_ref().expect("a checked matrix");
    let gaps_allowed = compilation.errors() > 0;
    let uuids = Uuids::new(fingerprint);
    let party_uuids: Vec<String> = model
        .parties
        .iter()
        .map(|p| uuids.of("party", &[&p.id]))
        .collect();
    let component_uuids: Vec<String> = model
        .services
        .iter()
        .map(|s| uuids.of("component", &[&s.id]))
        .collect();
    let mut evidence: HashMap<&str, String> = HashMap::new();
    let mut evidence_order: Vec<&str> = Vec::new();
    for text in model.duties.iter().flat_map(|d| &d.evidence) {
        evidence.entry(text.as_str()).or_insert_with(|| {
            evidence_order.push(text);
            uuids.of("evidence", &[text])
        });
    }
    let context = Context {
        model,
        graph,
        uuids,
        party_uuids,
        component_uuids,
        findings: pair_findings(&compilation.diagnostics, gaps_allowed),
        evidence,
    };
    let document = Document {
        plan: Plan {
            uuid: uuids.of("system-security-plan", &[]),
            metadata: metadata(&context, fingerprint),
            import_profile: ImportProfile {
                href: format!("#{}", uuids.of("catalogs", &[])),
                remarks: "The controls are those of the matrix's catalogs (srmc catalog ID lists them); no OSCAL profile is published for them.",
            },
            system_characteristics: characteristics(&context, compilation.errors()),
            system_implementation: implementation(&context),
            control_implementation: ControlImplementation {
                description: format!(
                    "Who answers for each control of {}, service by service, as the shared-responsibility matrix assigns it (srmc {}).",
                    model.header.catalogs.join(", "),
                    env!("CARGO_PKG_VERSION")
                ),
                implemented_requirements: Streamed(|| requirements(&context, gaps_allowed)),
            },
            back_matter: Some(back_matter(&context, &evidence_order)),
        },
    };
    // serde_json writes token by token: into a buffer of a known type each write is a copy, into
    // `dyn Write` a call (a tenth of the time on a large matrix).
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &document)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

fn pair_findings(
    diagnostics: &[Diagnostic],
    gaps_allowed: bool,
) -> HashMap<(&str, &str), Vec<String>> {
    let mut findings: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    for diagnostic in diagnostics.iter().filter(|_| gaps_allowed) {
        if let Some(pair) = &diagnostic.pair {
            findings
                .entry((pair.service.as_str(), pair.control.as_str()))
                .or_default()
                .push(format!("{}: {}", diagnostic.code, diagnostic.message));
        }
    }
    findings
}

#[derive(Serialize)]
struct Document<'a, R: Serialize> {
    #[serde(rename = "system-security-plan")]
    plan: Plan<'a, R>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Plan<'a, R: Serialize> {
    uuid: String,
    metadata: Metadata<'a>,
    import_profile: ImportProfile,
    system_characteristics: Characteristics<'a>,
    system_implementation: Implementation<'a>,
    control_implementation: ControlImplementation<R>,
    #[serde(skip_serializing_if = "Option::is_none")]
    back_matter: Option<BackMatter>,
}

#[derive(Serialize)]
struct ImportProfile {
    href: String,
    remarks: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlImplementation<R: Serialize> {
    description: String,
    implemented_requirements: R,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata<'a> {
    title: String,
    last_modified: String,
    version: Text<'a>,
    oscal_version: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    revisions: Vec<Revision<'a>>,
    props: Vec<Prop<'a>>,
    roles: Vec<Role>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parties: Vec<OscalParty<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_parties: Vec<ResponsibleParty>,
}

/// An earlier version the header's `history` lists.
#[derive(Serialize)]
struct Revision<'a> {
    version: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
struct Role {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OscalParty<'a> {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: Text<'a>,
    props: Vec<Prop<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    member_of_organizations: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleParty {
    role_id: &'static str,
    party_uuids: Vec<String>,
}

/// The effective date as OSCAL's date-time (midnight UTC): the document changes when the matrix
/// does, never with the clock. OSCAL's pattern takes years 1900 to 2999 only.
fn effective_date(model: &Model) -> &str {
    oscal_date(&model.header.effective).unwrap_or("1900-01-01")
}

/// A `YYYY-MM-DD` date that OSCAL's date pattern accepts.
fn oscal_date(date: &str) -> Option<&str> {
    match date.get(..4).and_then(|y| y.parse::<u32>().ok()) {
        Some(1900..=2999) if date.len() == 10 => Some(date),
        _ => None,
    }
}

fn metadata<'a>(context: &Context<'a>, fingerprint: &'a str) -> Metadata<'a> {
    let model = context.model;
    let mut props = vec![prop("fingerprint", fingerprint)];
    props.extend(
        model
            .header
            .catalogs
            .iter()
            .map(|c| prop("catalog", c.as_str())),
    );
    if !model.header.effective.is_empty() {
        props.push(prop("effective", model.header.effective.as_str()));
    }
    let document = &model.header.document;
    for (name, value) in document.fields() {
        props.extend(value.map(|value| prop(name, value)));
    }
    props.push(prop(
        "generator",
        format!("srmc {}", env!("CARGO_PKG_VERSION")),
    ));
    let revisions = document
        .history
        .iter()
        .map(|entry| Revision {
            version: string(&entry.version, "unversioned"),
            published: oscal_date(&entry.date).map(|date| format!("{date}T00:00:00Z")),
            remarks: Some(format!(
                "{}: {}",
                line(&entry.date, "undated"),
                line(&entry.summary, "no summary")
            )),
        })
        .collect();
    let mut parties: Vec<OscalParty> = model
        .parties
        .iter()
        .enumerate()
        .map(|(index, party)| {
            let mut props = vec![prop("party", party.id.as_str())];
            props.push(prop(
                if party.team_of.is_some() {
                    "team-of-kind"
                } else {
                    "kind"
                },
                party.kind.as_str(),
            ));
            OscalParty {
                uuid: context.party_uuids[index].clone(),
                kind: "organization",
                name: string(&party.name, &party.id),
                props,
                member_of_organizations: party
                    .team_of
                    .map(|of| context.party_uuids[of].clone())
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    for (upstream, party) in upstream_providers(model) {
        parties.push(OscalParty {
            uuid: context
                .uuids
                .of("upstream-party", &[&upstream.id, &party.id]),
            kind: "organization",
            name: string(&party.name, &party.id),
            props: vec![
                prop("party", format!("{}.{}", upstream.id, party.id)),
                prop("kind", "provider"),
            ],
            member_of_organizations: Vec::new(),
        });
    }
    let responsible_parties = [PartyKind::Provider, PartyKind::Customer, PartyKind::Partner]
        .into_iter()
        .filter_map(|kind| {
            let party_uuids: Vec<String> = model
                .parties
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == kind && p.team_of.is_none())
                .map(|(i, _)| context.party_uuids[i].clone())
                .collect();
            (!party_uuids.is_empty()).then_some(ResponsibleParty {
                role_id: kind.as_str(),
                party_uuids,
            })
        })
        .collect();
    Metadata {
        title: line(&model.header.title, "Shared-responsibility matrix"),
        last_modified: format!("{}T00:00:00Z", effective_date(model)),
        version: string(&model.header.version, "unversioned"),
        oscal_version: OSCAL_VERSION,
        revisions,
        props,
        roles: vec![
            Role {
                id: "provider",
                title: "Cloud service provider (CSP side)",
            },
            Role {
                id: "customer",
                title: "Cloud service customer (CSC side)",
            },
            Role {
                id: "partner",
                title: "Partner, on neither side (auditor, broker, integrator)",
            },
        ],
        parties,
        responsible_parties,
    }
}

/// Each upstream that loaded with the first provider party it names: the party its leveraged
/// authorisation is of.
fn upstream_providers(
    model: &Model,
) -> impl Iterator<
    Item = (
        &crate::analyze::model::UpstreamDef,
        &crate::published::Party<'static>,
    ),
> {
    model.upstreams.iter().filter_map(|upstream| {
        let published = upstream.published.as_ref()?;
        let party = published
            .parties
            .iter()
            .find(|p| p.kind == "provider" && p.team_of.is_none())
            .or_else(|| published.parties.first())?;
        Some((upstream, party))
    })
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Characteristics<'a> {
    system_ids: Vec<SystemId>,
    system_name: Text<'a>,
    description: String,
    props: Vec<Prop<'a>>,
    system_information: SystemInformation,
    status: Status,
    authorization_boundary: Boundary,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SystemId {
    identifier_type: &'static str,
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SystemInformation {
    information_types: [InformationType; 1],
}

#[derive(Serialize)]
struct InformationType {
    title: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct Boundary {
    description: String,
}

fn characteristics<'a>(context: &Context<'a>, errors: usize) -> Characteristics<'a> {
    let model = context.model;
    let services: Vec<String> = model
        .services
        .iter()
        .filter(|s| !s.subservice)
        .map(|s| {
            let model_word = s.model.map_or("unknown model", |m| m.as_str());
            let regions = if s.regions.is_empty() {
                String::new()
            } else {
                format!(", regions {}", s.regions.join(", "))
            };
            format!(
                "- {} ({model_word}{})",
                line(&s.name, &s.id),
                line(&regions, "")
            )
        })
        .collect();
    let subservices: Vec<String> = model
        .services
        .iter()
        .filter(|s| s.subservice)
        .map(|s| format!("- {}", line(&s.name, &s.id)))
        .collect();
    let mut boundary = format!(
        "The services in the matrix's scope:\n\n{}",
        if services.is_empty() {
            "- none".to_owned()
        } else {
            services.join("\n")
        }
    );
    if !subservices.is_empty() {
        boundary.push_str(&format!(
            "\n\nSub-service organisations, outside the boundary (leveraged authorisations):\n\n{}",
            subservices.join("\n")
        ));
    }
    let status = if errors > 0 {
        Status {
            state: "under-development",
            remarks: Some(format!(
                "The matrix has {errors} error{}: the gaps are marked `planned`.",
                if errors == 1 { "" } else { "s" }
            )),
        }
    } else {
        Status {
            state: "operational",
            remarks: None,
        }
    };
    Characteristics {
        system_ids: vec![SystemId {
            identifier_type: "https://ietf.org/rfc/rfc4122",
            id: context.uuids.of("system-security-plan", &[]),
        }],
        system_name: string(&model.header.title, "Shared-responsibility matrix"),
        description: match &model.header.scope {
            Some(scope) if !scope.trim().is_empty() => line(scope, "scope"),
            _ => line(&model.header.title, "Shared-responsibility matrix"),
        },
        props: vec![prop("version", model.header.version.as_str())],
        system_information: SystemInformation {
            information_types: [InformationType {
                title: "Information in the services in scope",
                description: "A shared-responsibility matrix does not classify information: categorise it here before the plan is submitted.",
            }],
        },
        status,
        authorization_boundary: Boundary {
            description: boundary,
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Implementation<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    leveraged_authorizations: Vec<Leveraged<'a>>,
    components: Vec<Component<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Leveraged<'a> {
    uuid: String,
    title: String,
    props: Vec<Prop<'a>>,
    party_uuid: String,
    date_authorized: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Component<'a> {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    description: String,
    props: Vec<Prop<'a>>,
    status: Status,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_roles: Vec<ResponsibleRole<'a>>,
}

/// The upstream services obligations come from, each once: (upstream index, service id).
fn upstream_services(model: &Model) -> Vec<(usize, &str)> {
    let mut seen = BTreeSet::new();
    model
        .obligations
        .iter()
        .filter(|o| seen.insert((o.upstream, o.service.as_str())))
        .map(|o| (o.upstream, o.service.as_str()))
        .collect()
}

fn implementation<'a>(context: &Context<'a>) -> Implementation<'a> {
    let model = context.model;
    let date = effective_date(model);
    let mut leveraged = Vec::new();
    let mut components = Vec::new();
    for (index, service) in model.services.iter().enumerate() {
        let mut props = vec![prop("service", service.id.as_str())];
        if let Some(word) = service.model {
            props.push(prop("model", word.as_str()));
        }
        props.extend(service.regions.iter().map(|r| prop("region", r.as_str())));
        props.extend(
            service
                .runs_on
                .iter()
                .map(|&below| prop("runs-on", model.services[below].id.as_str())),
        );
        if service.subservice {
            let uuid = context.uuids.of("leveraged", &[&service.id]);
            props.push(Prop {
                name: "leveraged-authorization-uuid",
                ns: None,
                value: Cow::Owned(uuid.clone()),
            });
            // A sub-service without a provider (an error, with --allow-gaps) is authorised by
            // its customer, or by the first party there is.
            let party = service
                .provider
                .or(service.customer)
                .or((!model.parties.is_empty()).then_some(0));
            if let Some(party) = party {
                leveraged.push(Leveraged {
                    uuid,
                    title: line(&service.name, &service.id),
                    props: vec![prop("service", service.id.as_str())],
                    party_uuid: context.party_uuids[party].clone(),
                    date_authorized: date,
                    remarks: Some(format!(
                        "Sub-service organisation of this matrix; used by {}.",
                        model
                            .services
                            .iter()
                            .filter(|s| s.runs_on.contains(&index))
                            .map(|s| format!("`{}`", s.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                });
            }
        }
        let mut letters = Vec::new();
        letters.extend(service.provider.map(|p| (p, Raci::R)));
        letters.extend(service.customer.map(|p| (p, Raci::R)));
        components.push(Component {
            uuid: context.component_uuids[index].clone(),
            kind: "service",
            title: line(&service.name, &service.id),
            description: format!(
                "{} service `{}`{}{}.",
                service.model.map_or("A", |m| match m {
                    crate::analyze::model::ServiceModel::Iaas => "An IaaS",
                    crate::analyze::model::ServiceModel::Paas => "A PaaS",
                    crate::analyze::model::ServiceModel::Saas => "A SaaS",
                }),
                line(&service.id, "service"),
                service.provider.map_or(String::new(), |p| format!(
                    ", provided by {}",
                    line(&model.parties[p].name, &model.parties[p].id)
                )),
                service.customer.map_or(String::new(), |p| format!(
                    " to {}",
                    line(&model.parties[p].name, &model.parties[p].id)
                )),
            ),
            props,
            status: Status {
                state: "operational",
                remarks: None,
            },
            responsible_roles: context.roles(&letters),
        });
    }
    let providers: HashMap<&str, String> = upstream_providers(model)
        .map(|(u, p)| {
            (
                u.id.as_str(),
                context.uuids.of("upstream-party", &[&u.id, &p.id]),
            )
        })
        .collect();
    for upstream in &model.upstreams {
        let (Some(published), Some(party)) =
            (&upstream.published, providers.get(upstream.id.as_str()))
        else {
            continue;
        };
        leveraged.push(Leveraged {
            uuid: context.uuids.of("leveraged-upstream", &[&upstream.id]),
            title: line(&published.matrix.title, &upstream.id),
            props: vec![
                prop("upstream", upstream.id.as_str()),
                prop("upstream-fingerprint", &*published.matrix.fingerprint),
                prop("as", upstream.party_id.as_str()),
            ],
            party_uuid: party.clone(),
            date_authorized: date,
            remarks: upstream.pin.as_ref().map(|pin| {
                format!(
                    "Reviewed against the fingerprint starting `{}`.",
                    line(pin, "pin")
                )
            }),
        });
    }
    for (upstream, service) in upstream_services(model) {
        let upstream = &model.upstreams[upstream];
        let name = format!("{}.{service}", upstream.id);
        components.push(Component {
            uuid: context
                .uuids
                .of("upstream-component", &[&upstream.id, service]),
            kind: "service",
            title: line(&name, "upstream service"),
            description: format!(
                "Service `{}` of the upstream matrix `{}`, whose obligations this matrix takes up.",
                line(service, "service"),
                line(&upstream.id, "upstream")
            ),
            props: vec![
                prop("service", name.clone()),
                Prop {
                    name: "leveraged-authorization-uuid",
                    ns: None,
                    value: Cow::Owned(context.uuids.of("leveraged-upstream", &[&upstream.id])),
                },
            ],
            status: Status {
                state: "operational",
                remarks: None,
            },
            responsible_roles: Vec::new(),
        });
    }
    Implementation {
        leveraged_authorizations: leveraged,
        components,
    }
}

/// Every implemented-requirement, control by control in catalog order, then the controls that
/// only upstreams' obligations name.
fn requirements<'c, 'a>(
    context: &'c Context<'a>,
    gaps_allowed: bool,
) -> impl Iterator<Item = Requirement<'a>> + 'c {
    let model = context.model;
    let in_scope: Vec<usize> = (0..model.services.len())
        .filter(|&s| !model.services[s].subservice)
        .collect();
    let ours: BTreeSet<&str> = model.controls.iter().map(|c| c.display.as_str()).collect();
    let mut others: Vec<&str> = Vec::new();
    for o in &model.obligations {
        if !ours.contains(o.control.as_str()) && !others.contains(&o.control.as_str()) {
            others.push(&o.control);
        }
    }
    let catalog = (0..model.controls.len()).map(move |control| {
        let mut by_components: Vec<ByComponent> = in_scope
            .iter()
            .map(|&s| context.by_component(s, control, gaps_allowed))
            .collect();
        // The sub-services inherited from, so that each inherited entry's provided-uuid is in
        // this document.
        let mut below: Vec<usize> = in_scope
            .iter()
            .filter_map(|&s| model.pairs[model.pair_index(s, control)].inherit)
            .map(|i| model.inherits[i].from)
            .collect();
        below.sort_unstable();
        below.dedup();
        by_components.extend(
            below
                .into_iter()
                .map(|s| context.by_component(s, control, gaps_allowed)),
        );
        let display = model.controls[control].display.as_str();
        by_components.extend(obligation_components(context, display));
        let c = &model.controls[control];
        requirement(
            context,
            display,
            vec![
                prop("control", display),
                prop("domain", model.domains[c.domain].id.as_str()),
            ],
            by_components,
        )
    });
    let upstream_only = others.into_iter().map(move |control| {
        requirement(
            context,
            control,
            vec![prop("control", control)],
            obligation_components(context, control),
        )
    });
    catalog.chain(upstream_only)
}

fn requirement<'a>(
    context: &Context<'a>,
    control: &'a str,
    props: Vec<Prop<'a>>,
    by_components: Vec<ByComponent<'a>>,
) -> Requirement<'a> {
    let remarks = by_components
        .is_empty()
        .then(|| "No service of the matrix is in scope for this control.".to_owned());
    Requirement {
        uuid: context.uuids.of("requirement", &[control]),
        control_id: token(control),
        props,
        by_components,
        remarks,
    }
}

/// One by-component per upstream service with obligations for `control`: each taken-up
/// obligation is `satisfied`, pointing at the duty in the upstream's own SSP (its uuid comes from
/// the upstream's fingerprint, which is in this matrix).
fn obligation_components<'a>(context: &Context<'a>, control: &str) -> Vec<ByComponent<'a>> {
    let model = context.model;
    let mut components = Vec::new();
    for (upstream_index, service) in upstream_services(model) {
        let obligations: Vec<&'a crate::analyze::model::Obligation> = model
            .obligations
            .iter()
            .filter(|o| {
                o.upstream == upstream_index && o.service == service && o.control == control
            })
            .collect();
        if obligations.is_empty() {
            continue;
        }
        let upstream = &model.upstreams[upstream_index];
        let theirs = upstream
            .published
            .as_ref()
            .map(|p| Uuids::new(&p.matrix.fingerprint));
        let name = format!("{}.{service}", upstream.id);
        let mut satisfied = Vec::new();
        let mut open = Vec::new();
        for obligation in obligations {
            let Some(taken) = obligation.taken_by else {
                open.push(format!(
                    "Obligation `{}` is not taken up: {}.",
                    line(&obligation.duty, "duty"),
                    line(&obligation.title, "untitled")
                ));
                continue;
            };
            let def = &model.duties[model.takeups[taken].duty];
            let letters: Vec<(usize, Raci)> = def
                .assignments
                .iter()
                .filter_map(|a| match a.party {
                    PartyRef::Party(p) => Some((p, a.letters)),
                    _ => None,
                })
                .collect();
            let mut props = vec![
                prop("duty", obligation.duty.as_str()),
                prop("upstream-letters", obligation.letters.as_str()),
            ];
            props.extend(
                def.assignments
                    .iter()
                    .filter(|a| a.party != PartyRef::Unresolved)
                    .map(|a| {
                        prop(
                            "raci",
                            format!("{}: {}", upstream.party_name(model, a.party), a.letters),
                        )
                    }),
            );
            let title = if def.title.is_empty() {
                &obligation.title
            } else {
                &def.title
            };
            satisfied.push(Statement {
                uuid: context
                    .uuids
                    .of("satisfied", &[&name, control, &obligation.duty]),
                provided_uuid: None,
                responsibility_uuid: theirs.map(|u| u.duty(service, control, &obligation.duty)),
                description: line(title, &obligation.duty),
                props,
                links: context.evidence_links(&def.evidence),
                responsible_roles: context.roles(&letters),
                remarks: (!def.notes.is_empty()).then(|| {
                    def.notes
                        .iter()
                        .map(|n| note(n))
                        .collect::<Vec<_>>()
                        .join("\n\n")
                }),
            });
        }
        let implementation_status = if open.is_empty() {
            Status {
                state: "implemented",
                remarks: None,
            }
        } else {
            Status {
                state: "planned",
                remarks: Some(open.join("\n\n")),
            }
        };
        components.push(ByComponent {
            component_uuid: context
                .uuids
                .of("upstream-component", &[&upstream.id, service]),
            uuid: context.uuids.of("by-component", &[&name, control]),
            description: format!(
                "What {} puts on this matrix for {}",
                line(&name, "the upstream"),
                line(control, "control")
            ),
            props: Vec::new(),
            implementation_status,
            export: None,
            inherited: Vec::new(),
            satisfied,
            remarks: None,
        });
    }
    components
}

#[derive(Serialize)]
struct BackMatter {
    resources: Vec<Resource>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Resource {
    uuid: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rlinks: Vec<Rlink>,
}

#[derive(Serialize)]
struct Rlink {
    href: String,
}

fn back_matter(context: &Context, evidence: &[&str]) -> BackMatter {
    let model = context.model;
    let mut resources = vec![Resource {
        uuid: context.uuids.of("catalogs", &[]),
        title: line(
            &format!("Control catalogs: {}", model.header.catalogs.join(", ")),
            "Control catalogs",
        ),
        description: Some(
            "The catalogs the matrix's header names; `srmc catalog ID` lists their controls."
                .to_owned(),
        ),
        rlinks: Vec::new(),
    }];
    resources.extend(evidence.iter().map(|text| {
        Resource {
            uuid: context.evidence[text].clone(),
            title: line(text, "evidence"),
            description: Some("Evidence a duty names.".to_owned()),
            // Evidence that is a web address is linked to it.
            rlinks: (text.starts_with("https://") || text.starts_with("http://"))
                .then(|| text.trim())
                .filter(|t| !t.contains(char::is_whitespace))
                .map(|href| Rlink {
                    href: href.to_owned(),
                })
                .into_iter()
                .collect(),
        }
    }));
    BackMatter { resources }
}
