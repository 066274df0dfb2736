//! Consent withdrawn: recorded on every version of the account (the author or the case
//! lead), without touching the sealed account itself.

use diesel::prelude::*;
use uuid::Uuid;

use super::TABLE;
use super::read::{load, view_of};
use super::stored::fields;
use super::types::{TestimonyView, Withdrawal};
use crate::access::membership::{self as access, RecordTable};
use crate::access::policy::{Action, act};
use crate::access::{Allowed, records};
use crate::audit::{self, Entry};
use crate::cases::sealed::Sealer;
use crate::crypto::Keyring;
use crate::error::{Error, Result};
use crate::rules;
use crate::store::DbConnection;
use crate::store::schema::testimonies;

/// Records the withdrawal of consent on every version of the account (the author or the
/// case lead).
pub fn withdraw_consent(
    c: &mut DbConnection,
    keyring: &Keyring,
    who: &Allowed<act::ConsentWithdraw>,
    id: Uuid,
    input: &Withdrawal,
) -> Result<TestimonyView> {
    let id = id.to_string();
    let p = &who.principal;
    let (_, role) = access::authorize_record_for(c, who, RecordTable::Testimony, &id)?;
    let mut row = load(c, &id)?;
    records::may_act_on_testimony(Action::ConsentWithdraw, role, row.author_id == p.user_id.to_string())?;
    rules::DATE.check("withdrawn_on", &input.withdrawn_on).map_err(|e| Error::Validation(vec![e]))?;
    let versions: Vec<(String, Vec<u8>)> = testimonies::table
        .filter(testimonies::root_id.eq(&row.root_id))
        .select((testimonies::id, testimonies::consent))
        .load(c)?;
    let mut this = None;
    for (vid, blob) in versions {
        let sealer = Sealer::open(c, keyring, TABLE, &vid)?;
        let mut consent = fields::open_consent(&sealer, &blob)?;
        consent.withdrawn_on = Some(input.withdrawn_on.clone());
        let sealed = fields::seal_consent(&sealer, &consent)?;
        diesel::update(testimonies::table.find(&vid)).set(testimonies::consent.eq(&sealed)).execute(c)?;
        if vid == id {
            row.consent = sealed;
            this = Some((sealer, consent));
        }
    }
    let (sealer, consent) = this.ok_or(Error::NotFound)?;
    audit::append(c, &Entry::new(p, "consent.withdraw").target("testimony", &row.root_id))?;
    let content = fields::open_content(&sealer, &row.content)?;
    view_of(c, keyring, p, role, row, content, consent)
}
