//! What is benchmarked: each middleware and its baseline.

use std::fmt;

use crate::{
    Answer, Case, Spec, Template, actix_app_service, actix_wrap, call_actix, call_tower, tower_app,
};

/// The middlewares compared, and the baselines without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The trivial tower service alone.
    TowerBaseline,
    /// `corsair_tower::CorsLayer`.
    CorsairTower,
    /// `tower_http::cors::CorsLayer`.
    TowerHttp,
    /// The trivial actix-web service alone.
    ActixBaseline,
    /// `actix_cors::Cors`.
    ActixCors,
    /// `corsair_actix::Cors`.
    CorsairActix,
}

impl Subject {
    /// Every subject.
    pub const ALL: [Self; 6] = [
        Self::TowerBaseline,
        Self::CorsairTower,
        Self::TowerHttp,
        Self::ActixBaseline,
        Self::ActixCors,
        Self::CorsairActix,
    ];

    /// The name used in benchmark output.
    pub fn name(self) -> &'static str {
        match self {
            Self::TowerBaseline => "tower_no_cors",
            Self::CorsairTower => "corsair_tower",
            Self::TowerHttp => "tower_http",
            Self::ActixBaseline => "actix_no_cors",
            Self::ActixCors => "actix_cors",
            Self::CorsairActix => "corsair_actix",
        }
    }

    /// The subject of a benchmark-output name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|subject| subject.name() == name)
    }

    /// Whether this is a baseline without CORS.
    pub fn is_baseline(self) -> bool {
        matches!(self, Self::TowerBaseline | Self::ActixBaseline)
    }

    /// Answers one request of `case` under `spec` (builds the middleware anew: for tests).
    pub fn answer(self, spec: Spec, case: Case) -> Answer {
        use tower::Layer;
        let template = Template::new(case, spec);
        match self {
            Self::TowerBaseline => {
                Answer::from_http(&call_tower(&mut tower_app(), template.http()))
            }
            Self::CorsairTower => {
                let mut service = corsair_tower::CorsLayer::new(spec.corsair()).layer(tower_app());
                Answer::from_http(&call_tower(&mut service, template.http()))
            }
            Self::TowerHttp => {
                let mut service = spec.tower_http().layer(tower_app());
                Answer::from_http(&call_tower(&mut service, template.http()))
            }
            Self::ActixBaseline => {
                Answer::from_actix(&call_actix(&actix_app_service(), template.actix()))
            }
            Self::ActixCors => {
                let service = actix_wrap(&spec.actix_cors());
                Answer::from_actix(&call_actix(&service, template.actix()))
            }
            Self::CorsairActix => {
                let service = actix_wrap(&spec.corsair_actix());
                Answer::from_actix(&call_actix(&service, template.actix()))
            }
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
