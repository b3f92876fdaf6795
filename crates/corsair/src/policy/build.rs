//! `Config::build`: every concept validates its part of the configuration into one error
//! list, then the parts are compiled into a policy.

use super::{
    Compiled, Config, ConfigErrors, DebugSwitch, Grants, Policy, allow_headers::AllowHeaders,
    allow_methods::AllowMethods, allow_origin::AllowOrigin, cross_origin_writes::CrossOriginWrites,
    expose_headers::ExposeHeaders, preflight::PrebuiltPreflights,
};

impl Config {
    /// Validates the configuration and compiles it into a [`Policy`].
    ///
    /// Returns every problem found, each saying how to fix it; never panics.
    ///
    /// ```
    /// use corsair::{Config, ConfigError};
    ///
    /// let errors = Config::new()
    ///     .allow_origins(["*"])
    ///     .allow_methods(["TRACE"])
    ///     .allow_credentials(true)
    ///     .build()
    ///     .unwrap_err();
    /// let errors: Vec<_> = errors.into_iter().collect();
    /// assert!(errors.contains(&ConfigError::AnyOriginWithCredentials));
    /// assert!(errors.contains(&ConfigError::ForbiddenMethod { value: "TRACE".into() }));
    /// ```
    pub fn build(&self) -> Result<Policy, ConfigErrors> {
        let mut errors = Vec::new();
        let origins = AllowOrigin::validate(self, &mut errors);
        let methods = AllowMethods::validate(self, &mut errors);
        let headers = AllowHeaders::validate(self, &mut errors);
        let expose = ExposeHeaders::validate(self, &mut errors);
        let max_age = self.max_age.validate(&mut errors);
        let writes = CrossOriginWrites::validate(self, &mut errors);
        if let Some(errors) = ConfigErrors::new(errors) {
            return Err(errors);
        }
        let grants = Grants {
            origins: origins.patterns().iter().map(ToString::to_string).collect(),
            predicates: origins.predicates(),
            methods: methods.grants(),
            headers: headers.grants(),
            exposed_headers: expose.grants(),
            credentials: self.credentials,
            max_age: self.max_age,
            private_network: self.private_network,
            preflight_status: self.preflight_status.status().as_u16(),
            refuses_cross_origin_writes: writes.is_some(),
            write_exemptions: writes
                .iter()
                .flat_map(CrossOriginWrites::exemptions)
                .map(|(method, path)| (method.to_owned(), path.to_owned()))
                .collect(),
            allows_cross_origin_websockets: self.cross_origin_websockets,
            trusts_forwarded_host: self.trust_forwarded_host,
            report_only: self.report_only,
        };
        let mut compiled = Compiled {
            origins,
            methods,
            headers,
            credentials: self.credentials,
            expose,
            max_age,
            prebuilt: PrebuiltPreflights::default(),
            private_network: self.private_network,
            preflight_status: self.preflight_status.status(),
            debug: DebugSwitch::default(),
            grants,
            writes,
            websockets: !self.cross_origin_websockets,
            trust_forwarded_host: self.trust_forwarded_host,
            report_only: self.report_only,
        };
        compiled.prebuilt = PrebuiltPreflights::new(&compiled);
        Ok(Policy::from_compiled(compiled))
    }
}
