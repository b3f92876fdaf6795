//! A response as the browser model sees it.

/// A response's status and header lines, in the order received (names in any case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// Header lines; a name may repeat.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    /// A response with this status and these `(name, value)` lines.
    ///
    /// ```
    /// use corsair::browser::ResponseHead;
    ///
    /// let response = ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")]);
    /// assert_eq!(response.get("access-control-allow-origin").as_deref(), Some("*".as_bytes()));
    /// ```
    pub fn new<N: Into<String>, V: Into<Vec<u8>>>(
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self {
        Self {
            status,
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        }
    }

    /// Every value of `name`, in order, without the spaces and tabs around it (an HTTP/1.1
    /// parser removes them, so `Access-Control-Allow-Origin:  *  ` means `*`: Chromium 156
    /// accepts it).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| trim_whitespace(value))
    }

    /// The values of `name` (trimmed as in [`ResponseHead::values`]) combined as the Fetch
    /// Standard's "get" does: joined by `, `; `None` when absent.
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let mut values = self.values(name);
        let first = values.next()?.to_vec();
        Some(values.fold(first, |mut combined, value| {
            combined.extend_from_slice(b", ");
            combined.extend_from_slice(value);
            combined
        }))
    }

    /// Whether the status is a redirect the fetch follows (301, 302, 303, 307, 308).
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }

    /// Fetch "ok status": 200 to 299.
    pub fn is_ok(&self) -> bool {
        (200..=299).contains(&self.status)
    }
}

/// A field value without leading and trailing spaces and tabs (HTTP's optional whitespace).
fn trim_whitespace(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |i| i + 1);
    &value[start..end]
}
