//! What is benchmarked: each middleware and its baseline.

use std::fmt;

use crate::{
    ActixNoop, Answer, Case, Spec, Template, actix_app_service, actix_wrap, call_actix, call_tower,
    tower_app, tower_floor,
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
    /// The floor of an answered preflight: the response corsair-tower answers an allowed
    /// preflight with, built anew for every request, with no CORS logic.
    TowerFloor,
    /// The trivial actix-web service alone.
    ActixBaseline,
    /// The trivial actix-web service behind a middleware that does nothing.
    ActixNoop,
    /// `actix_cors::Cors`.
    ActixCors,
    /// `corsair_actix::Cors`.
    CorsairActix,
}

impl Subject {
    /// Every subject measured on every request ([`TowerFloor`](Self::TowerFloor), which
    /// answers every request alike, is measured on allowed preflights only).
    pub const ALL: [Self; 7] = [
        Self::TowerBaseline,
        Self::CorsairTower,
        Self::TowerHttp,
        Self::ActixBaseline,
        Self::ActixNoop,
        Self::ActixCors,
        Self::CorsairActix,
    ];

    /// Every subject measured on allowed preflights: [`ALL`](Self::ALL) and the floor.
    pub const WITH_FLOOR: [Self; 8] = [
        Self::TowerBaseline,
        Self::CorsairTower,
        Self::TowerHttp,
        Self::TowerFloor,
        Self::ActixBaseline,
        Self::ActixNoop,
        Self::ActixCors,
        Self::CorsairActix,
    ];

    /// The name used in benchmark output.
    pub fn name(self) -> &'static str {
        match self {
            Self::TowerBaseline => "tower_no_cors",
            Self::CorsairTower => "corsair_tower",
            Self::TowerHttp => "tower_http",
            Self::TowerFloor => "tower_floor",
            Self::ActixBaseline => "actix_no_cors",
            Self::ActixNoop => "actix_noop",
            Self::ActixCors => "actix_cors",
            Self::CorsairActix => "corsair_actix",
        }
    }

    /// The subject of a benchmark-output name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::WITH_FLOOR
            .into_iter()
            .find(|subject| subject.name() == name)
    }

    /// Whether this is a baseline without CORS (the floor included).
    pub fn is_baseline(self) -> bool {
        matches!(
            self,
            Self::TowerBaseline | Self::TowerFloor | Self::ActixBaseline | Self::ActixNoop
        )
    }

    /// Answers one request of `case` under `spec` (builds the middleware anew: for tests).
    pub fn answer(self, spec: Spec, case: Case) -> Answer {
        self.answer_to(spec, &Template::new(case, spec))
    }

    /// Answers `template`'s request under `spec` (builds the middleware anew: for tests).
    pub fn answer_to(self, spec: Spec, template: &Template) -> Answer {
        use tower::Layer;
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
            Self::TowerFloor => {
                Answer::from_http(&call_tower(&mut self::floor(spec), template.http()))
            }
            Self::ActixBaseline => {
                Answer::from_actix(&call_actix(&actix_app_service(), template.actix()))
            }
            Self::ActixNoop => {
                Answer::from_actix(&call_actix(&actix_wrap(&ActixNoop), template.actix()))
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

/// The floor service of `spec`: corsair-tower's answer to its allowed preflight, rebuilt.
pub fn floor(
    spec: Spec,
) -> impl tower::Service<
    http::Request<()>,
    Response = crate::Hello,
    Error = std::convert::Infallible,
    Future = crate::HelloFuture,
> + Clone
+ Send
+ 'static {
    use tower::Layer;
    let mut corsair = corsair_tower::CorsLayer::new(spec.corsair()).layer(tower_app());
    let template = Template::new(Case::PreflightAllowed, spec);
    tower_floor(&call_tower(&mut corsair, template.http()))
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
