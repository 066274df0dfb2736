//! `Allowed<A>`: proof that the table lets the caller perform action `A`.

use std::marker::PhantomData;

use super::policy::{self, ActionMarker, Principal, Scope};
use crate::error::{Error, Result};

/// Proof that the caller may perform action `A`: for a global action the role table
/// said yes; for a case-scoped one the role may hold it somewhere, and the service
/// decides for the case at hand (`membership::authorize_for`), naming the same `A`.
#[derive(Debug)]
pub struct Allowed<A: ActionMarker> {
    pub principal: Principal,
    _action: PhantomData<A>,
}

// By hand: a derived `Clone` would ask the marker type to be `Clone` too.
impl<A: ActionMarker> Clone for Allowed<A> {
    fn clone(&self) -> Self {
        Allowed { principal: self.principal.clone(), _action: PhantomData }
    }
}

impl<A: ActionMarker> Allowed<A> {
    /// Checks the table. Case-scoped actions pass here (membership and a lead's extra
    /// rights are decided once the case is known); global ones are decided now.
    pub fn check(principal: Principal) -> Result<Self> {
        let action = A::ACTION;
        if action.scope() == Scope::Global && !policy::allowed(principal.role, action) {
            return Err(Error::Forbidden);
        }
        Ok(Allowed { principal, _action: PhantomData })
    }

    pub fn action(&self) -> policy::Action {
        A::ACTION
    }
}
