//! The `x-cmg-*` headers a CMG adds to a client request (and its connection point passes on),
//! as an extractor: handlers hand the hop to the ops, whose logs then say the request came
//! through the CMG and from which client certificate. The headers only describe; they grant
//! nothing (the request is authorised by its token like any other).

use super::state::AppState;
use crate::gateway::protocol::{
    CLIENT_ADDRESS_HEADER, CLIENT_CERT_HEADER, CMG_HEADER, INSTANCE_HEADER,
};
use crate::site::ops::management_point::Hop;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

/// The hop a request came through, if a CMG carried it.
#[derive(Debug, Clone)]
pub(super) struct Via(pub Option<Hop>);

impl FromRequestParts<AppState> for Via {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        Ok(Via(Hop::from_headers(
            header(CMG_HEADER),
            header(INSTANCE_HEADER),
            header(CLIENT_ADDRESS_HEADER),
            header(CLIENT_CERT_HEADER),
        )))
    }
}
