//! The command line: `serve` (the default), `migrate`, `openapi`, `demo`,
//! `admin create`, `admin totp-reset`, `admin unlock`, `audit verify`, `storage gc`.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use crate::audit::checkpoints::{self, CheckpointClaim, TrustedKey};
use crate::audit::{self, Actor, Verification};
use crate::auth::totp::{self, SealKey};
use crate::auth::{password, throttle};
use crate::clock::SharedClock;
use crate::config::{Config, LogFormat, Settings};
use crate::db::write_tx;
use crate::error::AppError;
use crate::orgs::{OrgId, OrgKind, OrgStatus, Organisation, Role, User, UserId, model, types::parse_email};
use crate::{app, openapi, serve};

#[derive(Debug, Parser)]
#[command(name = "datagate", version, about = "The city's public-data catalogue and grant gate for AI enterprises")]
pub struct Cli {
    /// Read settings from this file of KEY=value lines (environment variables win).
    #[arg(long, env = "DATAGATE_CONFIG", global = true)]
    pub config: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub settings: Settings,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document that `serve` serves.
    Openapi,
    /// Load the demo catalogue into an empty database; with --scale N, add N
    /// synthetic datasets for load tests.
    Demo {
        /// Generate this many synthetic datasets (loads the demo first if the database is empty).
        #[arg(long)]
        scale: Option<u64>,
    },
    /// Manage platform administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Profile a local tabular file as uploads are profiled, and print the
    /// profile as JSON with the process's resident memory before and at its
    /// peak (what the memory test and `bench/` measure).
    Profile {
        path: std::path::PathBuf,
        /// csv, tsv, xlsx, jsonl or parquet (default: from the file name).
        #[arg(long)]
        format: Option<String>,
    },
    /// Maintain the file store.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum StorageCommand {
    /// Find leftovers of interrupted uploads and files no distribution refers
    /// to. A dry run unless --delete / --delete-unreferenced.
    Gc {
        /// Remove partial uploads.
        #[arg(long)]
        delete: bool,
        /// Also remove complete files that no live distribution refers to.
        #[arg(long)]
        delete_unreferenced: bool,
        /// Leave files younger than this many seconds (uploads in flight).
        #[arg(long, default_value_t = 3600)]
        min_age: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain. Exit status 0: intact; 1: broken (the first
    /// broken entry is printed); 2: it could not be checked.
    Verify {
        /// Also prove that the chain extends this signed checkpoint (a JSON
        /// object from GET /api/v1/audit/checkpoints, kept outside
        /// datagate): status 1 if its signature is not valid, or entries it
        /// covers were removed or rewritten since.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        /// Verify the checkpoint's signature with the keys of this JWKS file
        /// (a saved /.well-known/jwks.json) instead of DATAGATE_JWT_KEY_FILE.
        #[arg(long, requires = "checkpoint")]
        jwks: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a platform administrator.
    Create {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Give a user (any role) a new second factor: prints a new TOTP secret
    /// and recovery codes to hand over; the old ones stop working.
    TotpReset {
        #[arg(long)]
        email: String,
    },
    /// Lift the sign-in locks of an account (account-wide and per address).
    Unlock {
        #[arg(long)]
        email: String,
    },
}

/// Loads `--config FILE` / `DATAGATE_CONFIG` into the environment before the
/// real parse, without overriding variables already set.
fn load_config_file() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut path = std::env::var_os("DATAGATE_CONFIG").map(std::path::PathBuf::from);
    while let Some(a) = args.next() {
        if a == "--config" {
            path = args.next().map(Into::into);
        } else if let Some(p) = a.strip_prefix("--config=") {
            path = Some(p.into());
        }
    }
    if let Some(path) = path {
        dotenvy::from_path(&path).map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    }
    Ok(())
}

fn init_logging(format: LogFormat, filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour codes only on a terminal: a log written to a file or a pipe
    // (systemd, a container's log driver) stays plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub fn main() -> ExitCode {
    if let Err(e) = load_config_file() {
        eprintln!("datagate: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::render(&app::openapi()));
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Profile { path, format }) = &cli.command {
        return profile_file(path, format.as_deref());
    }
    let config = match cli.settings.validate() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("datagate: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format, &config.log);
    if let Some(Command::Audit { command: AuditCommand::Verify { checkpoint, jwks } }) = &cli.command {
        return match checkpoint {
            Some(file) => audit_verify_checkpoint(&config, file, jwks.as_deref()),
            None => audit_verify(&config),
        };
    }
    let result = match cli.command {
        None | Some(Command::Serve) => serve::prepare(&config).and_then(|db| serve::serve(config, db)),
        Some(Command::Migrate) => migrate(&config),
        Some(Command::Demo { scale }) => demo_command(config, scale),
        Some(Command::Admin { command: AdminCommand::Create { email, password_stdin, display_name } }) => {
            create_admin(&config, &email, password_stdin, display_name)
        }
        Some(Command::Admin { command: AdminCommand::TotpReset { email } }) => totp_reset(&config, &email),
        Some(Command::Admin { command: AdminCommand::Unlock { email } }) => unlock(&config, &email),
        Some(Command::Storage { command: StorageCommand::Gc { delete, delete_unreferenced, min_age } }) => {
            let opts = crate::distributions::gc::GcOptions {
                delete_partial: delete,
                delete_unreferenced,
                min_age: std::time::Duration::from_secs(min_age),
            };
            storage_gc(&config, &opts)
        }
        Some(Command::Openapi | Command::Audit { .. } | Command::Profile { .. }) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("datagate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(config: &Config) -> Result<(), String> {
    let db = serve::connect(config, std::time::Duration::from_secs(0))?;
    let applied = db.migrate()?;
    serve::backfill(&db)?;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        for m in applied {
            println!("applied {m}");
        }
    }
    Ok(())
}

/// Walks the audit chain and says whether it is intact. A broken chain is
/// exit status 1, distinct from 2 (could not check), so a scheduled run can
/// tell tampering from an outage.
fn audit_verify(config: &Config) -> ExitCode {
    let verdict = serve::prepare(config).and_then(|db| {
        let mut conn = db.get().map_err(|e| e.to_string())?;
        audit::verify_chain(&mut conn).map_err(|e| e.to_string())
    });
    match verdict {
        Ok(Verification::Intact { entries, head_hash }) => {
            println!("intact, {entries} entries, head hash {head_hash}");
            ExitCode::SUCCESS
        }
        Ok(Verification::Broken { seq, reason, .. }) => {
            println!("broken at entry {seq}: {reason}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("datagate: cannot verify the audit chain: {e}");
            ExitCode::from(2)
        }
    }
}

/// The keys a checkpoint's signature is checked with: a saved JWKS, or
/// the service's own key file (never created here).
fn checkpoint_keys(config: &Config, jwks: Option<&std::path::Path>) -> Result<Vec<TrustedKey>, String> {
    match jwks {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let set: crate::auth::keys::JwkSet =
                serde_json::from_str(&text).map_err(|e| format!("{} is not a JWKS: {e}", path.display()))?;
            set.keys.iter().map(TrustedKey::from_jwk).collect()
        }
        None => {
            if !config.jwt_key_file.exists() {
                return Err(format!(
                    "the signing key {} does not exist; pass --jwks with the published key set",
                    config.jwt_key_file.display()
                ));
            }
            Ok(vec![TrustedKey::of(&crate::auth::keys::TokenKeys::load_or_create(&config.jwt_key_file)?)])
        }
    }
}

/// Proves that the chain extends a checkpoint kept elsewhere. Exit status
/// 0: it does; 1: the signature is not valid, or entries the checkpoint
/// covers were removed or rewritten, or the chain is broken; 2: it could
/// not be checked.
fn audit_verify_checkpoint(config: &Config, file: &std::path::Path, jwks: Option<&std::path::Path>) -> ExitCode {
    let prepared = (|| {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let claim: CheckpointClaim =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a checkpoint: {e}", file.display()))?;
        Ok::<_, String>((claim, checkpoint_keys(config, jwks)?))
    })();
    let (claim, keys) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("datagate: cannot verify against the checkpoint: {e}");
            return ExitCode::from(2);
        }
    };
    let statement = match checkpoints::check_signature(&claim, &keys) {
        Ok(s) => s,
        Err(e) => {
            println!("checkpoint refused: {e}");
            return ExitCode::from(1);
        }
    };
    let verdict = serve::prepare(config).and_then(|db| {
        let mut conn = db.get().map_err(|e| e.to_string())?;
        checkpoints::verify_against(&mut conn, &statement).map_err(|e| e.to_string())
    });
    match verdict {
        Ok(v) if v.consistent => {
            println!(
                "consistent: the chain ({} entries) extends the checkpoint of {} entries, root {}",
                v.current_size,
                v.tree_size,
                hex::encode(statement.root)
            );
            ExitCode::SUCCESS
        }
        Ok(v) => {
            println!(
                "NOT consistent with the checkpoint of {} entries: {}",
                v.tree_size,
                v.problem.unwrap_or_default()
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("datagate: cannot verify against the checkpoint: {e}");
            ExitCode::from(2)
        }
    }
}

fn storage_gc(config: &Config, opts: &crate::distributions::gc::GcOptions) -> Result<(), String> {
    let db = serve::prepare(config)?;
    let storage =
        crate::distributions::storage::Storage::open(config.storage_url.as_deref(), &config.data_dir.join("files"))?;
    let report = actix_web::rt::System::new().block_on(crate::distributions::gc::run(&storage, &db, opts))?;
    print!("{}", crate::distributions::gc::render(&report, opts));
    Ok(())
}

fn demo_command(config: Config, scale: Option<u64>) -> Result<(), String> {
    let db = serve::prepare(&config)?;
    let state = serve::state(config, db)?;
    actix_web::rt::System::new().block_on(async move {
        let empty = state.db.run(crate::demo::is_empty).await.map_err(|e| e.to_string())?;
        if empty {
            let s = crate::demo::load(&state).await?;
            println!(
                "loaded the demo: {} bureaus, {} datasets, {} corpora, {} files",
                s.bureaus, s.datasets, s.corpora, s.files
            );
            println!("demo accounts share the password {:?}: {}", crate::demo::DEMO_PASSWORD, crate::demo::DEMO_ADMIN);
        } else if scale.is_none() {
            return Err("the database is not empty; the demo loads only into an empty database".to_string());
        }
        if let Some(n) = scale {
            let made = crate::demo::scale::generate(&state, n).await?;
            println!("generated {made} synthetic datasets");
        }
        Ok(())
    })
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("reading the password: {e}"))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
    let second = rpassword::prompt_password("Repeat password: ").map_err(|e| e.to_string())?;
    if first != second {
        return Err("the passwords differ".into());
    }
    Ok(first)
}

/// Creates a platform administrator (and the platform organisation on first use).
pub fn create_admin(
    config: &Config,
    email: &str,
    password_stdin: bool,
    display_name: Option<String>,
) -> Result<(), String> {
    let mut v = crate::error::Validator::new();
    let email = parse_email(&mut v, "email", email);
    v.finish().map_err(|e| e.to_string())?;
    let pw = read_password(password_stdin)?;
    password::check_strength("password", &pw, &[&email]).map_err(|e| format!("password {}", e.message))?;
    let db = serve::prepare(config)?;
    let seal = SealKey::load_or_create(&config.seal_key_file)?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let (user, factor) = create_admin_in(&mut conn, &SharedClock::system(), &seal, &email, &pw, display_name)
        .map_err(|e| e.to_string())?;
    println!("created platform administrator {} ({})", user.email, user.id);
    print_factor(&factor);
    Ok(())
}

/// A new second factor, in the clear, for the person it belongs to.
#[derive(Debug, Clone)]
pub struct NewFactor {
    /// The TOTP secret, base32.
    pub secret: String,
    pub otpauth_uri: String,
    pub recovery_codes: Vec<String>,
}

fn print_factor(f: &NewFactor) {
    println!("second factor (TOTP; administrators must use it to sign in):");
    println!("  secret:      {}", f.secret);
    println!("  otpauth URI: {}", f.otpauth_uri);
    println!("  recovery codes (each works once; shown only now):");
    for c in &f.recovery_codes {
        println!("    {c}");
    }
}

/// Enrols `user` with a fresh, confirmed second factor and recovery codes.
pub fn enrol_new_factor(
    conn: &mut crate::db::DbConn,
    seal: &SealKey,
    user: &User,
    now: chrono::NaiveDateTime,
) -> Result<NewFactor, AppError> {
    let secret = totp::new_secret();
    totp::store_secret(conn, seal, user.id, &secret, true, now)?;
    let recovery_codes = totp::new_recovery_codes(conn, user.id, now)?;
    Ok(NewFactor {
        secret: totp::secret_base32(&secret),
        otpauth_uri: totp::otpauth_uri(secret, &user.email)?,
        recovery_codes,
    })
}

/// `datagate admin totp-reset`: a new second factor for a user.
pub fn totp_reset(config: &Config, email: &str) -> Result<(), String> {
    let db = serve::prepare(config)?;
    let seal = SealKey::load_or_create(&config.seal_key_file)?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let email = crate::orgs::types::normalise_email(email);
    let now = SharedClock::system().db_now();
    let factor = write_tx(&mut conn, |conn| {
        let user = model::find_live_user_by_email(conn, &email)?.ok_or_else(|| AppError::not_found("user"))?;
        let factor = enrol_new_factor(conn, &seal, &user, now)?;
        audit::record(
            conn,
            &Actor::system(),
            now,
            "totp.reset",
            "user",
            &user.id.to_string(),
            json!({"email": email}),
        )?;
        Ok::<_, AppError>(factor)
    })
    .map_err(|e| e.to_string())?;
    println!("new second factor for {email}; the old one and its recovery codes no longer work");
    print_factor(&factor);
    Ok(())
}

/// `datagate admin unlock`: lifts an account's sign-in locks.
pub fn unlock(config: &Config, email: &str) -> Result<(), String> {
    let db = serve::prepare(config)?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let email = crate::orgs::types::normalise_email(email);
    let now = SharedClock::system().db_now();
    let was = write_tx(&mut conn, |conn| {
        let was = throttle::unlock_account(conn, &email, now)?;
        if was {
            audit::record(
                conn,
                &Actor::system(),
                now,
                "auth.sign_in_unlock",
                "sign_in",
                &email,
                json!({"by": "operator"}),
            )?;
        }
        Ok::<_, AppError>(was)
    })
    .map_err(|e| e.to_string())?;
    println!("{email}: {}", if was { "unlocked" } else { "was not locked" });
    Ok(())
}

/// The platform organisation is created on first use; every administrator
/// belongs to it.
/// The administrator is enrolled with a second factor at once (it is
/// required for the role); the factor is returned for handing over.
pub fn create_admin_in(
    conn: &mut crate::db::DbConn,
    clock: &SharedClock,
    seal: &SealKey,
    email: &str,
    pw: &str,
    display_name: Option<String>,
) -> Result<(User, NewFactor), AppError> {
    let password_hash = password::hash(pw)?;
    let now = clock.db_now();
    write_tx(conn, |conn| {
        if model::email_taken(conn, email)? {
            return Err(AppError::conflict(format!("{email} already has an account")));
        }
        let platform = match model::find_org_by_code(conn, OrgKind::Platform, "platform")? {
            Some(org) => org,
            None => {
                let org = Organisation {
                    id: OrgId::new(),
                    kind: OrgKind::Platform,
                    name: "数据开放平台运营方".into(),
                    name_en: Some("Platform operator".into()),
                    code: Some("platform".into()),
                    code_check_failed: false,
                    contact_name: None,
                    contact_phone: None,
                    contact_email: None,
                    status: OrgStatus::Active,
                    status_reason: None,
                    status_changed_by: None,
                    status_changed_at: None,
                    created_at: now,
                    updated_at: now,
                };
                model::insert_org(conn, &org)?;
                org
            }
        };
        let user = User {
            id: UserId::new(),
            organisation_id: platform.id,
            email: email.to_string(),
            display_name,
            password_hash,
            role: Role::Admin,
            created_at: now,
            updated_at: now,
            removed_at: None,
        };
        model::insert_user(conn, &user)?;
        audit::record(
            conn,
            &Actor::system(),
            now,
            "admin.create",
            "user",
            &user.id.to_string(),
            json!({"email": user.email, "second_factor": "totp"}),
        )?;
        // Enrolled at creation (the role requires it); recorded by admin.create.
        let factor = enrol_new_factor(conn, seal, &user, now)?;
        Ok((user, factor))
    })
}

/// A figure of this process's memory from /proc (KiB; 0 where unavailable).
fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn profile_file(path: &std::path::Path, format: Option<&str>) -> ExitCode {
    use crate::tabular::TabularFormat;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(format) = TabularFormat::detect(format.unwrap_or_default(), "", name.as_deref()) else {
        eprintln!("datagate: say --format csv|tsv|xlsx|jsonl|parquet");
        return ExitCode::from(2);
    };
    let rss_before = proc_status_kib("VmRSS:");
    let started = std::time::Instant::now();
    let mut profiler = crate::profiles::compute::Profiler::new();
    if let Err(e) = crate::tabular::read_rows(path, format, &mut profiler) {
        eprintln!("datagate: {e}");
        return ExitCode::FAILURE;
    }
    let profile = profiler.finish(format);
    let out = serde_json::json!({
        "rows": profile.rows,
        "columns": profile.columns,
        "seconds": started.elapsed().as_secs_f64(),
        "rss_before_kib": rss_before,
        "peak_rss_kib": proc_status_kib("VmHWM:"),
    });
    println!("{out}");
    ExitCode::SUCCESS
}
