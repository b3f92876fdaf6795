//! The protocol's lexical rules, each stated once: which bytes make a scheme, a domain or a
//! token, and which methods the Fetch Standard singles out. The origin parser, the compiled
//! policy and the browser model all ask here, so they cannot drift apart.

pub(crate) mod host;
pub(crate) mod method;
pub(crate) mod scheme;
pub(crate) mod token;
