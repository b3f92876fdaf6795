//! The browser model, rule by rule, one module per topic. Each test names the Fetch Standard
//! section or the engine behaviour it pins (engine facts from their sources: Chromium's
//! cors.cc, preflight_result.cc, cors_error_string.cc; Firefox's nsCORSListenerProxy.cpp and
//! security.properties; WebKit's CrossOriginAccessControl.cpp and
//! CrossOriginPreflightResultCache.cpp; and what the real-browser suites in
//! corsair-browser-tests observed).

mod support;

mod cache;
mod checks;
mod chromium;
mod firefox;
mod initiators;
mod messages;
mod preflight;
mod recognize;
mod redirects;
mod requests;
mod webkit;
