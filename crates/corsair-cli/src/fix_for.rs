//! The server change that grants a blocked request, written for the servers people run.

use std::fmt::Write as _;

/// A server (or its CORS package) `check --fix-for` writes the change for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Server {
    /// nginx `add_header` directives.
    Nginx,
    /// Express with the `cors` package.
    Express,
    /// Spring MVC's `CorsRegistry` (and Spring Security).
    Spring,
    /// Django with `django-cors-headers`.
    Django,
    /// tower-http's `CorsLayer` (axum, tonic, hyper).
    TowerHttp,
    /// actix-web with `actix-cors`.
    ActixCors,
    /// ASP.NET Core's CORS middleware.
    Aspnet,
}

impl Server {
    /// The server a response's `Server` (or `X-Powered-By`) header names, if it is one of ours.
    pub(crate) fn from_response(server: Option<&str>, powered_by: Option<&str>) -> Option<Self> {
        let server = server.unwrap_or_default().to_ascii_lowercase();
        let powered_by = powered_by.unwrap_or_default().to_ascii_lowercase();
        if server.starts_with("nginx") || server.starts_with("openresty") {
            Some(Self::Nginx)
        } else if server.starts_with("kestrel") || server.starts_with("microsoft-iis") {
            Some(Self::Aspnet)
        } else if powered_by.starts_with("express") {
            Some(Self::Express)
        } else {
            None
        }
    }

    /// The name users know it by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Nginx => "nginx",
            Self::Express => "Express (cors package)",
            Self::Spring => "Spring",
            Self::Django => "Django (django-cors-headers)",
            Self::TowerHttp => "tower-http",
            Self::ActixCors => "actix-cors",
            Self::Aspnet => "ASP.NET Core",
        }
    }
}

/// What the server must grant for the request to pass: the page's origin, the non-safelisted
/// method and request headers it uses, and credentials when it sends them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) origin: String,
    /// Methods beyond GET, HEAD and POST.
    pub(crate) methods: Vec<String>,
    /// Request headers the preflight asked for, lowercase.
    pub(crate) headers: Vec<String>,
    pub(crate) credentials: bool,
}

impl Grant {
    /// Every method the grant lists: the safelisted ones plus the extra ones.
    fn all_methods(&self) -> Vec<&str> {
        let mut methods = vec!["GET", "HEAD", "POST"];
        methods.extend(self.methods.iter().map(String::as_str));
        methods
    }

    /// The change for `server`, as a snippet with a comment saying where it goes.
    pub(crate) fn snippet(&self, server: Server) -> String {
        let quoted = |items: &[&str]| {
            items
                .iter()
                .map(|item| format!("\"{item}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let methods = self.all_methods();
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        let origin = &self.origin;
        let mut out = String::new();
        match server {
            Server::Nginx => {
                let mut grant = format!(
                    "add_header Access-Control-Allow-Origin \"{origin}\" always;\n\
                     add_header Vary Origin always;\n"
                );
                if self.credentials {
                    grant
                        .push_str("add_header Access-Control-Allow-Credentials \"true\" always;\n");
                }
                let indent = |text: &str, by: &str| {
                    text.lines()
                        .map(|line| format!("{by}{line}\n"))
                        .collect::<String>()
                };
                out.push_str("# In the location serving this URL; `always` adds the headers to error responses too.\n");
                out.push_str("# If the upstream sets CORS headers itself: proxy_hide_header Access-Control-Allow-Origin;\n");
                out.push_str("if ($request_method = OPTIONS) {\n");
                out.push_str(&indent(&grant, "    "));
                let _ = writeln!(
                    out,
                    "    add_header Access-Control-Allow-Methods \"{}\" always;",
                    methods.join(", ")
                );
                if !headers.is_empty() {
                    let _ = writeln!(
                        out,
                        "    add_header Access-Control-Allow-Headers \"{}\" always;",
                        headers.join(", ")
                    );
                }
                out.push_str(
                    "    add_header Access-Control-Max-Age 600 always;\n    return 204;\n}\n",
                );
                out.push_str(&grant);
            }
            Server::Express => {
                out.push_str("// Before any router, auth or error middleware, so preflights and errors get the headers too.\n");
                out.push_str("const cors = require(\"cors\");\napp.use(cors({\n");
                let _ = writeln!(out, "  origin: [\"{origin}\"],");
                let _ = writeln!(out, "  methods: [{}],", quoted(&methods));
                if !headers.is_empty() {
                    let _ = writeln!(out, "  allowedHeaders: [{}],", quoted(&headers));
                }
                if self.credentials {
                    out.push_str("  credentials: true,\n");
                }
                out.push_str("}));\n");
            }
            Server::Spring => {
                out.push_str("// With Spring Security, also enable http.cors(Customizer.withDefaults()) so preflights pass before authentication.\n");
                out.push_str("@Override\npublic void addCorsMappings(CorsRegistry registry) {\n");
                out.push_str("    registry.addMapping(\"/**\")\n");
                let _ = writeln!(out, "        .allowedOrigins(\"{origin}\")");
                let _ = write!(out, "        .allowedMethods({})", quoted(&methods));
                if !headers.is_empty() {
                    let _ = write!(out, "\n        .allowedHeaders({})", quoted(&headers));
                }
                if self.credentials {
                    out.push_str("\n        .allowCredentials(true)");
                }
                out.push_str(";\n}\n");
            }
            Server::Django => {
                out.push_str("# settings.py; CorsMiddleware goes first in MIDDLEWARE, before CommonMiddleware and auth.\n");
                out.push_str("from corsheaders.defaults import default_headers, default_methods\n");
                out.push_str("INSTALLED_APPS += [\"corsheaders\"]\n");
                out.push_str("MIDDLEWARE.insert(0, \"corsheaders.middleware.CorsMiddleware\")\n");
                let _ = writeln!(out, "CORS_ALLOWED_ORIGINS = [\"{origin}\"]");
                if !self.methods.is_empty() {
                    let extra: Vec<&str> = self.methods.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        out,
                        "CORS_ALLOW_METHODS = (*default_methods, {})",
                        quoted(&extra)
                    );
                }
                if !headers.is_empty() {
                    let _ = writeln!(
                        out,
                        "CORS_ALLOW_HEADERS = (*default_headers, {})",
                        quoted(&headers)
                    );
                }
                if self.credentials {
                    out.push_str("CORS_ALLOW_CREDENTIALS = True\n");
                }
            }
            Server::TowerHttp => {
                out.push_str("// The outermost layer (added last), so it answers preflights before auth or routing.\n");
                out.push_str("use http::{HeaderName, HeaderValue, Method};\nuse tower_http::cors::CorsLayer;\n\n");
                out.push_str("let cors = CorsLayer::new()\n");
                let _ = writeln!(
                    out,
                    "    .allow_origin(HeaderValue::from_static(\"{origin}\"))"
                );
                let methods: Vec<String> =
                    methods.iter().map(|method| rust_method(method)).collect();
                let _ = write!(out, "    .allow_methods([{}])", methods.join(", "));
                if !headers.is_empty() {
                    let names: Vec<String> = headers
                        .iter()
                        .map(|name| format!("HeaderName::from_static(\"{name}\")"))
                        .collect();
                    let _ = write!(out, "\n    .allow_headers([{}])", names.join(", "));
                }
                if self.credentials {
                    out.push_str("\n    .allow_credentials(true)");
                }
                out.push_str(";\n");
            }
            Server::ActixCors => {
                out.push_str("// App::new().wrap(cors) as the last wrap, so it runs first.\n");
                out.push_str("let cors = actix_cors::Cors::default()\n");
                let _ = writeln!(out, "    .allowed_origin(\"{origin}\")");
                let _ = write!(out, "    .allowed_methods(vec![{}])", quoted(&methods));
                if !headers.is_empty() {
                    let _ = write!(out, "\n    .allowed_headers(vec![{}])", quoted(&headers));
                }
                if self.credentials {
                    out.push_str("\n    .supports_credentials()");
                }
                out.push_str(";\n");
            }
            Server::Aspnet => {
                out.push_str("// app.UseCors(\"page\") after UseRouting and before UseAuthentication and UseAuthorization.\n");
                out.push_str("builder.Services.AddCors(options => options.AddPolicy(\"page\", policy => policy\n");
                let _ = writeln!(out, "    .WithOrigins(\"{origin}\")");
                let _ = write!(out, "    .WithMethods({})", quoted(&methods));
                if !headers.is_empty() {
                    let _ = write!(out, "\n    .WithHeaders({})", quoted(&headers));
                }
                if self.credentials {
                    out.push_str("\n    .AllowCredentials()");
                }
                out.push_str("));\n");
            }
        }
        out
    }
}

/// A method as tower-http code: `http`'s constant when there is one.
fn rust_method(method: &str) -> String {
    match method {
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "TRACE" => {
            format!("Method::{method}")
        }
        other => format!("Method::from_bytes(b\"{other}\").unwrap()"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            origin: "https://app.example".into(),
            methods: vec!["PUT".into()],
            headers: vec!["x-api-key".into()],
            credentials: true,
        }
    }

    #[test]
    fn every_server_gets_every_part_of_the_grant() {
        for server in [
            Server::Nginx,
            Server::Express,
            Server::Spring,
            Server::Django,
            Server::TowerHttp,
            Server::ActixCors,
            Server::Aspnet,
        ] {
            let snippet = grant().snippet(server);
            for part in ["https://app.example", "PUT", "x-api-key"] {
                assert!(
                    snippet.contains(part),
                    "{server:?} lacks {part}:\n{snippet}"
                );
            }
            assert!(
                snippet.to_lowercase().contains("credentials"),
                "{server:?}:\n{snippet}"
            );
            let without = Grant {
                credentials: false,
                ..grant()
            }
            .snippet(server);
            assert!(!without.contains("Credentials(") && !without.contains("credentials: true"));
        }
    }

    #[test]
    fn servers_are_recognised_by_their_headers() {
        assert_eq!(
            Server::from_response(Some("nginx/1.22.1"), None),
            Some(Server::Nginx)
        );
        assert_eq!(
            Server::from_response(Some("Kestrel"), None),
            Some(Server::Aspnet)
        );
        assert_eq!(
            Server::from_response(None, Some("Express")),
            Some(Server::Express)
        );
        assert_eq!(Server::from_response(Some("Apache"), None), None);
    }
}
