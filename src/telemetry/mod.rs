//! Metrics in Prometheus's text format, through the `metrics` facade and its
//! Prometheus exporter. Instrumented code calls the `metrics` macros with the
//! names below; one recorder per process collects them and `GET /metrics`
//! renders it.

pub mod api;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "datagate_http_requests_total";
pub const HTTP_DURATION: &str = "datagate_http_request_duration_seconds";
pub const POOL_SIZE: &str = "datagate_db_pool_connections";
pub const POOL_IN_USE: &str = "datagate_db_pool_connections_in_use";
pub const POOL_MAX: &str = "datagate_db_pool_max_connections";
pub const POOL_WAIT: &str = "datagate_db_pool_wait_seconds";
pub const POOL_TIMEOUTS: &str = "datagate_db_pool_timeouts_total";
pub const DOWNLOAD_BYTES: &str = "datagate_download_bytes_total";
pub const GRANTS_ISSUED: &str = "datagate_grants_issued_total";
pub const GRANTS_REVOKED: &str = "datagate_grants_revoked_total";
pub const ACCESS_TOKENS: &str = "datagate_access_tokens_issued_total";
pub const AUDIT_ENTRIES: &str = "datagate_audit_entries_written_total";

/// Seconds: from a cached read (sub-millisecond) to a slow upload.
const LATENCY_BUCKETS: &[f64] =
    &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
const WAIT_BUCKETS: &[f64] = &[0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder on first use and returns its handle;
/// `None` if another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full(POOL_WAIT.into()), WAIT_BUCKETS))
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route template and status");
    describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "HTTP request latency, by method, route and status");
    describe_gauge!(POOL_SIZE, "Open database connections");
    describe_gauge!(POOL_IN_USE, "Database connections checked out");
    describe_gauge!(POOL_MAX, "Largest number of database connections the pool opens");
    describe_histogram!(POOL_WAIT, metrics::Unit::Seconds, "Time spent waiting for a database connection");
    describe_counter!(POOL_TIMEOUTS, "Requests that got no database connection in time (answered 503)");
    describe_counter!(DOWNLOAD_BYTES, metrics::Unit::Bytes, "File bytes sent, by kind: open, granted, owner");
    describe_counter!(GRANTS_ISSUED, "Grants created by approvals");
    describe_counter!(GRANTS_REVOKED, "Grants revoked");
    describe_counter!(ACCESS_TOKENS, "Grant access tokens issued");
    describe_counter!(AUDIT_ENTRIES, "Audit entries appended by committed requests");
    describe_counter!("datagate_rate_limited_total", "Requests refused with 429 by a rate limit, by limit");
}

/// Counts one answered request.
pub fn record_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    // Clients choose the method; any outside the ones the API serves is one
    // label value, so that made-up methods cannot grow the series without bound.
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "OTHER",
    };
    let labels = [("method", method.to_string()), ("route", route.to_string()), ("status", status.to_string())];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
}

/// Reports pool checkouts (wait time) and timeouts.
#[derive(Debug)]
pub struct PoolEvents;

impl diesel::r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        metrics::histogram!(POOL_WAIT).record(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, event: diesel::r2d2::event::TimeoutEvent) {
        metrics::histogram!(POOL_WAIT).record(event.timeout().as_secs_f64());
        metrics::counter!(POOL_TIMEOUTS).increment(1);
    }
}

thread_local! {
    /// Audit entries appended on this thread since the current `Db::run` began.
    static PENDING_AUDIT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Called by `audit::record`: one more entry in the current unit of work.
pub fn audit_appended() {
    PENDING_AUDIT.with(|c| c.set(c.get() + 1));
}

/// Forgets uncounted entries (start of a unit of work).
pub fn audit_reset() {
    PENDING_AUDIT.with(|c| c.set(0));
}

/// Counts the unit of work's entries once it committed; drops them if not.
pub fn audit_finish(committed: bool) {
    let n = PENDING_AUDIT.with(|c| c.replace(0));
    if committed && n > 0 {
        metrics::counter!(AUDIT_ENTRIES).increment(n);
    }
}
