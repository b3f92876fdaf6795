//! The console suite in another language: Firefox with a langpack (Debian's
//! `firefox-esr-l10n-<locale>`) must print localised texts that `corsair explain` reads
//! back as the model's reasons.

use corsair::browser::{BlockReason, Browser};

use crate::{
    console::{cases, recognised, refused_by_fetch, texts},
    model_half::ModelHalf,
};

/// Firefox in `locale` (`de`, `fr`...): every failure's console text must be localised (no
/// English `(Reason: ...)`) and `corsair explain` must read it back as the model's reason.
pub async fn judge_localised_firefox(locale: &str) {
    let engine = match crate::firefox::Firefox::launch_in(Some(locale)).await {
        Ok(engine) => engine,
        Err(error) => panic!("cannot start headless Firefox in {locale}: {error}"),
    };
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(300),
        check_localised(&engine),
    )
    .await;
    let version = engine.version().to_owned();
    let survivors = engine.shutdown().await;
    assert!(survivors.is_empty(), "processes still run: {survivors:?}");
    match outcome {
        Err(_) => panic!("timed out (Firefox {version}, {locale})"),
        Ok(Err(report)) => panic!("Firefox {version} in {locale}:\n{report}"),
        Ok(Ok(summary)) => eprintln!("Firefox {version} in {locale}: {summary}"),
    }
}

async fn check_localised(engine: &crate::firefox::Firefox) -> Result<String, String> {
    let browser = Browser::Firefox;
    let half = ModelHalf::start().await.map_err(|e| e.to_string())?;
    let context = half.context();
    let cases = cases(&context);
    let (mut failures, mut read) = (Vec::new(), 0);
    for case in &cases {
        let run = half
            .run_logged(engine, &case.scenario)
            .await
            .map_err(|e| format!("{}: {e}", case.name))?;
        let model = half
            .model_outcomes(browser, &case.scenario)
            .map_err(|e| format!("{}: {e}", case.name))?;
        let Some(Err(blocked)) = model.into_iter().next() else {
            continue;
        };
        if refused_by_fetch(&blocked.reason) || blocked.reason == BlockReason::DisallowedByMode {
            continue;
        }
        let (real, _) = texts(browser, case, &blocked, &run);
        if real.is_empty() || real.contains("(Reason:") {
            failures.push(format!("{}: not localised: {real:?}", case.name));
            continue;
        }
        match recognised(browser, &blocked, &real) {
            Ok(()) => read += 1,
            Err(why) => failures.push(format!(
                "{} ({}): corsair explain: {why}: {real:?}",
                case.name,
                blocked.reason.kind()
            )),
        }
    }
    if failures.is_empty() && read > 0 {
        Ok(format!("{read} localised console texts, each recognised"))
    } else {
        Err(failures.join("\n"))
    }
}
