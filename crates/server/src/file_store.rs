//! Where attachments' bytes live: one small trait (put, get, delete by an
//! opaque key) so an S3-compatible store can follow the folder on disk.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::error::{AppError, AppResult};

#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()>;
    /// `None` when nothing is stored under the key.
    async fn get(&self, key: &str) -> AppResult<Option<Vec<u8>>>;
    /// Deleting a missing key is not an error.
    async fn delete(&self, key: &str) -> AppResult<()>;
}

/// Files in one folder (`--files-dir`), one file per key.
pub struct DiskFileStore {
    root: PathBuf,
}

impl DiskFileStore {
    pub fn new(root: PathBuf) -> DiskFileStore {
        DiskFileStore { root }
    }

    /// Keys are made by the server (a UUID and a suffix); anything that could
    /// leave the folder is refused all the same.
    fn path(&self, key: &str) -> AppResult<PathBuf> {
        let safe = !key.is_empty()
            && !key.starts_with('.')
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !safe {
            return Err(AppError::Internal(format!("file key {key:?} is not a plain name")));
        }
        Ok(self.root.join(key))
    }
}

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("file store: {e}"))
}

#[async_trait]
impl FileStore for DiskFileStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        let path = self.path(key)?;
        tokio::fs::create_dir_all(&self.root).await.map_err(io)?;
        // Written aside and renamed: a reader never sees half a file.
        let partial = self.root.join(format!(".{key}.{}.part", uuid::Uuid::new_v4()));
        tokio::fs::write(&partial, bytes).await.map_err(io)?;
        tokio::fs::rename(&partial, &path).await.map_err(io)
    }

    async fn get(&self, key: &str) -> AppResult<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &str) -> AppResult<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_put_read_and_deleted_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskFileStore::new(dir.path().join("files"));
        store.put("abc-1.thumb", b"bytes".to_vec()).await.unwrap();
        assert_eq!(store.get("abc-1.thumb").await.unwrap().as_deref(), Some(&b"bytes"[..]));
        store.delete("abc-1.thumb").await.unwrap();
        assert_eq!(store.get("abc-1.thumb").await.unwrap(), None);
        store.delete("abc-1.thumb").await.unwrap();
        for key in ["../x", "a/b", "", ".hidden", "a\\b"] {
            assert!(store.get(key).await.is_err(), "{key}");
        }
    }
}
