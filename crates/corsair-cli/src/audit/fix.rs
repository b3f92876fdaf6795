//! The fix for a finding: a corsair policy that closes it, validated by the engine before it
//! is shown, and the general rule for any server.

use corsair::Policy;

use super::{class::Class, finding::Observation};

/// How to close a finding.
#[derive(Clone, Debug)]
pub(crate) struct Fix {
    /// A corsair policy file (TOML) that the engine builds without error.
    pub(crate) policy: String,
    /// The general rule, for any server.
    pub(crate) rule: &'static str,
}

/// The policy granting only `legitimate` origins (the target's trusted ones) what the
/// finding shows the application needs. Origins the engine refuses with credentials (plain
/// http, say) are left out; with none left the target's own origin stands in, to be replaced
/// by the real front ends.
pub(crate) fn fix(observed: &Observation, legitimate: &[String], own: &str) -> Fix {
    let credentials = observed.credentials
        && !matches!(observed.class, Class::Wildcard | Class::WildcardCredentials);
    let unsafe_methods: Vec<&str> = observed
        .methods
        .iter()
        .map(String::as_str)
        .filter(|m| !matches!(*m, "GET" | "HEAD" | "POST"))
        .collect();
    let headers = (!unsafe_methods.is_empty()).then_some(["authorization", "content-type"]);
    let render = |origins: &[&str], credentials: bool| {
        let mut text = format!("allow_origins = {}\n", list(origins.iter().copied()));
        if !unsafe_methods.is_empty() {
            text.push_str(&format!(
                "allow_methods = {}\n",
                list(unsafe_methods.iter().copied())
            ));
        }
        if let Some(headers) = headers {
            text.push_str(&format!("allow_headers = {}\n", list(headers)));
        }
        if credentials {
            text.push_str("allow_credentials = true\n");
        }
        text
    };
    let valid = |text: &str| Policy::from_toml(text).is_ok();
    let mut origins: Vec<&str> = legitimate
        .iter()
        .map(String::as_str)
        .filter(|origin| valid(&render(&[origin], credentials)))
        .collect();
    if origins.is_empty() {
        origins.push(own);
    }
    let mut policy = render(&origins, credentials);
    if !valid(&policy) {
        // Only an own origin the engine refuses with credentials (plain http) gets here.
        policy = render(&origins, false);
    }
    Fix {
        policy,
        rule: observed.class.rule(),
    }
}

fn list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|item| serde_json::Value::from(item).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}
