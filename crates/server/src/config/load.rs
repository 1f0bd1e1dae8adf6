//! Loading configuration from files and directories, as `vault server -config` does.

use std::path::{Path, PathBuf};

use super::Config;
use super::error::ConfigError;

impl Config {
    /// Loads and merges every path in order. A path is a file (any name; `.json` is read as
    /// JSON) or a directory, whose `.hcl` and `.json` files are read in name order, skipping
    /// editor temporary files. Later files override earlier scalars and add listeners (see
    /// [`Config::merge`]).
    pub fn load(paths: &[PathBuf]) -> Result<Config, ConfigError> {
        let mut merged: Option<Config> = None;
        for path in paths {
            let next = load_path(path)?;
            merged = Some(match merged {
                None => next,
                Some(prev) => prev.merge(next),
            });
        }
        merged.ok_or(ConfigError::NoPaths)
    }
}

fn io_error(path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn load_path(path: &Path) -> Result<Config, ConfigError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_dir() {
        return load_file(path);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| io_error(path, e))? {
        let entry = entry.map_err(|e| io_error(path, e))?;
        let file_path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let wanted = name.ends_with(".hcl") || name.ends_with(".json");
        if !wanted || is_temporary(&name) || file_path.is_dir() {
            continue;
        }
        files.push((name, file_path));
    }
    files.sort();
    let mut merged = Config::default();
    for (_, file_path) in files {
        merged = merged.merge(load_file(&file_path)?);
    }
    Ok(merged)
}

fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    Config::from_str(&text, &path.display().to_string())
}

/// Editor leftovers Vault also skips: `name~` (vim), `.#name` and `#name#` (emacs).
fn is_temporary(name: &str) -> bool {
    name.ends_with('~') || name.starts_with(".#") || (name.starts_with('#') && name.ends_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_recognised() {
        assert!(is_temporary(".#a.hcl"));
        assert!(is_temporary("#a.hcl#"));
        assert!(!is_temporary("a.hcl"));
    }

    #[test]
    fn missing_path_is_an_io_error_naming_it() {
        let err = Config::load(&[PathBuf::from("/definitely/not/here.hcl")]).unwrap_err();
        assert!(
            err.to_string().starts_with("/definitely/not/here.hcl: "),
            "{err}"
        );
        assert!(matches!(Config::load(&[]), Err(ConfigError::NoPaths)));
    }
}
