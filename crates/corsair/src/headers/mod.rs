//! Header-name vocabulary shared by the policy and the browser model.

pub(crate) mod acrh;
pub(crate) mod names;
pub(crate) mod shared;
