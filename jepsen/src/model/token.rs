//! The lifecycle of one token: created, usable everywhere, revoked, then refused everywhere.
//!
//! A token's visibility is what a client relies on after `auth/token/create` and
//! `auth/token/revoke` return: once creation is acknowledged every node must accept the
//! token, and once revocation is acknowledged every node must refuse it. A use is a read of
//! that state (`lookup-self` answered 200 = valid, 403 = invalid).

use serde_json::Value;

use super::{Model, ParseError};
use crate::history::F;
use crate::pairing::{Interval, Outcome};

/// Where the token is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// Not created yet.
    Unborn,
    /// Created and not revoked.
    Live,
    /// Revoked.
    Revoked,
}

/// One token operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOp {
    /// Create the token.
    Create,
    /// Use the token; the server accepted it (`true`) or refused it (`false`).
    Use(bool),
    /// Revoke the token.
    Revoke,
}

/// The token lifecycle model.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenLife;

impl Model for TokenLife {
    type State = TokenState;
    type Op = TokenOp;

    fn init(&self) -> TokenState {
        TokenState::Unborn
    }

    fn step(&self, state: &TokenState, op: &TokenOp) -> Option<TokenState> {
        match (op, state) {
            (TokenOp::Create, TokenState::Unborn) => Some(TokenState::Live),
            (TokenOp::Create, _) => None,
            (TokenOp::Use(valid), s) => (*valid == (*s == TokenState::Live)).then_some(*s),
            // Revoking twice is harmless; revoking a token that does not exist yet is not
            // something the workload does, so it cannot be explained.
            (TokenOp::Revoke, TokenState::Live | TokenState::Revoked) => Some(TokenState::Revoked),
            (TokenOp::Revoke, TokenState::Unborn) => None,
        }
    }

    fn is_pure(&self, op: &TokenOp) -> bool {
        matches!(op, TokenOp::Use(_))
    }

    /// Life only moves forward: Unborn, Live, Revoked.
    fn dead(&self, state: &TokenState, op: &TokenOp) -> bool {
        match op {
            TokenOp::Create => *state != TokenState::Unborn,
            TokenOp::Use(true) => *state == TokenState::Revoked,
            TokenOp::Use(false) | TokenOp::Revoke => false,
        }
    }

    fn parse(&self, iv: &Interval) -> Result<Option<TokenOp>, ParseError> {
        if iv.outcome == Outcome::Fail {
            return Ok(None);
        }
        match iv.f {
            F::TokenCreate => Ok(Some(TokenOp::Create)),
            F::TokenRevoke => Ok(Some(TokenOp::Revoke)),
            F::TokenUse if iv.outcome == Outcome::Info => Ok(None),
            F::TokenUse => iv
                .result
                .get("valid")
                .and_then(Value::as_bool)
                .map(|v| Some(TokenOp::Use(v)))
                .ok_or_else(|| {
                    ParseError::new(iv, format!("use result {} has no valid flag", iv.result))
                }),
            other => Err(ParseError::new(
                iv,
                format!("{} is not a token operation", other.name()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        let m = TokenLife;
        let s = m.init();
        assert!(m.step(&s, &TokenOp::Use(false)).is_some());
        assert!(m.step(&s, &TokenOp::Use(true)).is_none());
        assert!(m.step(&s, &TokenOp::Revoke).is_none());
        let s = m.step(&s, &TokenOp::Create).unwrap();
        assert!(m.step(&s, &TokenOp::Create).is_none());
        assert!(m.step(&s, &TokenOp::Use(true)).is_some());
        assert!(m.step(&s, &TokenOp::Use(false)).is_none());
        let s = m.step(&s, &TokenOp::Revoke).unwrap();
        assert!(m.step(&s, &TokenOp::Use(true)).is_none());
        assert!(m.step(&s, &TokenOp::Use(false)).is_some());
        assert!(m.is_pure(&TokenOp::Use(true)));
        assert!(m.dead(&TokenState::Revoked, &TokenOp::Use(true)));
        assert!(m.dead(&TokenState::Live, &TokenOp::Create));
        assert!(!m.dead(&TokenState::Unborn, &TokenOp::Use(true)));
        assert!(!m.dead(&TokenState::Live, &TokenOp::Use(false)));
        assert!(!m.is_pure(&TokenOp::Create));
    }
}
