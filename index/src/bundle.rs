//! The index as one archive (the S3 object) and back.
//!
//! The archive is a plain tar of the index's files (`meta.json` and one
//! segment's files), so an operator can list it with `tar tvf`. Loading it
//! copies nothing: [`BundleDirectory`] serves each file as a slice of the
//! downloaded buffer. Copying the ~60 MB of a 20,000-story archive into a
//! `RamDirectory`, as the first version did, was a third of the cold start
//! (BENCHMARKS.md, "Search").

use std::collections::HashMap;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::Directory;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr};

use crate::engine::IndexError;

/// Packs `files` (names and contents) into one tar archive.
pub(crate) fn pack(files: impl IntoIterator<Item = (PathBuf, Vec<u8>)>) -> Result<Vec<u8>, IndexError> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, &path, data.as_slice())?;
    }
    Ok(tar.into_inner()?)
}

/// An index's files, read-only, as slices of one archive in memory.
#[derive(Debug, Clone)]
pub(crate) struct BundleDirectory {
    files: Arc<HashMap<PathBuf, OwnedBytes>>,
}

impl BundleDirectory {
    /// The files of the tar archive `bytes`. An entry that is not a plain
    /// file with a plain name (no directory, no `..`), or that runs past
    /// the end of the archive, is refused.
    pub(crate) fn open(bytes: OwnedBytes) -> Result<BundleDirectory, IndexError> {
        let mut files = HashMap::new();
        let mut archive = tar::Archive::new(Cursor::new(bytes.as_slice()));
        for entry in archive.entries_with_seek()? {
            let entry = entry?;
            let path = entry.path()?.into_owned();
            let plain = path.components().count() == 1 && path.file_name().is_some();
            if !plain || !entry.header().entry_type().is_file() {
                return Err(IndexError::Entry(path));
            }
            let start = usize::try_from(entry.raw_file_position()).ok();
            let len = usize::try_from(entry.size()).ok();
            let range = start.zip(len).and_then(|(s, l)| Some(s..s.checked_add(l)?));
            let Some(range) = range.filter(|r| r.end <= bytes.len()) else {
                return Err(IndexError::Entry(path));
            };
            files.insert(path, bytes.slice(range));
        }
        Ok(BundleDirectory { files: Arc::new(files) })
    }
}

fn read_only(path: &Path) -> Arc<io::Error> {
    Arc::new(io::Error::new(io::ErrorKind::PermissionDenied, format!("{} is read-only", path.display())))
}

impl Directory for BundleDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        match self.files.get(path) {
            Some(bytes) => Ok(Arc::new(bytes.clone())),
            None => Err(OpenReadError::FileDoesNotExist(path.to_owned())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError { io_error: read_only(path), filepath: path.to_owned() })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.files.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError { io_error: read_only(path), filepath: path.to_owned() })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        match self.files.get(path) {
            Some(bytes) => Ok(bytes.as_slice().to_vec()),
            None => Err(OpenReadError::FileDoesNotExist(path.to_owned())),
        }
    }

    fn atomic_write(&self, path: &Path, _: &[u8]) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("{} is read-only", path.display())))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Locks guard writers; nothing writes here, so every lock is granted.
    fn acquire_lock(&self, _: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    /// Nothing ever changes: a newer index is a new archive.
    fn watch(&self, _: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_cksum();
            // `append_data` refuses `..`; the raw header path is what a hostile archive holds.
            if let Some(gnu) = header.as_gnu_mut() {
                gnu.name[..path.len()].copy_from_slice(path.as_bytes());
            }
            header.set_cksum();
            tar.append(&header, *data).unwrap_or_default();
        }
        tar.into_inner().unwrap_or_default()
    }

    #[test]
    fn files_are_slices_of_the_archive() {
        let bytes = archive(&[("meta.json", b"{}"), ("a.store", b"stored text")]);
        let dir = BundleDirectory::open(OwnedBytes::new(bytes)).map_err(|e| e.to_string());
        let dir = dir.as_ref().map_err(String::as_str);
        assert_eq!(dir.map(|d| d.atomic_read(Path::new("a.store")).ok()), Ok(Some(b"stored text".to_vec())));
        assert_eq!(dir.map(|d| d.exists(Path::new("b.store")).ok()), Ok(Some(false)));
        assert!(dir.is_ok_and(|d| d.atomic_write(Path::new("meta.json"), b"x").is_err()), "read-only");
    }

    #[test]
    fn an_entry_with_a_path_is_refused() {
        for name in ["../meta.json", "segments/a.store", "/etc/passwd"] {
            let bytes = archive(&[(name, b"x")]);
            assert!(BundleDirectory::open(OwnedBytes::new(bytes)).is_err(), "{name}");
        }
    }

    #[test]
    fn a_truncated_archive_is_refused() {
        let mut bytes = archive(&[("a.store", &[7; 2000])]);
        bytes.truncate(1024);
        assert!(BundleDirectory::open(OwnedBytes::new(bytes)).is_err());
    }
}
