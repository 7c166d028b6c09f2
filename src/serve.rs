//! Starting the service: connect (waiting briefly for a database that is
//! still starting), migrate, load the signing key, serve until SIGTERM or
//! Ctrl-C, then finish in-flight requests.

use std::time::{Duration, Instant};

use actix_web::{HttpServer, web};

use crate::app::{self, AppState, Spec};
use crate::auth::keys::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::{Db, PoolSettings};

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
    Ok(db)
}

pub fn serve(config: Config, db: Db) -> Result<(), String> {
    let keys = TokenKeys::load_or_create(&config.jwt_key_file)?;
    let bind = config.bind;
    let workers = config.workers;
    let backend = db.url().display();
    let state = web::Data::new(AppState::new(db, config, keys, SharedClock::system()));
    let spec = Spec::build();
    let system = actix_web::rt::System::new();
    system
        .block_on(async move {
            let server = HttpServer::new(move || app::build(state.clone(), spec.clone()))
                .workers(workers)
                .shutdown_timeout(30)
                .bind(bind)?;
            tracing::info!(%bind, database = %backend, "datagate listening; API docs at /docs/");
            server.run().await
        })
        .map_err(|e| format!("server failed: {e}"))
}
