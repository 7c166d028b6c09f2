//! Per-client rate limits (GCRA, from the `governor` crate) on the two
//! operations scripts hammer: signing in, keyed by the client's address, and
//! issuing grant access tokens, keyed by the credential. The state is kept in
//! memory per instance; the per-account sign-in throttle in the database
//! (`auth::throttle`) is what holds across instances.

use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::client_ip::TrustedProxies;
use crate::config::Config;
use crate::error::{AppError, AppResult};

/// Keys kept before idle ones are dropped (a key whose bucket is full again
/// carries no state worth keeping).
const PRUNE_ABOVE: usize = 10_000;

/// One limit, keyed by a string; `None` when configured off.
pub struct KeyedLimit {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    name: &'static str,
}

impl KeyedLimit {
    fn new(name: &'static str, quota: Option<Quota>) -> Self {
        Self { limiter: quota.map(DefaultKeyedRateLimiter::keyed), name }
    }

    /// Counts one request for `key`; 429 with `Retry-After` when over the limit.
    pub fn check(&self, key: &str) -> AppResult<()> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        match limiter.check_key(&key.to_string()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                metrics::counter!("datagate_rate_limited_total", "limit" => self.name).increment(1);
                Err(AppError::too_many_requests(
                    wait.as_secs_f64().ceil() as u64,
                    format!("too many {} requests from this client; slow down", self.name),
                ))
            }
        }
    }
}

/// The service's rate limits.
pub struct RateLimits {
    /// Sign-ins per client address.
    pub login: KeyedLimit,
    /// Enterprise registrations per client address.
    pub register: KeyedLimit,
    /// Grant access tokens per credential.
    pub token_issue: KeyedLimit,
    proxies: TrustedProxies,
}

impl RateLimits {
    pub fn from_config(config: &Config) -> Self {
        let login = NonZeroU32::new(config.login_rate).map(Quota::per_minute);
        let tokens = NonZeroU32::new(config.token_rate).map(Quota::per_second);
        let register = NonZeroU32::new(config.register_rate).map(Quota::per_hour);
        Self {
            login: KeyedLimit::new("sign-in", login),
            register: KeyedLimit::new("registration", register),
            token_issue: KeyedLimit::new("access-token", tokens),
            proxies: TrustedProxies::new(config.trusted_proxies.clone(), config.trust_forwarded),
        }
    }

    /// The proxies whose forwarding headers are believed.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// The client's address (`http::client_ip`): the peer's, or the
    /// right-most hop a trusted proxy forwarded.
    pub fn client_key(&self, req: &HttpRequest) -> String {
        match req.peer_addr() {
            Some(peer) => self.proxies.client(peer.ip(), req.headers()).to_string(),
            None => "unknown".to_string(),
        }
    }
}
