//! Every console text of the corpus (tests/corpus/pasted.toml: texts pasted into public
//! issues, each with its source) through `corsair explain --json`.

use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    source: String,
    browser: String,
    kind: String,
    text: String,
}

fn explain_json(text: &str) -> (Option<i32>, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["explain", "--json", text])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_default();
    (output.status.code(), json)
}

#[test]
fn every_pasted_text_of_the_corpus_is_recognised_with_its_kind() {
    let corpus: Corpus = toml::from_str(include_str!("corpus/pasted.toml")).unwrap();
    assert!(corpus.entry.len() >= 60, "{} entries", corpus.entry.len());
    let mut failures = Vec::new();
    for entry in &corpus.entry {
        assert!(entry.source.starts_with("https://"), "{}", entry.source);
        let (code, json) = explain_json(&entry.text);
        if code != Some(0) || json["kind"] != entry.kind || json["browser"] != entry.browser {
            failures.push(format!(
                "{}: expected {} {}, got exit {code:?} {} {}\n  {}",
                entry.source, entry.browser, entry.kind, json["browser"], json["kind"], entry.text
            ));
        }
        // No sentence shows an empty value, and no suggestion uses an origin `check` refuses.
        for key in ["cause", "fix"] {
            let text = json[key].as_str().unwrap_or_default();
            if text.contains("``") || text.contains("''") {
                failures.push(format!("{}: empty value in {key}: {text}", entry.source));
            }
        }
        if json["check"]
            .as_str()
            .is_some_and(|c| c.contains("--origin null"))
        {
            failures.push(format!("{}: suggests --origin null", entry.source));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} entries:\n{}",
        failures.len(),
        corpus.entry.len(),
        failures.join("\n")
    );
}

/// The README's `corsair explain` examples: each command's output as the README shows it.
#[test]
fn the_readme_examples_are_what_explain_prints() {
    let readme = include_str!("../../../README.md");
    let mut examples = 0;
    for block in readme.split("```console\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let Some(rest) = block.trim_start().strip_prefix("$ corsair explain \"") else {
            continue;
        };
        let (message, shown) = rest.split_once("\"\n").unwrap();
        let shown: String = shown
            .lines()
            .map(|line| format!("{}\n", line.strip_prefix("  ").unwrap_or(line)))
            .collect();
        let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
            .args(["explain", message])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(output.stdout).unwrap().trim_end(),
            shown.trim_end()
        );
        examples += 1;
    }
    assert!(examples >= 2, "{examples} examples");
}

/// One paste, several failures; the suggested command carries the method and header, and
/// is one shell word per argument.
#[test]
fn several_failures_and_the_check_command() {
    let paste = "Access to fetch at 'https://api.example/a' from origin 'http://localhost:5173' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.\n\
                 GET https://api.example/a net::ERR_FAILED\n\
                 Access to fetch at 'https://api.example/b' from origin 'http://localhost:5173' has been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.";
    let (code, json) = explain_json(paste);
    assert_eq!(code, Some(0));
    let messages = json["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{json}");
    assert_eq!(json["kind"], "header_not_allowed");
    assert_eq!(messages[0]["lines"], 2);
    assert_eq!(
        messages[0]["check"],
        "corsair check https://api.example/a --origin http://localhost:5173 -X POST -H 'x-api-key: VALUE' --browser chromium"
    );
    assert_eq!(
        messages[1]["check"],
        "corsair check https://api.example/b --origin http://localhost:5173 -X PUT --browser chromium"
    );
    // Firefox names no origin; a file:// page has none: a placeholder, never `null`.
    for text in [
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.",
        "Access to fetch at 'https://api.example/x' from origin 'null' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    ] {
        let (_, json) = explain_json(text);
        let check = json["check"].as_str().unwrap();
        assert!(check.contains("--origin ORIGIN"), "{check}");
        assert!(!json["fix"].as_str().unwrap().contains(": ."), "{json}");
    }
    // Not CORS: no check command, and the text says so.
    let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args([
            "explain",
            "GET https://cdn.example/x.js net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin 200",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.matches("will not fix this").count(), 1, "{text}");
    assert!(!text.contains("corsair check"), "{text}");
}

/// Localised Firefox reasons, from Firefox's own langpacks.
#[test]
fn localised_firefox_reasons_are_recognised() {
    for (text, kind) in [
        (
            "Quellübergreifende (Cross-Origin) Anfrage blockiert: Die Gleiche-Quelle-Regel verbietet das Lesen der externen Ressource auf https://api.example/x. (Grund: CORS-Kopfzeile 'Access-Control-Allow-Origin' fehlt). Statuscode: 200.",
            "missing_allow_origin",
        ),
        (
            "Blocage d’une requête multiorigines (Cross-Origin Request) : la politique « Same Origin » ne permet pas de consulter la ressource distante située sur https://api.example/x. Raison : l’en-tête CORS « Access-Control-Allow-Origin » est manquant. Code d’état : 200.",
            "missing_allow_origin",
        ),
        (
            "Solicitud desde otro origen bloqueada: la política de mismo origen impide leer el recurso remoto en https://api.example/x (razón: falta la cabecera CORS 'Access-Control-Allow-Origin'). Código de estado: 200.",
            "missing_allow_origin",
        ),
        (
            "已拦截跨源请求：同源策略禁止读取位于 https://api.example/x 的远程资源。（原因：CORS 头缺少 'Access-Control-Allow-Origin'）。状态码：200。",
            "missing_allow_origin",
        ),
        (
            "クロスオリジン要求をブロックしました: 同一生成元ポリシーにより、https://api.example/x にあるリモートリソースの読み込みは拒否されます (理由: CORS ヘッダー ‘Access-Control-Allow-Origin’ が足りない)。ステータスコード: 200",
            "missing_allow_origin",
        ),
        (
            "Запрос из постороннего источника заблокирован: Политика одного источника запрещает чтение удалённого ресурса на https://api.example/x. (Причина: отсутствует заголовок CORS «Access-Control-Allow-Origin»). Код состояния: 200.",
            "missing_allow_origin",
        ),
        (
            "Requisição cross-origin bloqueada: A diretiva Same Origin (mesma origem) não permite a leitura do recurso remoto em https://api.example/x (motivo: falta cabeçalho 'Access-Control-Allow-Origin' no CORS). Código de status: 200.",
            "missing_allow_origin",
        ),
    ] {
        let (code, json) = explain_json(text);
        assert_eq!(
            (code, json["kind"].as_str()),
            (Some(0), Some(kind)),
            "{text}"
        );
        assert_eq!(json["url"], "https://api.example/x", "{text}");
        assert_eq!(json["browser"], "firefox", "{text}");
    }
}
