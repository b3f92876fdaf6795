//! Origins A and B for the model half: the page and the scripted answers.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use crate::{
    Result,
    http1::{RawRequest, RawResponse, Server},
    page::page_response,
    record::{Arrival, Records, id_from_path},
};

use super::Scenario;

/// Origins A and B for the model half. Origin A (`http://127.0.0.1:PORT_A`) serves the page
/// at `/`; origin B (`http://localhost:PORT_B`) answers each request of scenario `id` as that
/// scenario says. Redirects may also lead to `http://127.0.0.1:PORT_B` (a third origin) or
/// back to origin A, which answer scenario paths the same way. Every scenario request is
/// recorded.
#[derive(Debug)]
pub struct ScriptedServer {
    page: Server,
    server: Server,
    scenarios: Arc<Mutex<HashMap<String, Arc<Scenario>>>>,
    records: Records,
}

impl ScriptedServer {
    /// Starts both servers on free loopback ports.
    pub async fn start() -> Result<Self> {
        let scenarios: Arc<Mutex<HashMap<String, Arc<Scenario>>>> = Arc::default();
        let records = Records::new();
        let handler: crate::http1::Handler = {
            let scenarios = scenarios.clone();
            let records = records.clone();
            Arc::new(move |request: &RawRequest| {
                if request.path() == "/" {
                    return page_response();
                }
                let arrival = Arrival::classify(
                    &request.method,
                    &request.target,
                    request
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_slice())),
                );
                let scenario = id_from_path(request.path()).and_then(|id| {
                    scenarios
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get(id)
                        .cloned()
                });
                let Some(scenario) = scenario else {
                    return RawResponse {
                        status: 404,
                        headers: vec![("Content-Length".into(), b"0".to_vec())],
                        body: Vec::new(),
                    };
                };
                let response = scenario.answer(arrival.kind, request.path()).raw();
                records.push(&scenario.id, arrival);
                response
            })
        };
        Ok(Self {
            page: Server::start(handler.clone()).await?,
            server: Server::start(handler).await?,
            scenarios,
            records,
        })
    }

    /// Origin A's port (`http://127.0.0.1:<port>`).
    pub fn page_port(&self) -> u16 {
        self.page.port()
    }

    /// Origin B's port (`http://localhost:<port>`).
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Makes the server answer for `scenario`.
    pub fn register(&self, scenario: &Scenario) {
        self.scenarios
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(scenario.id.clone(), Arc::new(scenario.clone()));
    }

    /// What arrived for `id`.
    pub fn arrivals(&self, id: &str) -> Vec<Arrival> {
        self.records.get(id)
    }
}
