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

/// Something about a policy's cross-origin protections its author should know: what
/// `corsair lint` warns about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtectionNote {
    /// Writes are refused and the origin list is `*`, which trusts no one to write: every
    /// cross-site write is refused.
    AnyOriginWritesRefused,
    /// WebSocket handshakes from any origin pass.
    CrossOriginWebSockets,
    /// A write exemption: requests to it from any site reach the application.
    WriteExemption {
        /// The method.
        method: String,
        /// The exact path.
        path: String,
    },
    /// The policy is report-only: it refuses nothing.
    ReportOnly,
}

impl ProtectionNote {
    /// A stable identifier: `any_origin_writes_refused`, `cross_origin_websockets`,
    /// `write_exemption` or `report_only`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AnyOriginWritesRefused => "any_origin_writes_refused",
            Self::CrossOriginWebSockets => "cross_origin_websockets",
            Self::WriteExemption { .. } => "write_exemption",
            Self::ReportOnly => "report_only",
        }
    }
}

impl fmt::Display for ProtectionNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnyOriginWritesRefused => f.write_str(
                "refuse_cross_origin_writes with `*`: `*` trusts no origin to write, so every \
                 cross-site write is refused; list the origins that may write",
            ),
            Self::CrossOriginWebSockets => f.write_str(
                "allow_cross_origin_websockets: any site can open a WebSocket with the user's \
                 cookies (cross-site WebSocket hijacking); check `Origin` in the application",
            ),
            Self::WriteExemption { method, path } => write!(
                f,
                "`{method} {path}` is exempt from refuse_cross_origin_writes: any site can send \
                 it with the user's cookies; authenticate it otherwise (a signature)"
            ),
            Self::ReportOnly => f.write_str(
                "report_only: nothing is enforced, no CORS header is sent and nothing is refused",
            ),
        }
    }
}

impl Grants {
    /// What the policy's author should know about its cross-origin protections.
    ///
    /// ```
    /// let policy = corsair::Config::new()
    ///     .allow_origins(["*"])
    ///     .refuse_cross_origin_writes(true)
    ///     .build()?;
    /// let notes = policy.grants().protection_notes();
    /// assert_eq!(notes[0].kind(), "any_origin_writes_refused");
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn protection_notes(&self) -> Vec<ProtectionNote> {
        let mut notes = Vec::new();
        if self.report_only {
            notes.push(ProtectionNote::ReportOnly);
        }
        if self.refuses_cross_origin_writes && self.origins.iter().any(|origin| origin == "*") {
            notes.push(ProtectionNote::AnyOriginWritesRefused);
        }
        if self.allows_cross_origin_websockets {
            notes.push(ProtectionNote::CrossOriginWebSockets);
        }
        notes.extend(self.write_exemptions.iter().map(|(method, path)| {
            ProtectionNote::WriteExemption {
                method: method.clone(),
                path: path.clone(),
            }
        }));
        notes
    }
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
