//! `--initiator`: which part of the page makes the request, and the options it cannot have.

use corsair::browser::{
    Credentials, FORM_ENCODINGS, ImpossibleRequest, Initiator, Mode, PageRequest,
};

/// The mode and credentials mode asked for on the command line (or in a copied curl
/// command), completed with what `initiator` has when nothing is said.
pub(super) fn modes(
    initiator: Initiator,
    mode: Option<Mode>,
    credentials: Option<Credentials>,
) -> (Mode, Credentials) {
    let mode = mode.unwrap_or(initiator.default_mode());
    (
        mode,
        credentials.unwrap_or(initiator.default_credentials(mode)),
    )
}

/// The method when `-X` is not given: a body makes fetch(), XHR and forms POST.
pub(super) fn default_method(initiator: Initiator, body: bool) -> &'static str {
    match initiator {
        Initiator::Fetch | Initiator::Xhr | Initiator::Form if body => "POST",
        _ => "GET",
    }
}

/// A form that posts a body says how it is encoded.
pub(super) fn form_encoding(request: &PageRequest, body: bool) -> Option<(String, String)> {
    let set = request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    (request.initiator == Initiator::Form && body && !set)
        .then(|| ("Content-Type".to_owned(), FORM_ENCODINGS[0].to_owned()))
}

/// Refuses what the initiator cannot do, naming the option to drop.
pub(super) fn refuse(request: &PageRequest, body: bool) -> Result<(), String> {
    let initiator = request.initiator;
    if body
        && !matches!(
            initiator,
            Initiator::Fetch | Initiator::Xhr | Initiator::Form
        )
    {
        return Err(format!(
            "--initiator {initiator}: a {initiator} request has no body, drop --data"
        ));
    }
    request.validate().map_err(|error| {
        let option = match &error {
            ImpossibleRequest::Method { .. } | ImpossibleRequest::FormMethod { .. } => "-X",
            ImpossibleRequest::Header { .. } | ImpossibleRequest::FormEncoding { .. } => "-H",
            ImpossibleRequest::Mode { .. } => "--mode",
            _ => "--credentials",
        };
        format!("--initiator {initiator} with {option}: {error}")
    })
}

#[cfg(test)]
mod tests {
    use corsair::{Origin, browser::Url};

    use super::*;

    fn request(initiator: Initiator) -> PageRequest {
        let (mode, credentials) = modes(initiator, None, None);
        PageRequest::by(
            initiator,
            Origin::parse("https://app.example").unwrap(),
            Url::parse("https://api.example/").unwrap(),
        )
        .mode(mode)
        .credentials(credentials)
    }

    #[test]
    fn each_refusal_names_the_option_to_drop() {
        let image = request(Initiator::Image);
        let cases = [
            (image.clone().method("PUT"), false, "with -X"),
            (image.clone().header("X-Token", "1"), false, "with -H"),
            (image.clone(), true, "drop --data"),
            (
                request(Initiator::Xhr).credentials(Credentials::Omit),
                false,
                "with --credentials",
            ),
            (
                request(Initiator::Font).mode(Mode::NoCors),
                false,
                "with --mode",
            ),
            (
                request(Initiator::Form).header("Content-Type", "application/json"),
                true,
                "with -H",
            ),
        ];
        for (request, body, expected) in cases {
            let message = refuse(&request, body).unwrap_err();
            assert!(message.contains(expected), "{message}");
        }
        assert_eq!(refuse(&request(Initiator::Stylesheet), false), Ok(()));
    }

    #[test]
    fn an_element_without_crossorigin_is_no_cors_with_credentials() {
        assert_eq!(
            modes(Initiator::Image, Some(Mode::NoCors), None),
            (Mode::NoCors, Credentials::Include)
        );
        let form = request(Initiator::Form);
        assert_eq!(
            form_encoding(&form, true),
            Some((
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into()
            ))
        );
        assert_eq!(default_method(Initiator::Form, true), "POST");
        assert_eq!(default_method(Initiator::Image, false), "GET");
    }
}
