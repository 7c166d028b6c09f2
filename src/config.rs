//! Configuration: environment variables (optionally from a file), validated
//! once at start. The README's table lists every setting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::db::DbUrl;

/// Whether `serve` loads the demo catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoMode {
    /// Into an empty SQLite database only (the default): a newcomer's first run.
    Auto,
    /// Into any empty database.
    On,
    /// Never.
    Off,
}

/// Whether bureau publishers must sign in with a second factor (TOTP).
/// Administrators always must.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecondFactor {
    /// A publisher who enrolled must use it; enrolling is up to them.
    Optional,
    /// A publisher must enrol (an administrator runs `datagate admin totp-reset`)
    /// and use it at every sign-in.
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Settings shared by every command that touches the database or serves.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: postgres://… / postgresql://… for PostgreSQL, sqlite://PATH
    /// or a plain path for SQLite. Default: SQLite file datagate.db in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Directory for the SQLite file, the signing key and hosted files.
    #[arg(long, env = "DATAGATE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Address and port to listen on.
    #[arg(long, env = "DATAGATE_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: SocketAddr,

    /// Public base URL of the service, used as token issuer and in links.
    /// Default: http://BIND.
    #[arg(long, env = "DATAGATE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Lifetime of access tokens in seconds (60–3600).
    #[arg(long, env = "DATAGATE_ACCESS_TOKEN_TTL", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(60..=3600), global = true)]
    pub access_token_ttl: u64,

    /// Lifetime of refresh tokens in seconds (300–7776000, i.e. 90 days).
    #[arg(long, env = "DATAGATE_REFRESH_TOKEN_TTL", default_value_t = 2_592_000,
          value_parser = clap::value_parser!(u64).range(300..=7_776_000), global = true)]
    pub refresh_token_ttl: u64,

    /// PKCS#8 PEM file holding the Ed25519 key that signs tokens. Created
    /// (mode 0600) on first start if missing. Default: DATA_DIR/jwt-ed25519.pem.
    #[arg(long, env = "DATAGATE_JWT_KEY_FILE", global = true)]
    pub jwt_key_file: Option<PathBuf>,

    /// Largest accepted JSON request body in bytes (1 KiB–16 MiB).
    #[arg(long, env = "DATAGATE_BODY_LIMIT", default_value_t = 1_048_576,
          value_parser = clap::value_parser!(u64).range(1024..=16_777_216), global = true)]
    pub body_limit: u64,

    /// Largest accepted upload of a hosted file, in bytes.
    #[arg(long, env = "DATAGATE_UPLOAD_LIMIT", default_value_t = 5 * 1024 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1024..), global = true)]
    pub upload_limit: u64,

    /// Where hosted files are stored: unset for DATA_DIR/files on the local
    /// disk, or s3://bucket[/prefix] for an S3-compatible store (endpoint and
    /// credentials from the AWS_* variables).
    #[arg(long, env = "DATAGATE_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

    /// The longest grant, in days, unless a listing sets its own maximum.
    #[arg(long, env = "DATAGATE_MAX_GRANT_DAYS", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=3650), global = true)]
    pub max_grant_days: u32,

    /// Days an administrator has to decide an access request before it is overdue.
    #[arg(long, env = "DATAGATE_REVIEW_DAYS", default_value_t = 15,
          value_parser = clap::value_parser!(u32).range(1..=365), global = true)]
    pub review_days: u32,

    /// Default interval, in days, between a grant's usage reports.
    #[arg(long, env = "DATAGATE_REPORT_INTERVAL_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=3650), global = true)]
    pub report_interval_days: u32,

    /// How often, in milliseconds, this instance checks whether another
    /// instance changed the catalogue, so that its cache of public reads
    /// follows (its own changes apply at once). 0 turns the cache off.
    #[arg(long, env = "DATAGATE_CACHE_REFRESH_MS", default_value_t = 500,
          value_parser = clap::value_parser!(u64).range(0..=60_000), global = true)]
    pub cache_refresh_ms: u64,

    /// Seconds between signed checkpoints of the audit chain that `serve`
    /// makes in the background (only when entries were added since the last
    /// one); 0 turns them off (on-demand checkpoints still work). 60–604800 or 0.
    #[arg(long, env = "DATAGATE_AUDIT_CHECKPOINT_SECS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(0..=604_800), global = true)]
    pub audit_checkpoint_secs: u64,

    /// Consecutive failed logins for one account before it is throttled.
    #[arg(long, env = "DATAGATE_LOGIN_MAX_FAILURES", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=100), global = true)]
    pub login_max_failures: u32,

    /// Failed sign-ins from one client address (any accounts) before that
    /// address is throttled (doubling waits up to 15 minutes).
    #[arg(long, env = "DATAGATE_LOGIN_CLIENT_MAX_FAILURES", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=100_000), global = true)]
    pub login_client_max_failures: u32,

    /// Failed sign-ins for one account from all addresses together before the
    /// account itself is locked: the last resort, which its owner can lift
    /// (DELETE /api/v1/me/sign-in-lock) and an administrator too
    /// (`datagate admin unlock`).
    #[arg(long, env = "DATAGATE_LOGIN_ACCOUNT_MAX_FAILURES", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000), global = true)]
    pub login_account_max_failures: u32,

    /// Whether bureau publishers need a second factor (TOTP) to sign in:
    /// optional or required. Administrators always need one.
    #[arg(long, env = "DATAGATE_PUBLISHER_TOTP", value_enum, default_value = "optional", global = true)]
    pub publisher_totp: SecondFactor,

    /// File holding the 32-byte key that seals TOTP secrets at rest. Created
    /// (mode 0600) on first start if missing; keep it with the database's
    /// backups but apart from them. Default: DATA_DIR/seal.key.
    #[arg(long, env = "DATAGATE_SEAL_KEY_FILE", global = true)]
    pub seal_key_file: Option<PathBuf>,

    /// Database connections in the pool (1–200).
    #[arg(long, env = "DATAGATE_DB_POOL_SIZE", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub db_pool_size: u32,

    /// Seconds to wait for a database connection before answering 503 (1–60).
    #[arg(long, env = "DATAGATE_DB_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=60), global = true)]
    pub db_timeout: u64,

    /// HTTP worker threads. Default: the number of CPU cores.
    #[arg(long, env = "DATAGATE_WORKERS", value_parser = clap::value_parser!(u32).range(1..=256), global = true)]
    pub workers: Option<u32>,

    /// Load the demo catalogue into an empty database at start: auto (SQLite
    /// only), on, off. Demo accounts share a published password: never in production.
    #[arg(long, env = "DATAGATE_DEMO", value_enum, default_value = "auto", global = true)]
    pub demo: DemoMode,

    /// Log format: text for people, json for log collectors.
    #[arg(long, env = "DATAGATE_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Log filter in tracing's syntax, e.g. `info` or `datagate=debug,info`.
    #[arg(long, env = "DATAGATE_LOG", default_value = "info", global = true)]
    pub log: String,

    #[command(flatten)]
    pub limits: LimitSettings,

    #[command(flatten)]
    pub portal: PortalSettings,
}

/// The web portal: how long a person stays signed in, and what a Chinese
/// government website shows in its footer (each shown only when set).
#[derive(Debug, Clone, Args)]
pub struct PortalSettings {
    /// Minutes a portal session may stay unused before it ends (5–1440).
    #[arg(long, env = "DATAGATE_SESSION_IDLE_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(5..=1440), global = true)]
    pub session_idle_minutes: u64,

    /// Hours after sign-in at which a portal session ends however it is used (1–720).
    #[arg(long, env = "DATAGATE_SESSION_MAX_HOURS", default_value_t = 12,
          value_parser = clap::value_parser!(u64).range(1..=720), global = true)]
    pub session_max_hours: u64,

    /// Government website identification code (政府网站标识码).
    #[arg(long, env = "DATAGATE_SITE_CODE", global = true)]
    pub site_code: Option<String>,

    /// ICP filing number (ICP备案号), e.g. 沪ICP备12345678号.
    #[arg(long, env = "DATAGATE_ICP_FILING", global = true)]
    pub icp_filing: Option<String>,

    /// Public-security filing number (公安机关备案号), e.g. 沪公网安备31010102000001号.
    #[arg(long, env = "DATAGATE_PSB_FILING", global = true)]
    pub psb_filing: Option<String>,

    /// Address of the party and government organ website mark's registration
    /// page (党政机关网站标识), linked from the footer.
    #[arg(long, env = "DATAGATE_ORGAN_MARK_URL", global = true)]
    pub organ_mark_url: Option<String>,

    /// Operating organisation (主办单位), e.g. 上海市大数据中心.
    #[arg(long, env = "DATAGATE_SITE_OPERATOR", global = true)]
    pub site_operator: Option<String>,

    /// The operating organisation's name in English.
    #[arg(long, env = "DATAGATE_SITE_OPERATOR_EN", global = true)]
    pub site_operator_en: Option<String>,

    /// How to reach the operator (telephone or e-mail), shown in the footer.
    #[arg(long, env = "DATAGATE_SITE_CONTACT", global = true)]
    pub site_contact: Option<String>,
}

/// The portal's validated settings; empty texts are absent.
#[derive(Debug, Clone, Default)]
pub struct PortalConfig {
    pub session_idle: Duration,
    pub session_max: Duration,
    pub site_code: Option<String>,
    pub icp_filing: Option<String>,
    pub psb_filing: Option<String>,
    pub organ_mark_url: Option<String>,
    pub site_operator: Option<String>,
    pub site_operator_en: Option<String>,
    pub site_contact: Option<String>,
}

impl PortalSettings {
    fn validate(&self) -> Result<PortalConfig, String> {
        let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        let organ_mark_url = text(&self.organ_mark_url);
        if let Some(u) = &organ_mark_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(format!("DATAGATE_ORGAN_MARK_URL: {u:?} must start with https:// or http://"));
        }
        Ok(PortalConfig {
            session_idle: Duration::from_secs(self.session_idle_minutes * 60),
            session_max: Duration::from_secs(self.session_max_hours * 3600),
            site_code: text(&self.site_code),
            icp_filing: text(&self.icp_filing),
            psb_filing: text(&self.psb_filing),
            organ_mark_url,
            site_operator: text(&self.site_operator),
            site_operator_en: text(&self.site_operator_en),
            site_contact: text(&self.site_contact),
        })
    }
}

impl PortalConfig {
    /// The defaults: 30 minutes idle, 12 hours at most, an empty footer.
    pub fn defaults() -> Self {
        PortalConfig {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
            ..PortalConfig::default()
        }
    }
}

/// Protection against slow and abusive clients, and who may read `/metrics`.
#[derive(Debug, Clone, Args)]
pub struct LimitSettings {
    /// Seconds an upload may stall (no byte received) before it is answered
    /// 408 and its partial file discarded (1–3600).
    #[arg(long, env = "DATAGATE_UPLOAD_IDLE_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub upload_idle_timeout: u64,

    /// Seconds a client has to send a request's head (line and headers)
    /// before the connection is answered 408 and closed (1–60).
    #[arg(long, env = "DATAGATE_HEADER_TIMEOUT", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=60), global = true)]
    pub header_timeout: u64,

    /// Sign-in attempts per minute from one client address (burst of the
    /// same size); 0 turns the limit off.
    #[arg(long, env = "DATAGATE_LOGIN_RATE", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(0..=100_000), global = true)]
    pub login_rate: u32,

    /// Enterprise registrations an hour from one client address (burst of
    /// the same size); 0 turns the limit off.
    #[arg(long, env = "DATAGATE_REGISTER_RATE", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(0..=100_000), global = true)]
    pub register_rate: u32,

    /// Grant access tokens per second for one credential (API key or user
    /// session; burst of the same size); 0 turns the limit off.
    #[arg(long, env = "DATAGATE_TOKEN_RATE", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000), global = true)]
    pub token_rate: u32,

    /// Deprecated: use DATAGATE_TRUSTED_PROXIES. When true and no trusted
    /// proxies are listed, the immediate peer is trusted as the one proxy in
    /// front, so the client is the right-most X-Forwarded-For / Forwarded hop.
    #[arg(long, env = "DATAGATE_TRUST_FORWARDED", default_value_t = false, global = true)]
    pub trust_forwarded: bool,

    /// Milliseconds a public read (search, list, CKAN action, DCAT page) may
    /// run before the database ends it and the request answers 503 with
    /// Retry-After (100–600000). Open-list exports get six times as long.
    #[arg(long, env = "DATAGATE_QUERY_TIMEOUT_MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(100..=600_000), global = true)]
    pub query_timeout_ms: u64,

    /// Public reads that may hold a database connection at once (the query
    /// lane); more wait up to DATAGATE_QUERY_WAIT_MS, then answer 503 with Retry-After.
    /// Default: a quarter of DATAGATE_DB_POOL_SIZE, at least 1.
    #[arg(long, env = "DATAGATE_QUERY_SLOTS", value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub query_slots: Option<u32>,

    /// Milliseconds a public read waits for a free slot of the query lane
    /// before it answers 503 with Retry-After (0–60000).
    #[arg(long, env = "DATAGATE_QUERY_WAIT_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(0..=60_000), global = true)]
    pub query_wait_ms: u64,

    /// Addresses or CIDR ranges of the reverse proxies whose
    /// X-Forwarded-For / Forwarded headers are believed, comma-separated
    /// (e.g. `10.0.0.0/8, 192.0.2.7`). Empty: the client address is always
    /// the connection's peer.
    #[arg(long, env = "DATAGATE_TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,

    /// Bearer token that GET /metrics requires. Unset: /metrics answers
    /// loopback clients only.
    #[arg(long, env = "DATAGATE_METRICS_TOKEN", global = true, hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Origins (`https://host[:port]`, comma-separated) whose pages may call
    /// the API cross-origin with a credential (a bearer token): they get
    /// their own origin back with `Access-Control-Allow-Credentials`. Empty
    /// (the default): no credentialed cross-origin call at all; anonymous
    /// public reads answer `Access-Control-Allow-Origin: *` regardless.
    #[arg(long, env = "DATAGATE_CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,
}

/// The validated configuration the service runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DbUrl,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    pub public_url: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub jwt_key_file: PathBuf,
    pub body_limit: usize,
    pub upload_limit: u64,
    pub storage_url: Option<String>,
    pub max_grant_days: u32,
    pub review_days: u32,
    pub report_interval_days: u32,
    pub cache_refresh: Duration,
    /// Zero: no background checkpoints.
    pub audit_checkpoint_every: Duration,
    pub login_max_failures: u32,
    pub login_client_max_failures: u32,
    pub login_account_max_failures: u32,
    pub publisher_totp: SecondFactor,
    pub seal_key_file: PathBuf,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
    pub workers: usize,
    pub demo: DemoMode,
    pub log_format: LogFormat,
    pub log: String,
    pub upload_idle_timeout: Duration,
    pub header_timeout: Duration,
    pub login_rate: u32,
    pub register_rate: u32,
    pub token_rate: u32,
    pub trust_forwarded: bool,
    pub query_timeout: Duration,
    pub query_slots: u32,
    pub query_wait: Duration,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub metrics_token: Option<String>,
    /// Origins allowed credentialed cross-origin calls (normalised, exact match).
    pub cors_origins: Vec<String>,
    pub portal: PortalConfig,
}

impl Settings {
    /// Checks what clap cannot and fills in derived defaults.
    pub fn validate(&self) -> Result<Config, String> {
        let database = match &self.database_url {
            Some(url) => DbUrl::parse(url).map_err(|e| format!("DATABASE_URL: {e}"))?,
            None => DbUrl::Sqlite(self.data_dir.join("datagate.db").to_string_lossy().into_owned()),
        };
        let public_url = match &self.public_url {
            Some(u) => {
                let u = u.trim_end_matches('/').to_string();
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    return Err(format!("DATAGATE_PUBLIC_URL: {u:?} must start with http:// or https://"));
                }
                u
            }
            None => format!("http://{}", self.bind),
        };
        let workers = match self.workers {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        };
        Ok(Config {
            database,
            data_dir: self.data_dir.clone(),
            bind: self.bind,
            public_url,
            access_token_ttl: Duration::from_secs(self.access_token_ttl),
            refresh_token_ttl: Duration::from_secs(self.refresh_token_ttl),
            jwt_key_file: self.jwt_key_file.clone().unwrap_or_else(|| self.data_dir.join("jwt-ed25519.pem")),
            body_limit: self.body_limit as usize,
            upload_limit: self.upload_limit,
            storage_url: self.storage_url.clone().filter(|u| !u.trim().is_empty()),
            max_grant_days: self.max_grant_days,
            review_days: self.review_days,
            report_interval_days: self.report_interval_days,
            cache_refresh: Duration::from_millis(self.cache_refresh_ms),
            audit_checkpoint_every: match self.audit_checkpoint_secs {
                1..60 => return Err("DATAGATE_AUDIT_CHECKPOINT_SECS: must be 0 (off) or at least 60".into()),
                secs => Duration::from_secs(secs),
            },
            login_max_failures: self.login_max_failures,
            login_client_max_failures: self.login_client_max_failures,
            login_account_max_failures: self.login_account_max_failures,
            publisher_totp: self.publisher_totp,
            seal_key_file: self.seal_key_file.clone().unwrap_or_else(|| self.data_dir.join("seal.key")),
            db_pool_size: self.db_pool_size,
            db_timeout: Duration::from_secs(self.db_timeout),
            workers,
            demo: self.demo,
            log_format: self.log_format,
            log: self.log.clone(),
            upload_idle_timeout: Duration::from_secs(self.limits.upload_idle_timeout),
            header_timeout: Duration::from_secs(self.limits.header_timeout),
            login_rate: self.limits.login_rate,
            register_rate: self.limits.register_rate,
            token_rate: self.limits.token_rate,
            trust_forwarded: self.limits.trust_forwarded,
            query_timeout: Duration::from_millis(self.limits.query_timeout_ms),
            query_slots: self.limits.query_slots.unwrap_or_else(|| default_query_slots(self.db_pool_size)),
            query_wait: Duration::from_millis(self.limits.query_wait_ms),
            trusted_proxies: parse_proxies(&self.limits.trusted_proxies)
                .map_err(|e| format!("DATAGATE_TRUSTED_PROXIES: {e}"))?,
            metrics_token: self.limits.metrics_token.clone().filter(|t| !t.trim().is_empty()),
            cors_origins: parse_origins(&self.limits.cors_origins)
                .map_err(|e| format!("DATAGATE_CORS_ORIGINS: {e}"))?,
            portal: self.portal.validate()?,
        })
    }
}

/// `10.0.0.0/8, 192.0.2.7, ::1`: addresses (taken as single hosts) and CIDR ranges.
pub fn parse_proxies(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{s:?} is neither an IP address nor a CIDR range"))
        })
        .collect()
}

/// `https://a.example, http://127.0.0.1:3000`: origins as browsers send them
/// (scheme, host, optional port; no path, no `*`), lower-cased.
pub fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let bad = || format!("{s:?} is not an origin (scheme://host[:port], nothing after)");
            let u = url::Url::parse(s).map_err(|_| bad())?;
            let origin = u.origin();
            if !origin.is_tuple() || !matches!(u.scheme(), "http" | "https") {
                return Err(bad());
            }
            let serialised = origin.ascii_serialization();
            if serialised != s.trim_end_matches('/').to_ascii_lowercase() {
                return Err(bad());
            }
            Ok(serialised)
        })
        .collect()
}

impl Config {
    /// A configuration for tests and tools: defaults, the given database and
    /// data directory.
    pub fn for_database(database: DbUrl, data_dir: PathBuf) -> Self {
        Config {
            database,
            jwt_key_file: data_dir.join("jwt-ed25519.pem"),
            seal_key_file: data_dir.join("seal.key"),
            data_dir,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(2_592_000),
            body_limit: 1_048_576,
            upload_limit: 64 * 1024 * 1024,
            storage_url: None,
            max_grant_days: 365,
            review_days: 15,
            report_interval_days: 90,
            cache_refresh: Duration::from_millis(500),
            audit_checkpoint_every: Duration::ZERO,
            login_max_failures: 5,
            login_client_max_failures: 50,
            login_account_max_failures: 500,
            publisher_totp: SecondFactor::Optional,
            db_pool_size: 8,
            db_timeout: Duration::from_secs(5),
            workers: 2,
            demo: DemoMode::Off,
            log_format: LogFormat::Text,
            log: "info".into(),
            upload_idle_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(5),
            login_rate: 60,
            // Tests register many enterprises from one address.
            register_rate: 10_000,
            token_rate: 10_000,
            trust_forwarded: false,
            query_timeout: Duration::from_millis(5000),
            query_slots: 2,
            query_wait: Duration::from_millis(2000),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            cors_origins: Vec::new(),
            portal: PortalConfig::defaults(),
        }
    }
}

/// The query lane's default: a quarter of the pool, and at most half the CPU
/// cores — heavy searches on SQLite (in this process) or on a PostgreSQL on
/// the same machine must not take every core from sign-in and downloads. A
/// PostgreSQL on its own machine can take more: set DATAGATE_QUERY_SLOTS.
fn default_query_slots(pool_size: u32) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    (pool_size / 4).min(cores / 2).max(1)
}
