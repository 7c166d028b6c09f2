//! Where hosted files live: the `object_store` crate, on the local disk under
//! the data directory by default or in any S3-compatible store. Uploads are
//! streamed, hashed and counted on the way, written under a staging key, and
//! moved to their content-addressed key only once complete — an interrupted
//! upload leaves nothing visible.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream::BoxStream};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Prefix of objects still being uploaded.
pub const STAGING: &str = "staging";
/// Prefix of complete objects, addressed by their SHA-256.
pub const OBJECTS: &str = "objects";

const UPLOAD_PART: usize = 8 * 1024 * 1024;
const READ_CHUNK: usize = 1024 * 1024;

/// The file store.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Set for the local store: lets downloads read the file directly.
    local: bool,
    /// The local store's directory (where `storage gc` looks for the
    /// temporary files of interrupted writes, which listings do not show).
    pub local_root: Option<std::path::PathBuf>,
    pub description: String,
}

/// A complete upload.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// Why an upload did not complete.
#[derive(Debug)]
pub enum UploadError {
    TooLarge(u64),
    /// No byte arrived for this long.
    Stalled(std::time::Duration),
    Interrupted(String),
    Store(String),
}

impl From<UploadError> for AppError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::TooLarge(limit) => {
                AppError::payload_too_large(format!("the file is larger than the upload limit of {limit} bytes"))
            }
            UploadError::Stalled(idle) => AppError::request_timeout(format!(
                "no data arrived for {} s; the upload was abandoned and nothing was stored",
                idle.as_secs()
            )),
            UploadError::Interrupted(why) => AppError::bad_request(format!(
                "the upload was interrupted before it completed ({why}); nothing was stored"
            )),
            UploadError::Store(why) => AppError::unavailable(format!("the file store failed: {why}")),
        }
    }
}

impl Storage {
    /// `url` is `s3://bucket[/prefix]` (credentials and endpoint from the
    /// usual AWS_* variables) or empty for `dir` on the local disk.
    pub fn open(url: Option<&str>, dir: &std::path::Path) -> Result<Self, String> {
        match url.filter(|u| !u.is_empty()) {
            Some(u) if u.starts_with("s3://") => {
                let store = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(u)
                    .build()
                    .map_err(|e| format!("DATAGATE_STORAGE_URL {u}: {e}"))?;
                Ok(Storage { store: Arc::new(store), local: false, local_root: None, description: u.to_string() })
            }
            Some(u) => Err(format!(
                "DATAGATE_STORAGE_URL {u:?}: only s3:// URLs are supported (leave unset for the local disk)"
            )),
            None => {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                let store =
                    LocalFileSystem::new_with_prefix(dir).map_err(|e| format!("file store {}: {e}", dir.display()))?;
                Ok(Storage {
                    store: Arc::new(store),
                    local: true,
                    local_root: Some(dir.to_path_buf()),
                    description: dir.display().to_string(),
                })
            }
        }
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Streams `body` into the store, at most `limit` bytes, waiting at most
    /// `idle` for each chunk. On any failure the staged part is aborted and
    /// nothing is left visible.
    pub async fn put_stream<S, E>(
        &self,
        mut body: S,
        limit: u64,
        idle: std::time::Duration,
    ) -> Result<StoredFile, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let staging = ObjectPath::from(format!("{STAGING}/{}", uuid::Uuid::new_v4()));
        let upload = self.store.put_multipart(&staging).await.map_err(|e| UploadError::Store(e.to_string()))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        loop {
            let Ok(next) = actix_web::rt::time::timeout(idle, body.next()).await else {
                let _ = writer.abort().await;
                return Err(UploadError::Stalled(idle));
            };
            let Some(chunk) = next else { break };
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(UploadError::Interrupted(e.to_string()));
                }
            };
            size += chunk.len() as u64;
            if size > limit {
                let _ = writer.abort().await;
                return Err(UploadError::TooLarge(limit));
            }
            hasher.update(&chunk);
            if let Err(e) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(UploadError::Store(e.to_string()));
            }
            writer.put(chunk);
        }
        writer.finish().await.map_err(|e| UploadError::Store(e.to_string()))?;
        let sha256 = hex::encode(hasher.finalize());
        let key = format!("{OBJECTS}/{}/{sha256}", &sha256[..2]);
        self.store
            .rename(&staging, &ObjectPath::from(key.as_str()))
            .await
            .map_err(|e| UploadError::Store(e.to_string()))?;
        Ok(StoredFile { key, size, sha256 })
    }

    /// Stores bytes at their content address (for demo data and tests).
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<StoredFile, UploadError> {
        let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes)]);
        self.put_stream(body, u64::MAX, std::time::Duration::from_secs(3600)).await
    }

    /// The bytes `range` of the object at `key`, as a stream.
    pub async fn read(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> Result<BoxStream<'static, std::io::Result<Bytes>>, AppError> {
        if range.is_empty() {
            return Ok(futures_util::stream::empty().boxed());
        }
        let options = GetOptions { range: Some(GetRange::Bounded(range.clone())), ..Default::default() };
        let result = self
            .store
            .get_opts(&ObjectPath::from(key), options)
            .await
            .map_err(|e| AppError::unavailable(format!("the file store failed: {e}")))?;
        Ok(match result.payload {
            GetResultPayload::File(file, _) if self.local => file_stream(file, range),
            other => {
                let r = object_store::GetResult { payload: other, ..result };
                r.into_stream().map(|c| c.map_err(std::io::Error::other)).boxed()
            }
        })
    }
}

/// Reads a local file range in large chunks on the blocking pool.
fn file_stream(file: std::fs::File, range: Range<u64>) -> BoxStream<'static, std::io::Result<Bytes>> {
    let state = (Some(file), range.start, range.end);
    futures_util::stream::unfold(state, |(file, pos, end)| async move {
        let file = file?;
        if pos >= end {
            return None;
        }
        let want = ((end - pos) as usize).min(READ_CHUNK);
        let read = actix_web::web::block(move || -> std::io::Result<(std::fs::File, Vec<u8>)> {
            let mut file = file;
            file.seek(SeekFrom::Start(pos))?;
            let mut buf = vec![0u8; want];
            file.read_exact(&mut buf)?;
            Ok((file, buf))
        })
        .await;
        match read {
            Ok(Ok((file, buf))) => Some((Ok(Bytes::from(buf)), (Some(file), pos + want as u64, end))),
            Ok(Err(e)) => Some((Err(e), (None, end, end))),
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), (None, end, end))),
        }
    })
    .boxed()
}
