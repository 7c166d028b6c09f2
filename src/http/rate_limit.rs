//! Per-client rate limits (GCRA, from the `governor` crate) on the two
//! operations scripts hammer: signing in, keyed by the client's address, and
//! issuing grant access tokens, keyed by the credential. The state is kept in
//! memory per instance; the per-account sign-in throttle in the database
//! (`auth::throttle`) is what holds across instances.

use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

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
    trust_forwarded: bool,
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
            trust_forwarded: config.trust_forwarded,
        }
    }

    /// The client's address: the peer's, or the one a trusted proxy forwarded.
    pub fn client_key(&self, req: &HttpRequest) -> String {
        let info = req.connection_info();
        let addr = if self.trust_forwarded { info.realip_remote_addr() } else { info.peer_addr() };
        let addr = addr.unwrap_or("unknown");
        // Strip the port: one client, many connections.
        match addr.parse::<std::net::SocketAddr>() {
            Ok(sa) => sa.ip().to_string(),
            Err(_) => addr.to_string(),
        }
    }
}
