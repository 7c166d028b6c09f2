//! Starting the service: connect (waiting briefly for a database that is
//! still starting), migrate, load the signing key, serve until SIGTERM or
//! Ctrl-C, then finish in-flight requests.

use std::time::{Duration, Instant};

use actix_web::{HttpServer, web};

use crate::app::{self, AppState, Spec};
use crate::auth::keys::TokenKeys;
use crate::clock::SharedClock;
use crate::config::{Config, DemoMode};
use crate::db::{Db, PoolSettings};
use crate::demo;

/// Opens the pool and waits up to `wait` for the database to answer, reporting
/// the driver's own error if it never does.
pub fn connect(config: &Config, wait: Duration) -> Result<Db, String> {
    let db = Db::new(
        config.database.clone(),
        &PoolSettings { max_size: config.db_pool_size, connect_timeout: config.db_timeout },
    )?;
    let started = Instant::now();
    loop {
        match db.check_connection() {
            Ok(()) => return Ok(db),
            Err(e) if started.elapsed() >= wait => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "database not reachable yet; retrying");
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    }
}

/// Connects and applies pending migrations.
pub fn prepare(config: &Config) -> Result<Db, String> {
    let db = connect(config, Duration::from_secs(30))?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    backfill(&db)?;
    Ok(db)
}

/// Computes what migrations cannot: the look-alike skeletons (Unicode TR 39,
/// tables SQL lacks) of emails and organisation names written before they
/// existed. Cheap when there is nothing to do (an indexed NULL lookup).
pub fn backfill(db: &Db) -> Result<(), String> {
    let mut conn = db.get().map_err(|e| format!("no database connection: {e}"))?;
    let filled = crate::db::write_tx(&mut conn, crate::orgs::model::backfill_skeletons).map_err(|e| e.to_string())?;
    if filled > 0 {
        tracing::info!(rows = filled, "computed look-alike skeletons of existing emails and names");
    }
    Ok(())
}

/// The application state for a command: the signing key and the file store.
pub fn state(config: Config, db: Db) -> Result<web::Data<AppState>, String> {
    let keys = TokenKeys::load_or_create(&config.jwt_key_file)?;
    if config.trust_forwarded {
        tracing::warn!(
            trusted_proxies = config.trusted_proxies.len(),
            "DATAGATE_TRUST_FORWARDED is deprecated: list the proxies in DATAGATE_TRUSTED_PROXIES \
             (with none listed it trusts the immediate peer as the one proxy)"
        );
    }
    Ok(web::Data::new(AppState::new(db, config, keys, SharedClock::system())?))
}

/// Loads the demo if the configuration asks for it and the database is empty.
async fn maybe_load_demo(state: &AppState) -> Result<(), String> {
    let wanted = match state.config.demo {
        DemoMode::Off => false,
        DemoMode::On => true,
        DemoMode::Auto => state.db.url().is_sqlite(),
    };
    if !wanted || !state.db.run(demo::is_empty).await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let summary = demo::load(state).await?;
    tracing::warn!(
        bureaus = summary.bureaus,
        datasets = summary.datasets,
        corpora = summary.corpora,
        files = summary.files,
        "loaded the DEMO catalogue; demo accounts ({}, <bureau code>@demo.datagate.local, {}) share the password {:?} — \
         for trying datagate out only (DATAGATE_DEMO=off to start empty)",
        demo::DEMO_ADMIN,
        demo::DEMO_ENTERPRISE_OWNER,
        demo::DEMO_PASSWORD,
    );
    Ok(())
}

/// Polls the catalogue generation in the database, so that the cache of
/// public reads follows changes made by other instances.
fn follow_other_instances(state: web::Data<AppState>) {
    let every = state.config.cache_refresh;
    if every.is_zero() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            tick.tick().await;
            if let Ok(g) = state.db.run(crate::listings::cache::stored_generation).await {
                state.cache.observe(g);
            }
        }
    });
}

/// Picks up profile jobs a crash or restart left pending or half-done, at
/// start and every minute after.
fn resume_profiles(state: web::Data<AppState>) {
    let runner = crate::profiles::jobs::Runner::new(&state.db, &state.storage, &state.clock, &state.config.data_dir);
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = runner.sweep().await {
                tracing::warn!(error = %e, "profile sweep failed");
            }
        }
    });
}

/// Signs a checkpoint of the audit chain every
/// `DATAGATE_AUDIT_CHECKPOINT_SECS` when entries were added since the last
/// one (at start too), for as long as the service runs.
fn checkpoint_audit(state: web::Data<AppState>) {
    let every = state.config.audit_checkpoint_every;
    if every.is_zero() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            tick.tick().await;
            let s = state.clone();
            let now = state.clock.now();
            let made = state
                .db
                .write(move |conn| {
                    crate::audit::checkpoints::create_if_grown(conn, &s.signer.keys, &s.config.public_url, now)
                })
                .await;
            match made {
                Ok(Some(c)) => tracing::info!(id = c.id, tree_size = c.tree_size, "signed an audit checkpoint"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "could not sign an audit checkpoint"),
            }
        }
    });
}

pub fn serve(config: Config, db: Db) -> Result<(), String> {
    let bind = config.bind;
    let workers = config.workers;
    let header_timeout = config.header_timeout;
    let backend = db.url().display();
    let state = state(config, db)?;
    let spec = Spec::build();
    crate::listings::text::warm_up();
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        maybe_load_demo(&state).await?;
        follow_other_instances(state.clone());
        resume_profiles(state.clone());
        checkpoint_audit(state.clone());
        let server = HttpServer::new(move || app::build(state.clone(), spec.clone()))
            .workers(workers)
            .shutdown_timeout(30)
            .client_request_timeout(header_timeout)
            .bind(bind)
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        tracing::info!(%bind, database = %backend, "datagate listening; API docs at /docs/");
        server.run().await.map_err(|e| format!("server failed: {e}"))
    })
}
