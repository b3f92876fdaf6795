//! The browser model's response handling: a page's fetch answered by arbitrary response heads
//! (statuses, header names and value bytes, redirects), in every engine. Never a panic, and a
//! fetch always ends: within 20 redirects, each with at most one preflight.

#![no_main]

use corsair::Origin;
use corsair::browser::{
    Browser, Credentials, Fetch, Mode, PageRequest, PreflightCache, ResponseHead, Step, Url,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// Redirect targets that parse, so redirects are followed rather than refused at once.
const LOCATIONS: &[&str] = &[
    "https://api.example/next",
    "https://app.example/same",
    "http://api.example/insecure",
    "https://other.example/",
    "/relative",
    "https://user:pass@api.example/",
];

/// Two steps (a preflight and the request) per hop, for the first hop and 20 redirects.
const MAX_STEPS: usize = 2 * 21;

#[derive(Arbitrary, Debug)]
struct Input {
    browser: u8,
    mode: u8,
    credentials: u8,
    same_origin: bool,
    method: String,
    headers: Vec<(String, String)>,
    responses: Vec<Response>,
}

#[derive(Arbitrary, Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    location: Option<u8>,
}

fn pick<T: Copy>(all: &[T], index: u8) -> T {
    all[usize::from(index) % all.len()]
}

fn head(response: &Response) -> ResponseHead {
    let mut head = ResponseHead::new(response.status, response.headers.iter().take(32).cloned());
    if let Some(location) = response.location {
        head.headers
            .push(("location".to_owned(), pick(LOCATIONS, location).into()));
    }
    head
}

fuzz_target!(|input: Input| {
    let browser = pick(&Browser::ALL, input.browser);
    let url = if input.same_origin {
        "https://app.example/data"
    } else {
        "https://api.example/data"
    };
    let mut request = PageRequest::new(
        Origin::parse("https://app.example").unwrap(),
        Url::parse(url).unwrap(),
    )
    .mode(pick(&Mode::ALL, input.mode))
    .credentials(pick(&Credentials::ALL, input.credentials));
    if !input.method.is_empty() {
        request = request.method(input.method.clone());
    }
    for (name, value) in input.headers.iter().take(16) {
        request = request.header(name.clone(), value.clone());
    }
    let mut cache = PreflightCache::new(browser);
    let mut fetch = Fetch::new(browser, request, &mut cache);
    let mut responses = input.responses.iter().cycle();
    for _ in 0..=MAX_STEPS {
        match fetch.step() {
            Step::Send(_outgoing) => match responses.next() {
                Some(response) => fetch.receive(head(response)),
                None => fetch.receive(ResponseHead::new(200, [("x", "y")])),
            },
            Step::Done(outcome) => {
                if let Err(blocked) = &outcome.result {
                    let _ = (blocked.cause(), blocked.fix(), blocked.reason.kind());
                    for engine in Browser::ALL {
                        let _ = blocked.console_message(engine);
                    }
                }
                return;
            }
        }
    }
    panic!("the fetch did not end within {MAX_STEPS} steps");
});
