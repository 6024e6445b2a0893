//! The stable diagnostic codes: one table gives each its severity, its one-line summary and the
//! explanation `srmc explain CODE` prints. Everything else (the diagnostics, `explain`, the
//! README's table, the tests' lists) reads it from here.

use std::fmt;

use serde::Serialize;

use crate::diagnostics::Severity;

macro_rules! codes {
    ($($code:ident $severity:ident $summary:literal => $explanation:expr;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($code,)*
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// `E203`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$code => Severity::$severity,)*
                }
            }

            /// One line, lower-case start, no final period.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$code => $summary,)*
                }
            }

            /// Two or three short paragraphs separated by a blank line, plain text, lines
            /// unwrapped: what the code means, why it matters for a shared-responsibility
            /// agreement, and how to fix it, ending with a tiny `.srm` example indented by four
            /// spaces when one helps.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$code => $explanation,)*
                }
            }
        }
    };
}

impl Code {
    /// Whether the code reports what follows from the matrix as resolved (ownership,
    /// accountability, precedence), as opposed to a cause: a file that does not read, a name
    /// that does not resolve, a value that is wrong. Causes are listed first, since fixing one
    /// often makes its consequences go away.
    pub fn is_consequence(self) -> bool {
        matches!(
            self,
            Code::E201
                | Code::E202
                | Code::E203
                | Code::E204
                | Code::E205
                | Code::E206
                | Code::E210
                | Code::E212
                | Code::E214
                | Code::E402
                | Code::W301
                | Code::W302
                | Code::W303
                | Code::W304
        )
    }

    /// Looks a code up case-insensitively ("e203" finds E203).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

codes! {
    E001 Error "syntax error (also: no or incomplete `matrix` header)" => concat!(
        "The file does not follow the grammar of the .srm language, so srmc cannot tell ",
        "what it says. Typical causes are a missing `{` or `}`, an unterminated string, ",
        "a string that runs over several lines (use a `\"\"\"` text block for that), a ",
        "nested block comment, a missing comma between list items, two statements on one ",
        "line, or an identifier that breaks the rules: party, service, catalog and duty ",
        "ids are lower case and match `[a-z][a-z0-9_-]*`.\n\n",
        "A matrix that does not parse cannot be checked or rendered, and guessing what a ",
        "broken line was meant to say could put a commitment in the agreement that ",
        "nobody wrote. srmc therefore reports the exact line and column and makes no ",
        "assumptions about the rest of the statement.\n\n",
        "Go to the reported position, compare the statement with the forms in the ",
        "language reference and correct it. An assignment line, for example, is a party ",
        "or role keyword, a colon, and letters separated by spaces:\n\n",
        "    duty backups \"Take daily backups and test a restore every quarter\" {\n",
        "      provider: R A\n",
        "      customer: I\n",
        "    }",
    );
    E002 Error "input is not UTF-8 text" => concat!(
        "An input file is not valid UTF-8 text: it contains bytes that do not decode, or ",
        "it is a binary file such as a PDF, a spreadsheet or an archive. This usually ",
        "happens when a file was exported from a word processor or spreadsheet in a ",
        "legacy encoding (Windows-1252, Latin-1, UTF-16), or when the wrong path was ",
        "given on the command line or in an `import`.\n\n",
        "Party names, service names and duty titles are copied word for word into the ",
        "contract documents. srmc refuses to guess an encoding, because a wrong guess ",
        "would silently garble the legal name of a party or the wording of a commitment.\n\n",
        "Check that the path points at the intended .srm file, then re-save it as UTF-8 ",
        "in your editor, or convert it, for example with `iconv -f WINDOWS-1252 -t UTF-8 ",
        "old.srm > new.srm`.",
    );
    E003 Error "an input exceeds a resource limit" => concat!(
        "An input is larger than srmc is prepared to process: a file is too large, the ",
        "matrix pulls in too many imports, or a single string or text block is too long. ",
        "The message names the limit that was hit.\n\n",
        "The limits keep srmc fast and predictable when it runs in CI or on files ",
        "received from a supplier or customer, and they stop a malformed or hostile ",
        "input from exhausting memory. A real responsibility matrix stays far below ",
        "them, so hitting one usually means the wrong file was given, an import pulls in ",
        "something that is not a matrix, or a large document was pasted into a note.\n\n",
        "Check the file named in the message. Keep long legal or procedural text in the ",
        "agreement itself and refer to it from the matrix instead of pasting it in:\n\n",
        "    note \"Full incident procedure: Annex C of the cloud service agreement\"",
    );
    E101 Error "unknown party" => concat!(
        "A party id is used, in a duty's assignment line or in a service's `provider` or ",
        "`customer` line, but no `party` statement declares it. Usually this is a typo, ",
        "or the party is declared in a file that has not been imported.\n\n",
        "Every letter in the matrix is a commitment made by a named legal entity. A ",
        "party that was never declared has no legal name and no kind, so srmc cannot ",
        "tell whether it sits on the provider (CSP) or the customer (CSC) side, cannot ",
        "check the accountability rules, and cannot name it in the agreement.\n\n",
        "Declare the party, fix the spelling, or import the file that declares it. ",
        "Remember that `provider` and `customer` inside a duty are role keywords ",
        "resolved per service, not party ids:\n\n",
        "    party big4 partner \"Big Four LLP\"",
    );
    E102 Error "unknown service" => concat!(
        "A service id is used, after `for` in a control block or exclusion, in ",
        "`runs-on`, or in `inherit ... for ... from ...`, but no `service` statement ",
        "declares it. Usually this is a typo, a renamed service, or a declaration in a ",
        "file that has not been imported.\n\n",
        "A service-specific duty or exclusion for a service that does not exist protects ",
        "nothing. If srmc silently dropped it, the real service would fall back to the ",
        "matrix-wide duties, and the agreement would not say what its author intended.\n\n",
        "Correct the id or declare the service:\n\n",
        "    service analytics \"Acme Analytics\" {\n",
        "      model    saas\n",
        "      provider acme\n",
        "    }",
    );
    E103 Error "unknown control, or a pattern matching no control" => concat!(
        "A control id does not exist in any catalog named in the matrix header, or a ",
        "pattern such as `19.*` matches no control at all. Common causes are control ",
        "numbers taken from a different edition of a standard (the built-in `iso27017` ",
        "catalog uses the ISO/IEC 27002:2013 numbering), a catalog missing from the ",
        "header, and expecting `9.*` to match `CLD.9.5.1` (it does not; use `CLD.*` for ",
        "the cloud controls).\n\n",
        "A duty written for a control that does not exist covers nothing, so the control ",
        "it was meant for may be left without an owner; an exclusion of a non-existent ",
        "control is a Statement-of-Applicability line about nothing. Either way the ",
        "agreement would claim coverage that is not there.\n\n",
        "Run `srmc catalog iso27017` (or `srmc catalog` for the list of catalogs) to see ",
        "the valid ids, then correct the id or pattern:\n\n",
        "    exclude 11.1.* for analytics \"Physical security is the host's; see Annex B\"",
    );
    E104 Error "duplicate definition" => concat!(
        "Two definitions share one id: two parties, two services, two catalogs, two ",
        "baselines, two controls in one catalog, or two duties with the same id in one ",
        "control block. The imported files count too, so the same party declared in two ",
        "files is a duplicate.\n\n",
        "If a second definition silently won, the agreement could name one legal entity ",
        "while the author meant another, or drop a duty without anyone noticing. Stable, ",
        "unique ids are also what makes `srmc diff` between two versions of the matrix ",
        "reliable.\n\n",
        "Remove or rename one of the two. Shared parties belong in one file that every ",
        "other file imports; each file is loaded only once. Two blocks that give the ",
        "same duty id to the same pair are E205, not E104.\n\n",
        "    party globex    customer \"Globex Corporation\"\n",
        "    party globex-eu customer \"Globex Europe GmbH\"",
    );
    E105 Error "unknown catalog, or one the header does not name" => concat!(
        "A catalog id is neither the built-in `iso27017` nor declared with a `catalog` ",
        "statement, or a qualified control id such as `gx::GX-01` names a catalog that ",
        "the matrix header does not list.\n\n",
        "The header's catalog list defines the scope of the agreement: every control of ",
        "every listed catalog applies to every service. Referring to a catalog outside ",
        "that list would assign duties for controls the agreement does not cover, or ",
        "leave out controls the reader believes are covered.\n\n",
        "Declare the catalog, correct its id, and list it in the header when its ",
        "controls belong in scope:\n\n",
        "    matrix \"Acme Analytics — Shared Responsibility Matrix\" {\n",
        "      version   \"3.2.0\"\n",
        "      effective 2026-12-01\n",
        "      catalog   iso27017, gx\n",
        "    }",
    );
    E106 Error "import not found, or outside the root directory" => concat!(
        "An `import` names a file that does not exist or cannot be read, or its path ",
        "leads outside the directory of the root file given on the command line (through ",
        "`..`, an absolute path or a link). Import paths are relative to the file that ",
        "contains the `import`.\n\n",
        "Keeping every input inside one directory tree means the compiled matrix is ",
        "exactly what is reviewed and versioned in that tree: the agreement cannot ",
        "depend on a file that happens to exist on one person's machine, and a matrix ",
        "received from someone else cannot read arbitrary files on the machine that ",
        "builds it.\n\n",
        "Correct the path relative to the importing file, or move the shared file below ",
        "the root file's directory:\n\n",
        "    import \"common/parties.srm\"",
    );
    E107 Error "import cycle" => concat!(
        "A file imports itself, directly or through a chain of other files (a.srm ",
        "imports b.srm, which imports a.srm). The message lists the chain.\n\n",
        "A cycle gives the definitions no well-defined order and usually means shared ",
        "definitions are split across files the wrong way round. srmc stops instead of ",
        "guessing which file was meant to come first.\n\n",
        "Move the definitions both files need (parties, catalogs, baselines) into a ",
        "separate file and import that file from both. Each file is loaded only once, so ",
        "importing a common file from several places is fine:\n\n",
        "    // in both analytics.srm and warehouse.srm\n",
        "    import \"common/parties.srm\"",
    );
    E108 Error "ambiguous control id" => concat!(
        "A bare control id exists in two of the catalogs listed in the matrix header, so ",
        "srmc cannot tell which control is meant.\n\n",
        "Two catalogs can use the same number for quite different requirements. Guessing ",
        "could attach a duty to the wrong framework's control and misstate to an auditor ",
        "which requirement is covered and by whom.\n\n",
        "Qualify the id with its catalog, written `catalog::control`:\n\n",
        "    control gx::GX-01 {\n",
        "      duty review \"Review privileged access every quarter\" { customer: R A }\n",
        "    }",
    );
    E109 Error "invalid value (date, model, party kind, a party of the wrong kind, an unresolvable role keyword, a party twice in a duty, a letter other than R A C I)" => concat!(
        "A value is not one the language allows. Examples: a date that is not a real ",
        "calendar date (2026-02-30); a model other than `iaas`, `paas` or `saas`; a ",
        "party kind other than `provider`, `customer` or `partner`; a party of the wrong ",
        "kind (a customer party named as a service's `provider`); `provider` or ",
        "`customer` used as a party id; a role keyword that a service cannot resolve ",
        "(its `customer` line is omitted while zero or several customer parties are ",
        "declared); a party id inside a baseline, which may only use the role keywords; ",
        "a party listed twice in one duty; or a RACI letter other than R, A, C and I.\n\n",
        "Each of these would make the agreement say something other than what was ",
        "written: an effective date that does not exist, a duty resolved to the wrong ",
        "side, or letters the reader cannot interpret. srmc rejects the value rather ",
        "than correcting it.\n\n",
        "Correct the value the message points at. When several customer parties exist, ",
        "name the service's customer explicitly; when a party appears twice in a duty, ",
        "put all its letters on one line (`acme: R A`):\n\n",
        "    service analytics \"Acme Analytics\" {\n",
        "      model    saas\n",
        "      provider acme\n",
        "      customer globex\n",
        "    }",
    );
    E201 Error "control in scope but owned by nobody" => concat!(
        "A control is in scope for a service, because its catalog is listed in the ",
        "header and no exclusion covers the pair, yet no duty is written for that ",
        "service and control. Nobody has committed to doing anything about it.\n\n",
        "This is the gap a shared-responsibility matrix exists to prevent: each side ",
        "assumes the other handles, say, log retention or key rotation, and the failure ",
        "surfaces only during an incident or an audit. An auditor will treat the control ",
        "as unaddressed.\n\n",
        "Write at least one duty with an accountable party for the pair, matrix-wide or ",
        "in a `for` block for the service; or exclude the control with a justification; ",
        "or `use` a built-in baseline (`std-iaas`, `std-paas`, `std-saas`), which gives ",
        "every `iso27017` control at least one duty:\n\n",
        "    control 12.4.1 for analytics {\n",
        "      duty logging \"Collect platform event logs and keep them for 12 months\" {\n",
        "        provider: R A\n",
        "        customer: I\n",
        "      }\n",
        "    }",
    );
    E202 Error "duty with no accountable party" => concat!(
        "A duty has no party with the letter A. Parties may be responsible, consulted or ",
        "informed, but nobody answers for the duty being done.\n\n",
        "In an agreement the accountable party is the one the other side can hold to the ",
        "commitment, and the one who carries the consequences when it is not met. A duty ",
        "without one is a description of work, not a commitment. Such duties also count ",
        "for nothing when srmc derives who owns a control, so the control may end up ",
        "unowned.\n\n",
        "Give exactly one party the letter A, usually the party that is also ",
        "responsible:\n\n",
        "    duty backups \"Take daily backups and test a restore every quarter\" {\n",
        "      provider: R A\n",
        "      customer: I\n",
        "    }",
    );
    E203 Error "duty accountable on both sides" => concat!(
        "One duty gives the letter A to a party on the provider (CSP) side and to a ",
        "party on the customer (CSC) side. Sides are worked out per service and role ",
        "keywords resolve per service, so a matrix-wide duty can be fine for one service ",
        "and break this rule for another; the finding names the affected service and ",
        "control.\n\n",
        "Joint accountability for a single duty is where \"we thought you were doing ",
        "that\" disputes come from: after an incident each side can point at the other, ",
        "and neither can be held to the commitment on its own.\n\n",
        "Split the work into two duties, each with its own single accountable party. The ",
        "control is then shown as `shared`, which is a legitimate and clear outcome:\n\n",
        "    control 16.1.2 {\n",
        "      duty platform \"Report platform incidents to the customer within 24 hours\" {\n",
        "        provider: R A\n",
        "        customer: I\n",
        "      }\n",
        "      duty tenant \"Report suspected tenant account incidents to the provider\" {\n",
        "        customer: R A\n",
        "        provider: I\n",
        "      }\n",
        "    }",
    );
    E204 Error "more than one accountable party, where E203 does not apply (one A per duty: partners and teams count)" => concat!(
        "One duty gives the letter A to two or more parties on the same side, typically ",
        "a cloud provider and its subcontractor, or two customer entities.\n\n",
        "RACI allows exactly one accountable party per duty. With two on one side, the ",
        "other party to the agreement cannot tell whom to hold to the commitment, and ",
        "each accountable party can argue the other one was in charge.\n\n",
        "Keep one A. The contracting party usually stays accountable and its ",
        "subcontractor becomes responsible; a supplier that runs part of the service can ",
        "also be modelled as a sub-service with `runs-on` and `inherit`:\n\n",
        "    duty patching \"Patch the hypervisor within 14 days of a critical fix\" {\n",
        "      acme:  A\n",
        "      hyper: R\n",
        "    }",
    );
    E205 Error "the same duty id twice for one pair at the same precedence" => concat!(
        "Two control blocks at the same level give a duty with the same id to the same ",
        "service and control. It often happens through overlapping lists (one block for ",
        "`12.*`, another for `12.3.1`), through two matrix-wide blocks, or through two ",
        "baselines used by one service. Two duties with the same id inside one block are ",
        "E104 instead.\n\n",
        "Precedence decides only between levels (lowest first: baseline, matrix-wide, ",
        "service-specific): a service-specific `for` block replaces a matrix-wide duty ",
        "with the same id, and a matrix-wide duty replaces a baseline duty with the same ",
        "id. At one level there is no rule for which definition wins, so the agreement ",
        "would be ambiguous.\n\n",
        "Give the two duties different ids if both are meant, delete one, or move the ",
        "intended override to a higher level. `srmc explain FILE --service ID --control ",
        "ID` shows where each duty of a pair comes from:\n\n",
        "    control 12.3.1 for analytics {\n",
        "      duty backups \"Back up hourly and keep copies for 35 days\" { provider: R A }\n",
        "    }",
    );
    E206 Error "`inherit` of a control the sub-service's provider does not own there" => concat!(
        "An `inherit ... from SUB` names a control that, in the sub-service SUB, is not ",
        "owned by SUB's provider: there it is customer-owned, shared, excluded or ",
        "unowned. Inheriting only works for duties the sub-service's provider is ",
        "accountable for. For an upstream's service (`from stratus.compute`) the word is the ",
        "one the upstream's own matrix gives the control.\n\n",
        "Inheriting says \"our supplier does this, and we remain accountable to you\". ",
        "If the supplier has not actually taken the control on (for example, the guest ",
        "operating systems of an IaaS sub-service are the job of its customer, which is ",
        "the provider of the service built on it), the inherited duty would hide work ",
        "that nobody performs. This is the same distinction auditors draw between what a ",
        "sub-service organisation covers and what stays with the user entity.\n\n",
        "Inherit only controls that the sub-service's provider owns, and write your own ",
        "duties for the rest:\n\n",
        "    inherit 11.* for analytics from compute\n",
        "    control 12.6.1 for analytics {\n",
        "      duty guest-patching \"Patch the guest operating systems of the service\" {\n",
        "        provider: R A\n",
        "      }\n",
        "    }",
    );
    E207 Error "`runs-on` cycle" => concat!(
        "Services form a loop through `runs-on`: a service runs on itself, directly or ",
        "through a chain (analytics runs on compute, which runs on analytics). The ",
        "message lists the chain.\n\n",
        "A supply chain has to end at someone who actually operates the infrastructure. ",
        "With a loop, inherited duties would point back at the service that inherits ",
        "them and no one would be doing the work.\n\n",
        "Remove the wrong `runs-on`. Usually one arrow is reversed: a service runs on ",
        "its sub-service, never the other way round:\n\n",
        "    service analytics \"Acme Analytics\" {\n",
        "      model    saas\n",
        "      provider acme\n",
        "      runs-on  compute\n",
        "    }",
    );
    E208 Error "`inherit … from SUB` where SUB is not below the service through `runs-on`" => concat!(
        "An `inherit ... for S from SUB` names a SUB that the service S does not run on, ",
        "neither directly nor through a chain of `runs-on` links.\n\n",
        "A service can rely only on suppliers it actually runs on. Inheriting from an ",
        "unrelated service claims a dependency that does not exist, and an auditor ",
        "tracing the chain of sub-service organisations would find it undocumented.\n\n",
        "Add the missing `runs-on` to the service, or inherit from the service it really ",
        "runs on:\n\n",
        "    service analytics \"Acme Analytics\" {\n",
        "      model    saas\n",
        "      provider acme\n",
        "      runs-on  compute\n",
        "    }\n",
        "    inherit 11.* for analytics from compute",
    );
    E209 Error "unknown baseline" => concat!(
        "A service's `use` line names a baseline that is neither built in (`std-iaas`, ",
        "`std-paas`, `std-saas`) nor declared with a `baseline` statement. Usually this ",
        "is a typo or a declaration in a file that has not been imported.\n\n",
        "A baseline typically supplies dozens of duties. If an unknown one were silently ",
        "skipped, most controls of the service could lose their owner, or the agreement ",
        "could differ from what the team reviewed.\n\n",
        "Correct the name, declare the baseline, or import the file that declares it:\n\n",
        "    service analytics \"Acme Analytics\" {\n",
        "      model    saas\n",
        "      provider acme\n",
        "      use      std-saas, gx-saas\n",
        "    }",
    );
    E210 Error "an obligation no duty of this matrix takes up" => concat!(
        "An upstream matrix (a provider's published matrix, named with `upstream`) gives the ",
        "party that stands for this matrix `R` or `A` in one of its duties, and no duty of this ",
        "matrix takes it up: none sits in a control block for that upstream service and control ",
        "with the same duty id. The finding names the upstream service, the control and the duty.\n\n",
        "This is the gap that shared responsibility most often hides: the provider's matrix says ",
        "the customer must do something, the customer assumes the provider's certification covers ",
        "it, and nobody in the customer's organisation answers for it.\n\n",
        "Take the obligation up, naming who answers for it on our side (a team of the `as` party, ",
        "or the party itself); the title may be left out, it is the upstream's:\n\n",
        "    control K-2 for kestrel.mail {\n",
        "      duty admin-review {\n",
        "        iam: R A\n",
        "      }\n",
        "    }",
    );
    E211 Error "an upstream matrix that does not load or does not check clean" => concat!(
        "An `upstream` names a matrix that cannot be used: the file is missing, outside the root ",
        "file's directory, not a matrix (neither a `.srm` root file nor the JSON of `srmc build ",
        "--format json`), too large, a JSON document whose fingerprint is not the fingerprint of ",
        "its content, or a matrix with errors. The message gives the reason, or the first error.\n\n",
        "Obligations read from a broken or altered matrix could be wrong in either direction, so ",
        "an upstream gives no obligations until it loads and checks clean; while it does not, ",
        "blocks for its services raise nothing else.\n\n",
        "Fix the path, ask the provider for a matrix that checks clean, or fetch a fresh copy of ",
        "its published JSON: a fingerprint is always recomputed, never trusted.",
    );
    E212 Error "a duty for an upstream service that takes up no obligation" => concat!(
        "A duty sits in a control block for an upstream service, but the upstream gives us no ",
        "duty with that id for that service and control: its id is misspelt, the upstream ",
        "dropped or renamed the duty, or we hold only `C` or `I` in it (which is no obligation).\n\n",
        "A take-up of nothing would let the annex claim that an obligation is covered when the ",
        "provider never stated it, or hide that a renamed obligation is now open.\n\n",
        "Use the duty id the upstream uses (`srmc build UPSTREAM --format json` lists them), or ",
        "move the duty to a block for one of this matrix's own services.",
    );
    E213 Error "unknown upstream, or an upstream service it does not have" => concat!(
        "A `for` list, a `runs-on` or an `inherit ... from` names `ID.SERVICE` where `ID` is not ",
        "declared with `upstream`, or the upstream has no service of that id.\n\n",
        "Duties written for a service nobody publishes take up nothing, and the obligations they ",
        "were meant for stay open.\n\n",
        "Declare the upstream, or correct the service id to one the upstream publishes:\n\n",
        "    upstream kestrel \"vendors/kestrel.srm\" as larkspur",
    );
    E214 Error "a taken-up obligation accountable outside our side" => concat!(
        "A duty takes up an upstream's obligation, but its `A` is not on the party that stands ",
        "for us in the upstream (the `as` party) or on one of its teams: it is on the provider, ",
        "or on another party.\n\n",
        "The provider put the duty on us. Taking it up means that someone of ours answers for ",
        "it; handing the `A` back to the provider, or to a third party, leaves the obligation ",
        "where it was.\n\n",
        "Give `A` to the `as` party or one of its teams, and keep the others `R`, `C` or `I`.",
    );
    E401 Error "exclusion without a justification" => concat!(
        "An `exclude` statement has an empty justification string. Every exclusion must ",
        "say why the controls do not apply.\n\n",
        "Exclusions work like the Statement of Applicability of ISO/IEC 27001, where ",
        "every excluded control needs a justification. Customers, auditors and ",
        "regulators will ask why a control is out of scope, and an unexplained exclusion ",
        "looks like a hidden gap.\n\n",
        "Write a specific reason that a reader can verify, ideally pointing at evidence ",
        "such as a certificate, a contract clause or an architecture fact:\n\n",
        "    exclude 11.1.* for analytics \"Physical security is the host's; see Annex B\"",
    );
    E402 Error "pair excluded and given duties at the same level" => concat!(
        "A service and control pair is covered by an exclusion and also receives duties ",
        "at the same level: both matrix-wide, both service-specific for that service, or ",
        "both from one baseline. Often a broad pattern such as `exclude 11.*` catches a ",
        "control that another block of the same level gives duties to.\n\n",
        "Exclusions follow the precedence of duties: an exclusion removes the pair's ",
        "duties of lower levels, and duties of a higher level override the exclusion (a ",
        "service-specific duty beats a matrix-wide exclusion). At the same level there ",
        "is no rule, and the agreement would declare the control both not applicable and ",
        "assigned.\n\n",
        "Decide which is true: drop the duty, narrow the exclusion to the controls it ",
        "really means, or move the exception to a higher level. `srmc explain FILE ",
        "--service ID --control ID` shows the pair's sources:\n\n",
        "    exclude 11.* \"Physical security is the host's; see Annex B\"\n",
        "    control 11.2.7 for analytics {\n",
        "      duty disposal \"Wipe customer-owned appliances before disposal\" {\n",
        "        customer: R A\n",
        "      }\n",
        "    }",
    );
    W301 Warning "duty with no responsible party" => concat!(
        "A duty has an accountable party but no party with the letter R, so nobody is ",
        "named as doing the work.\n\n",
        "Often the accountable party also does the work and the R was simply forgotten. ",
        "Otherwise the agreement says who answers for the duty but not who performs it, ",
        "which matters for operations runbooks, for audits that ask who carried out a ",
        "control, and for subcontracting.\n\n",
        "Add R to the party that does the work, usually the accountable party itself, or ",
        "a subcontractor or partner:\n\n",
        "    duty review \"Review privileged access every quarter\" {\n",
        "      customer: R A\n",
        "    }",
    );
    W302 Warning "party declared but never assigned" => concat!(
        "A party is declared but no duty gives it any letter, neither by its id nor ",
        "through a role keyword that resolves to it.\n\n",
        "Every declared party appears in the rendered agreement. A party with nothing to ",
        "do is either a leftover (an auditor or integrator that is no longer involved) ",
        "or a sign that duties meant for it were assigned to someone else.\n\n",
        "Assign the party its duties, even if only to be consulted or informed, or ",
        "delete the declaration:\n\n",
        "    duty countersign \"Review the matrix yearly and countersign every change\" {\n",
        "      customer: R A\n",
        "      provider: C\n",
        "      big4:     I\n",
        "    }",
    );
    W303 Warning "exclusion that decides no pair (every pair it names is out of scope or decided by a higher level)" => concat!(
        "An exclusion has no effect: every pair it names is already excluded by an ",
        "earlier exclusion, or is overridden by duties of a higher level (for example a ",
        "matrix-wide exclusion whose controls all have service-specific duties for every ",
        "service), or is not in the matrix's scope at all.\n\n",
        "Dead lines in a Statement of Applicability mislead readers: someone reading the ",
        "exclusion believes the control is not applicable while the matrix actually ",
        "assigns duties for it, or the same exclusion is stated twice with different ",
        "reasons.\n\n",
        "Delete the exclusion, merge it with the earlier one, or narrow the overriding ",
        "duties if the exclusion is what was intended. `srmc explain FILE --service ID ",
        "--control ID` shows what applies to a pair.",
    );
    W304 Warning "the customer side is responsible for a control its service model keeps out of its reach" => concat!(
        "The customer side is responsible (R) for a control that the service model puts ",
        "beyond the customer's reach, for example hardening the hypervisor or the ",
        "virtual machines of a SaaS service, or patching the runtime of a PaaS service. ",
        "This often happens when a matrix written for IaaS is reused for a SaaS or PaaS ",
        "service.\n\n",
        "A customer cannot perform work on layers it cannot access. Such a commitment ",
        "cannot be met, and after an incident it could be used to argue that the ",
        "customer was at fault for a control the provider alone could operate.\n\n",
        "Move R, and usually A, to the provider and leave the customer informed or ",
        "consulted; or check that the service's `model` is correct:\n\n",
        "    control CLD.9.5.2 for analytics {\n",
        "      duty vm-hardening \"Harden the virtual machines that run the service\" {\n",
        "        provider: R A\n",
        "        customer: I\n",
        "      }\n",
        "    }",
    );
    W305 Warning "text holds bidirectional controls, zero-width or other invisible characters that change how it reads" => concat!(
        "A title, name, note or other text holds a bidirectional control character (such as ",
        "U+202E, which makes the following text run right to left), a zero-width ",
        "character, or another character that shows as nothing: the Mongolian vowel ",
        "separator U+180E, a Hangul filler (U+115F, U+1160, U+3164, U+FFA0) or a tag ",
        "character (U+E0000 to U+E007F, which can carry a whole hidden text). They do not show, or show as nothing, yet they change the order in which ",
        "text is displayed or make two different texts look the same.\n\n",
        "A responsibility matrix is signed as part of a contract and may come from the other ",
        "party. Hidden characters let a duty read one way in the annex and another way in the ",
        "file, or make two parties or duties look identical; srmc shows where they are instead ",
        "of letting them pass unseen. Comments are checked too: an override in a comment can ",
        "make the code after it look like something else (Trojan Source).\n\n",
        "Retype the text without them. If the text really needs right-to-left script, write ",
        "it as plain characters: the script's own direction needs no override."
    );
    W306 Warning "an upstream's fingerprint differs from its pin" => concat!(
        "The `pin` of an `upstream` is a prefix of the fingerprint this matrix was reviewed ",
        "against, and the upstream's fingerprint no longer starts with it: the provider has ",
        "published a new version of its matrix.\n\n",
        "A new version may add obligations, drop some or change who must do what. The take-ups ",
        "were written for the old one.\n\n",
        "Compare the two versions with `srmc diff OLD NEW`, take up what changed, and pin the ",
        "new fingerprint.",
    );
}
