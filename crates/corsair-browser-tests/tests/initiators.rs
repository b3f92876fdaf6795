//! The browser model for every initiator, against each engine: generated scenarios (seeded:
//! `CORSAIR_BROWSER_SEED` replays a run, `CORSAIR_BROWSER_SCENARIOS` changes the count), each
//! one answer of origin B through `fetch()`, `XMLHttpRequest`, a `FontFace`, an `<img>`, a
//! `<script type="module">`, a `<link rel="stylesheet">` or an `EventSource`, with or without
//! `crossorigin`/`withCredentials`, carrying a body that initiator can use (a TrueType font, a
//! PNG, a module, a stylesheet, an event stream, JSON), so that only CORS decides. The engine's
//! profile must predict whether it loaded, what reached the server and what script could
//! read.

use corsair_browser_tests::{
    engine::Engine, engine_tests, generate::initiators, model_half::judge_generated,
};

engine_tests!(the_model_predicts_every_initiator => judge);

async fn judge<E: Engine>() {
    judge_generated::<E>(initiators::scenario, 1000).await;
}
