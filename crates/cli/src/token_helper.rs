//! The default token helper: the token lives in `~/.vault-token`.
//!
//! `vault login` stores the token there and every other command reads it when `VAULT_TOKEN`
//! is unset; users (and the Kubernetes init scripts) rely on the file's name and format (the
//! bare token, whitespace-trimmed on read, mode 0600).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroize::Zeroizing;

use crate::env::Env;

/// Errors from reading or writing the token file.
#[derive(Debug, Error)]
pub enum TokenHelperError {
    /// No home directory to keep the file in.
    #[error("error getting user's home directory: $HOME is not set")]
    NoHome,
    /// Reading or writing failed.
    #[error("{0}")]
    Io(String),
}

/// The token file's location.
pub fn token_path(env: &Env) -> Result<PathBuf, TokenHelperError> {
    env.home()
        .map(|h| h.join(".vault-token"))
        .ok_or(TokenHelperError::NoHome)
}

/// Reads the stored token; a missing file means no token.
pub fn get(path: &Path) -> Result<Option<Zeroizing<String>>, TokenHelperError> {
    match fs::read_to_string(path) {
        Ok(s) => {
            let s = Zeroizing::new(s);
            let t = s.trim();
            Ok((!t.is_empty()).then(|| Zeroizing::new(t.to_string())))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TokenHelperError::Io(format!(
            "failed to read token file {}: {e}",
            path.display()
        ))),
    }
}

/// Stores a token, replacing any previous one, readable only by the user.
pub fn store(path: &Path, token: &str) -> Result<(), TokenHelperError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| TokenHelperError::Io(format!("open {}: {e}", path.display())))?;
    f.write_all(token.as_bytes())
        .map_err(|e| TokenHelperError::Io(format!("write {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| TokenHelperError::Io(format!("chmod {}: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_then_get_round_trips_and_trims() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let path = token_path(&env).unwrap();
        assert!(path.ends_with(".vault-token"));
        assert!(get(&path).unwrap().is_none());
        store(&path, "hvs.abc").unwrap();
        assert_eq!(
            get(&path).unwrap().as_deref().map(String::as_str),
            Some("hvs.abc")
        );
        fs::write(&path, "  hvs.def\n").unwrap();
        assert_eq!(
            get(&path).unwrap().as_deref().map(String::as_str),
            Some("hvs.def")
        );
        store(&path, "x").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn no_home_is_an_error() {
        assert!(matches!(
            token_path(&Env::default()),
            Err(TokenHelperError::NoHome)
        ));
    }
}
