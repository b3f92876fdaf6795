//! What a policy grants, in words.

use std::fmt;

use super::MaxAge;

/// What a policy grants, in words: the summary `corsair lint` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grants {
    /// Origin entries, canonical.
    pub origins: Vec<String>,
    /// How many origin predicates there are.
    pub predicates: usize,
    /// Methods a preflight may ask for besides GET, HEAD and POST (`*` for any).
    pub methods: Vec<String>,
    /// Request headers a preflight may ask for, lowercase (`*` for any but `authorization`).
    pub headers: Vec<String>,
    /// Response headers script may read besides the safelisted ones.
    pub exposed_headers: Vec<String>,
    /// Whether credentialed requests may read responses.
    pub credentials: bool,
    /// Preflight caching.
    pub max_age: MaxAge,
    /// Whether Private Network Access preflights are granted.
    pub private_network: bool,
    /// The status of successful preflight answers.
    pub preflight_status: u16,
    /// Whether forged writes are refused.
    pub refuses_cross_origin_writes: bool,
    /// The `(method, path)` pairs exempt from the refusal of forged writes.
    pub write_exemptions: Vec<(String, String)>,
    /// Whether WebSocket handshakes from any origin pass (their origin is not checked).
    pub allows_cross_origin_websockets: bool,
    /// Whether `X-Forwarded-Host` stands for `Host`.
    pub trusts_forwarded_host: bool,
    /// Whether the policy only reports, changing nothing.
    pub report_only: bool,
}

impl fmt::Display for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[String], empty: &str| {
            if items.is_empty() {
                empty.to_owned()
            } else {
                items.join(", ")
            }
        };
        writeln!(
            f,
            "origins:          {}",
            list(&self.origins, "none listed")
        )?;
        if self.predicates > 0 {
            writeln!(f, "                  and {} predicate(s)", self.predicates)?;
        }
        writeln!(
            f,
            "methods:          GET, HEAD, POST{}",
            if self.methods.is_empty() {
                String::new()
            } else {
                format!(", {}", self.methods.join(", "))
            }
        )?;
        writeln!(
            f,
            "request headers:  {}",
            list(&self.headers, "CORS-safelisted only")
        )?;
        writeln!(
            f,
            "exposed headers:  {}",
            list(&self.exposed_headers, "CORS-safelisted only")
        )?;
        writeln!(
            f,
            "credentials:      {}",
            if self.credentials {
                "allowed"
            } else {
                "not allowed"
            }
        )?;
        writeln!(f, "preflight cache:  {}", self.max_age.describe())?;
        writeln!(
            f,
            "private network:  {}",
            if self.private_network {
                "granted"
            } else {
                "not granted"
            }
        )?;
        write!(f, "preflight status: {}", self.preflight_status)?;
        // Protection lines only when they differ from the defaults, so a plain CORS policy
        // reads as before.
        if self.refuses_cross_origin_writes {
            write!(f, "\nforged writes:    refused")?;
            for (method, path) in &self.write_exemptions {
                write!(f, "\n                  except {method} {path}")?;
            }
        }
        if self.allows_cross_origin_websockets {
            write!(f, "\nwebsockets:       any origin")?;
        }
        if self.trusts_forwarded_host {
            write!(f, "\nhost:             X-Forwarded-Host trusted")?;
        }
        if self.report_only {
            write!(f, "\nenforcement:      report-only")?;
        }
        Ok(())
    }
}
