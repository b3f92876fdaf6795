//! Header vocabulary shared by the policy and the browser model: reserved names, the
//! `Access-Control-Request-Headers` list, and values precomputed with the policy.

pub(crate) mod acrh;
pub(crate) mod names;
pub(crate) mod shared;
