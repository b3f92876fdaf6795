//! Which special characters each engine keeps in a domain: the model's
//! `Facts::host_specials`, which `corsair audit` reads to tell which engines can send an
//! exploit origin such as `https://api.example.com*.attacker.example` at all.

use std::time::Duration;

use corsair_browser_tests::{
    engine::{Engine, judged},
    engine_tests,
    protection::serve_page,
};

/// Every ASCII character the URL Standard lets a domain keep besides letters, digits, `-`
/// and `.`; for each, whether `new URL` keeps it as it is in the host.
const KEPT: &str = r#"[...`!"$&'()*+,;=_${"`"}{}~`].filter(c => {
    try { return new URL("https://api.example" + c + ".attacker.example/").host === "api.example" + c + ".attacker.example"; }
    catch (e) { return false; }
}).sort().join("")"#;

engine_tests!(keeps_the_special_host_characters_of_its_profile => judge);

async fn judge<E: Engine>() {
    judged::<E>(Duration::from_secs(120), "", async |engine| {
        let server = serve_page().await.map_err(|e| e.to_string())?;
        let page = format!("http://127.0.0.1:{}/", server.port());
        engine.run(&page, &[], 1).await.map_err(|e| e.to_string())?;
        let kept = engine.evaluate(KEPT).await.map_err(|e| e.to_string())?;
        let expected = engine.profile().facts().host_specials;
        if kept == expected {
            Ok(format!("keeps {kept}"))
        } else {
            Err(format!("keeps {kept}, the profile says {expected:?}"))
        }
    })
    .await;
}
