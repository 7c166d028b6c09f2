//! Per-client rate limits (GCRA, from the `governor` crate) on the two
//! operations scripts hammer: signing in, keyed by the client's address, and
//! issuing grant access tokens, keyed by the credential. The state is kept in
//! memory per instance; the per-account sign-in throttle in the database
//! (`auth::throttle`) is what holds across instances.
//!
//! Each check is reported to the client (issue 22) in the IETF httpapi
//! draft's headers: `RateLimit-Policy: "sign-in";q=60;w=60` (the quota and
//! its window in seconds) and `RateLimit: "sign-in";r=59;t=1` (what remains
//! and the seconds until the quota is whole again); a refusal is 429 with
//! `Retry-After`. The checks made while answering a request are collected in
//! a task-local scope that `http::conventions` opens around the API.

use std::cell::RefCell;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::client_ip::TrustedProxies;
use crate::config::Config;
use crate::error::{AppError, AppResult};

/// Keys kept before idle ones are dropped (a key whose bucket is full again
/// carries no state worth keeping).
const PRUNE_ABOVE: usize = 10_000;

type Limiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// One check of a limit, as the response reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitState {
    pub name: &'static str,
    /// Requests allowed per window.
    pub quota: u32,
    pub window_secs: u64,
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset_secs: u64,
}

tokio::task_local! {
    static SEEN: RefCell<Vec<LimitState>>;
}

/// Runs `f`, collecting the limits checked meanwhile (on this task).
pub async fn observe<F: std::future::Future>(f: F) -> (F::Output, Vec<LimitState>) {
    SEEN.scope(RefCell::new(Vec::new()), async move {
        let out = f.await;
        (out, SEEN.with(|s| s.take()))
    })
    .await
}

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Writes `RateLimit-Policy` and `RateLimit` for the limits checked.
pub fn write_headers(headers: &mut HeaderMap, seen: &[LimitState]) {
    let policy: Vec<String> =
        seen.iter().map(|s| format!("\"{}\";q={};w={}", s.name, s.quota, s.window_secs)).collect();
    let state: Vec<String> =
        seen.iter().map(|s| format!("\"{}\";r={};t={}", s.name, s.remaining, s.reset_secs)).collect();
    if let (Ok(p), Ok(r)) = (HeaderValue::from_str(&policy.join(", ")), HeaderValue::from_str(&state.join(", ")))
        && !seen.is_empty()
    {
        headers.insert(RATELIMIT_POLICY, p);
        headers.insert(RATELIMIT, r);
    }
}

/// One limit, keyed by a string; `None` when configured off.
pub struct KeyedLimit {
    limiter: Option<Limiter>,
    name: &'static str,
    /// (requests, window in seconds) as configured.
    policy: (u32, u64),
}

impl KeyedLimit {
    fn new(name: &'static str, per: u64, n: u32) -> Self {
        let quota = NonZeroU32::new(n).map(|n| match per {
            1 => Quota::per_second(n),
            60 => Quota::per_minute(n),
            _ => Quota::per_hour(n),
        });
        let limiter = quota.map(|q| RateLimiter::keyed(q).with_middleware::<StateInformationMiddleware>());
        Self { limiter, name, policy: (n, per) }
    }

    fn report(&self, remaining: u32, reset_secs: u64) {
        let (quota, window_secs) = self.policy;
        let state = LimitState { name: self.name, quota, window_secs, remaining, reset_secs };
        let _ = SEEN.try_with(|s| s.borrow_mut().push(state));
    }

    /// Counts one request for `key`; 429 with `Retry-After` when over the limit.
    pub fn check(&self, key: &str) -> AppResult<()> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        match limiter.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let quota = snapshot.quota();
                let used = quota.burst_size().get().saturating_sub(remaining);
                let reset = (quota.replenish_interval() * used).as_secs_f64().ceil() as u64;
                self.report(remaining, reset);
                Ok(())
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                self.report(0, wait.as_secs_f64().ceil().max(1.0) as u64);
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
        Self {
            login: KeyedLimit::new("sign-in", 60, config.login_rate),
            register: KeyedLimit::new("registration", 3600, config.register_rate),
            token_issue: KeyedLimit::new("access-token", 1, config.token_rate),
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
