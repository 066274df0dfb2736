//! Recording that the witness withdrew consent, from the testimony page.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{Allowed, act};
use crate::cases::testimonies::Withdrawal;
use crate::error::Result;
use crate::services::Services;
use crate::web::Form;
use crate::web::pages::auth::see_other;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct WithdrawForm {
    withdrawn_on: String,
}

pub(super) async fn withdraw(
    state: web::Data<Services>,
    who: Allowed<act::ConsentWithdraw>,
    id: web::Path<Uuid>,
    form: Form<WithdrawForm>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let w = Withdrawal { withdrawn_on: form.0.withdrawn_on };
    state.testimonies.withdraw_consent(who, id, w).await?;
    Ok(see_other(&format!("/testimonies/{id}?withdrawn=1")))
}
