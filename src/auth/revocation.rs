//! The installation's revocation counter (`auth_epoch`, one row). Every change that ends
//! a session or changes what a session's principal is bumps it in the change's own
//! transaction; every authenticated request reads it, and a node forgets the sessions it
//! has verified (`verified`) as soon as it moved. So a logout, a disabled account, a role
//! change, a password reset or a revoked device — made by any node, or by the CLI in
//! another process — is refused on every node's next request.

use diesel::prelude::*;

use crate::error::Result;
use crate::store::DbConnection;
use crate::store::schema::auth_epoch;

/// The counter as committed now.
pub fn current(c: &mut DbConnection) -> Result<i64> {
    Ok(auth_epoch::table.find(1_i64).select(auth_epoch::epoch).first(c)?)
}

/// Moves the counter on. Call inside the transaction that ends sessions or changes an
/// account, a session's second factor or a role's rule, so the two commit together.
pub fn bump(c: &mut DbConnection) -> Result<()> {
    diesel::update(auth_epoch::table.find(1_i64))
        .set(auth_epoch::epoch.eq(auth_epoch::epoch + 1))
        .execute(c)?;
    Ok(())
}
