//! Consent applied to a scope: which accounts go to a recipient, which are withheld
//! and why, which witnesses may be named — shared by the export and its preview, which
//! shows the lawyer what consent withholds before anything is made. The consent ledger
//! (`care::ledger`), where it holds a decision for the bundle's recipient, overrides the
//! consent recorded with the account.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use uuid::Uuid;

use super::Recipient;
use super::collect::safe_name;
use super::selection::{Scope, resolve};
use crate::access::Allowed;
use crate::access::membership;
use crate::access::policy::act;
use crate::audit::{self, Entry};
use crate::care::ledger::{self, Decision as LedgerDecision, Purpose};
use crate::cases::persons;
use crate::cases::testimonies::{self, Consent, Content};
use crate::crypto::Keyring;
use crate::error::Result;
use crate::store::DbConnection;

use super::Selection;

pub(super) struct Account {
    pub(super) root: String,
    pub(super) dir: String,
    pub(super) witness: persons::PersonRow,
    pub(super) versions: Vec<(testimonies::Row, Content, Consent)>,
}

/// Which accounts of a scope go to a recipient, which are withheld and why, and which
/// witnesses may be named: the consent rules, shared by the export and its preview.
pub(super) struct Decision {
    pub(super) accounts: Vec<Account>,
    /// `{"witness": pseudonym, "reason": code}`, as `redactions.json` lists them.
    pub(super) withheld: Vec<Value>,
    /// Witness id → may be named (every exported account of theirs allows it).
    pub(super) nameable: BTreeMap<String, bool>,
}

pub(super) fn decide(
    c: &mut DbConnection,
    keyring: &Keyring,
    scope: &Scope,
    recipient: Recipient,
) -> Result<Decision> {
    let mut withheld = Vec::new();
    let mut accounts: Vec<Account> = Vec::new();
    for root in &scope.roots {
        let versions = testimonies::sealed_versions(c, keyring, root)?;
        let witness_id = match versions.last() {
            Some((row, _, _)) => row.witness_id.clone(),
            None => {
                let row = testimonies::load(c, root)?;
                let witness = persons::load(c, &row.witness_id)?;
                withheld.push(json!({"witness": witness.pseudonym, "reason": "not_sealed"}));
                continue;
            }
        };
        let witness = persons::load(c, &witness_id)?;
        let consent = versions.last().map(|(_, _, consent)| consent.clone());
        let ledger = ledger::standing_since(c, &witness.id, Purpose::ShareAccount, recipient.as_str())?;
        let reason = match (&ledger, &consent) {
            // The ledger speaks for this recipient: its standing decision overrides
            // the consent recorded with the account, except a withdrawal recorded with
            // the account after the ledger's grant.
            (Some((LedgerDecision::Refused, _)), _) => Some("consent_refused_for_recipient"),
            (Some((LedgerDecision::Withdrawn, _)), _) => Some("consent_withdrawn_for_recipient"),
            (Some((LedgerDecision::Granted, since)), Some(k)) => {
                k.withdrawn_on.as_deref().is_some_and(|w| w > since.as_str()).then_some("consent_withdrawn")
            }
            (Some((LedgerDecision::Granted, _)), None) => None,
            (None, Some(k)) if k.withdrawn_on.is_some() => Some("consent_withdrawn"),
            (None, Some(k)) if !recipient.covered_by(&k.share_with) => {
                Some("consent_does_not_cover_recipient")
            }
            (None, _) => None,
        };
        if let Some(reason) = reason {
            withheld.push(json!({"witness": witness.pseudonym, "reason": reason}));
            continue;
        }
        let dir = format!("{}_{}", safe_name(&witness.pseudonym), &root[..8.min(root.len())]);
        accounts.push(Account { root: root.clone(), dir, witness, versions });
    }
    let mut nameable: BTreeMap<String, bool> = BTreeMap::new();
    for a in &accounts {
        // `be_named` in the ledger for this recipient overrides the account's consent.
        let may = match ledger::standing(c, &a.witness.id, Purpose::BeNamed, recipient.as_str())? {
            Some(d) => d == LedgerDecision::Granted,
            None => a.versions.last().is_some_and(|(_, _, k)| k.may_be_named),
        };
        let entry = nameable.entry(a.witness.id.clone()).or_insert(true);
        *entry &= may;
    }
    Ok(Decision { accounts, withheld, nameable })
}

/// When consent lets no account go, incidents and perpetrators stay behind too: they
/// were drawn from those accounts, and a bundle of them alone would pass on what no
/// witness agreed to give this recipient.
pub(super) fn consented(scope: Scope, d: &Decision) -> Scope {
    if d.accounts.is_empty() { Scope { roots: scope.roots, ..Scope::default() } } else { scope }
}

/// What an export would contain, before it is made: for the lawyer to see what consent
/// withholds. Pseudonyms and reasons only; nothing of the accounts themselves.
#[derive(Debug, Default)]
pub struct Preview {
    /// Exported accounts: (witness pseudonym, testimony root id, witness named?).
    pub exported: Vec<(String, Uuid, bool)>,
    /// Withheld accounts: (witness pseudonym, reason code).
    pub withheld: Vec<(String, String)>,
    pub incidents: usize,
    pub perpetrators: usize,
}

/// Previews an export. Reads (and decrypts) every account in scope to apply consent,
/// so it is audited like a read.
pub fn preview(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::BundleExport>,
    case_id: Uuid,
    (recipient, selection): (Recipient, &Selection),
) -> Result<Preview> {
    let case_id = case_id.to_string();
    membership::authorize_for(c, who, &case_id)?;
    let scope = resolve(c, &case_id, selection)?;
    let d = decide(c, keyring, &scope, recipient)?;
    let scope = consented(scope, &d);
    let mut exported = Vec::new();
    for a in &d.accounts {
        let named = d.nameable.get(&a.witness.id).copied().unwrap_or(false);
        exported.push((a.witness.pseudonym.clone(), crate::cases::parse_uuid(&a.root)?, named));
    }
    let withheld: Vec<(String, String)> = d
        .withheld
        .iter()
        .map(|w| {
            (
                w["witness"].as_str().unwrap_or_default().to_owned(),
                w["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    audit::append(
        c,
        &Entry::new(&who.principal, "bundle.preview")
            .target("case", &case_id)
            .detail("recipient", recipient.as_str())
            .detail("exported", exported.len())
            .detail("withheld", withheld.len()),
    )?;
    Ok(Preview {
        exported,
        withheld,
        incidents: scope.incidents.len(),
        perpetrators: scope.perpetrators.len(),
    })
}
