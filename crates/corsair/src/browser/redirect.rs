//! Fetch "HTTP-redirect fetch": what a redirect does to the request, with each engine's
//! departures.

use super::{
    Mode, Url,
    blocked::BlockReason,
    fetch::Hop,
    profile::{EmptyLocation, Profile},
};
use crate::Origin;

/// More than this many redirects is a network error.
const MAX_REDIRECTS: u32 = 20;

impl Hop {
    /// Follows a `status` redirect to `location` in a fetch from a page at `origin`: the
    /// next hop's URL, method, headers and flags. `Err` is a refusal now, before anything
    /// changes; `Ok(Some(_))` a refusal the engine reports only when the request would be
    /// sent there.
    pub(super) fn follow(
        &mut self,
        profile: &Profile,
        origin: &Origin,
        mode: Mode,
        location: &str,
        status: u16,
    ) -> Result<Option<BlockReason>, BlockReason> {
        let rules = &profile.redirects;
        self.redirects += 1;
        if self.redirects > MAX_REDIRECTS {
            return Err(BlockReason::TooManyRedirects);
        }
        let refused_empty = location.is_empty() && rules.empty_location == EmptyLocation::Refused;
        let Some(next) = self.url.join(location).ok().filter(|_| !refused_empty) else {
            return Err(BlockReason::InvalidRedirectLocation {
                location: location.to_owned(),
            });
        };
        let refused_when_sending = self.refuse_credentials(profile, origin, mode, &next)?;
        if rules.rebuilds_headers {
            self.headers.restore_page_headers();
        }
        let to_get = (matches!(status, 301 | 302) && self.method == "POST")
            || (status == 303 && !matches!(self.method.as_str(), "GET" | "HEAD"));
        if to_get {
            self.method = "GET".to_owned();
            if rules.drops_body_headers_on_method_change {
                self.headers.drop_body_headers();
            }
        }
        if next.origin() != self.url.origin() {
            self.flags.crossed_origins = true;
            self.flags.keeps_origin = false;
            if rules.drops_authorization_across_origins {
                self.headers.drop_authorization();
            }
            if self.method == "DELETE" && rules.turns_delete_into_get_across_origins {
                self.method = "GET".to_owned();
            }
            // Fetch "redirect-taint": a hop between two origins taints the request unless it
            // starts at the page's own origin. So a redirect from the API back to the page's
            // origin taints it too (Chromium 156 then sends `Origin: null`).
            if self.url.origin() != origin
                || (mode == Mode::NoCors && rules.taints_no_cors_on_any_cross_origin_hop)
            {
                self.flags.tainted = true;
            }
        }
        self.url = next;
        Ok(refused_when_sending)
    }

    /// A redirect to a URL with a username or password: Fetch refuses it in cors mode when it
    /// leads to another origin than the request's; the engines also when the request is
    /// already cross-origin, and some in every mode.
    fn refuse_credentials(
        &self,
        profile: &Profile,
        origin: &Origin,
        mode: Mode,
        next: &Url,
    ) -> Result<Option<BlockReason>, BlockReason> {
        let rules = &profile.redirects;
        let cross_origin = self.flags.cors_tainting || next.origin() != origin;
        if !next.has_credentials()
            || !((mode == Mode::Cors && cross_origin) || rules.refuses_url_credentials_in_any_mode)
        {
            return Ok(None);
        }
        let reason = BlockReason::RedirectContainsCredentials {
            location: next.to_string(),
        };
        if !self.flags.cors_tainting && rules.refuses_url_credentials_only_when_sending {
            Ok(Some(reason))
        } else {
            Err(reason)
        }
    }
}
