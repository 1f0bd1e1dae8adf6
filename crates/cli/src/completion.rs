//! Shell completion: `-autocomplete-install` / `-autocomplete-uninstall` and the answers the
//! shell asks for on TAB.
//!
//! Vault (through `posener/complete`) installs completion by appending `complete -C <binary>
//! vault` to `~/.bashrc` and `complete -o nospace -C <binary> vault` (after enabling
//! `bashcompinit`) to `~/.zshrc`, for whichever of those files exists. The shell then runs the
//! binary with `COMP_LINE`/`COMP_POINT` set and reads candidate words, one per line, from
//! stdout. The same lines are written here so that an existing installation made by `vault`
//! and one made by `arca` are interchangeable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::commands;

/// The line zsh needs before `complete` works.
const BASHCOMPINIT: &str = "autoload -U +X bashcompinit && bashcompinit";

/// One shell's rc file and the completion line for it.
struct Shell {
    rc: PathBuf,
    line: String,
    zsh: bool,
}

fn shells(home: &Path, cmd: &str, bin: &str) -> Vec<Shell> {
    let mut out = Vec::new();
    let bashrc = home.join(".bashrc");
    if bashrc.is_file() {
        out.push(Shell {
            rc: bashrc,
            line: format!("complete -C {bin} {cmd}"),
            zsh: false,
        });
    }
    let zshrc = home.join(".zshrc");
    if zshrc.is_file() {
        out.push(Shell {
            rc: zshrc,
            line: format!("complete -o nospace -C {bin} {cmd}"),
            zsh: true,
        });
    }
    out
}

fn line_in_file(path: &Path, line: &str) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.lines().any(|l| l == line))
}

fn append(path: &Path, content: &str) -> Result<(), String> {
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("open {}: {}", path.display(), crate::client::io_text(&e)))?;
    f.write_all(format!("\n{content}\n").as_bytes())
        .map_err(|e| format!("write {}: {}", path.display(), crate::client::io_text(&e)))
}

fn remove_line(path: &Path, line: &str) -> Result<(), String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("open {}: {}", path.display(), crate::client::io_text(&e)))?;
    let kept: Vec<&str> = text.lines().filter(|l| *l != line).collect();
    let mut out = kept.join("\n");
    out.push('\n');
    fs::write(path, out)
        .map_err(|e| format!("write {}: {}", path.display(), crate::client::io_text(&e)))
}

/// Go's `multierror` text, which Vault prints after "Error executing CLI: ".
fn multierror(errors: &[String]) -> String {
    let noun = if errors.len() == 1 {
        "1 error occurred"
    } else {
        &format!("{} errors occurred", errors.len())
    };
    let items: Vec<String> = errors.iter().map(|e| format!("\t* {e}")).collect();
    format!("{noun}:\n{}\n\n", items.join("\n"))
}

/// Adds the completion line to every rc file found under `home`.
pub fn install(home: &Path, cmd: &str, bin: &str) -> Result<(), String> {
    let found = shells(home, cmd, bin);
    if found.is_empty() {
        return Err("Did not find any shells to install".to_string());
    }
    let mut errors = Vec::new();
    for shell in found {
        if line_in_file(&shell.rc, &shell.line) {
            errors.push(format!("already installed in {}", shell.rc.display()));
            continue;
        }
        let mut content = shell.line.clone();
        if shell.zsh && !line_in_file(&shell.rc, BASHCOMPINIT) {
            content = format!("{BASHCOMPINIT}\n{content}");
        }
        if let Err(e) = append(&shell.rc, &content) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(multierror(&errors))
    }
}

/// Removes the completion line from every rc file found under `home`.
pub fn uninstall(home: &Path, cmd: &str, bin: &str) -> Result<(), String> {
    let found = shells(home, cmd, bin);
    if found.is_empty() {
        return Err("Did not find any shells to uninstall".to_string());
    }
    let mut errors = Vec::new();
    for shell in found {
        if !line_in_file(&shell.rc, &shell.line) {
            errors.push(format!("does not installed in {}", shell.rc.display()));
            continue;
        }
        if let Err(e) = remove_line(&shell.rc, &shell.line) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(multierror(&errors))
    }
}

/// The candidates for the word under the cursor in `line` (the shell's `COMP_LINE` cut at
/// `COMP_POINT`): the subcommands of the command named so far that start with that word.
pub fn complete(line: &str) -> Vec<String> {
    let mut words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return Vec::new();
    }
    words.remove(0);
    let current = if line.ends_with(char::is_whitespace) {
        String::new()
    } else {
        words.pop().unwrap_or_default()
    };
    if current.starts_with('-') {
        return Vec::new();
    }
    let named: Vec<&str> = words
        .iter()
        .filter(|w| !w.starts_with('-'))
        .map(String::as_str)
        .collect();
    let mut out: Vec<String> = commands::ENTRIES
        .iter()
        .filter(|e| e.path.len() == named.len() + 1 && e.path[..named.len()] == named[..])
        .map(|e| e.path[named.len()].to_string())
        .filter(|w| w.starts_with(&current))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_subcommands_of_the_named_group() {
        assert!(complete("vault ").contains(&"kv".to_string()));
        assert_eq!(complete("vault kv ro"), vec!["rollback".to_string()]);
        assert_eq!(
            complete("vault -address=x operator raft l"),
            vec!["list-peers".to_string()]
        );
        assert!(complete("vault kv get -").is_empty());
    }

    #[test]
    fn install_appends_once_and_uninstall_removes() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        assert_eq!(
            install(home, "vault", "/usr/bin/vault"),
            Err("Did not find any shells to install".to_string())
        );
        fs::write(home.join(".bashrc"), "export A=1\n").unwrap();
        fs::write(home.join(".zshrc"), "").unwrap();
        install(home, "vault", "/usr/bin/vault").unwrap();
        assert_eq!(
            fs::read_to_string(home.join(".bashrc")).unwrap(),
            "export A=1\n\ncomplete -C /usr/bin/vault vault\n"
        );
        assert_eq!(
            fs::read_to_string(home.join(".zshrc")).unwrap(),
            "\nautoload -U +X bashcompinit && bashcompinit\ncomplete -o nospace -C /usr/bin/vault vault\n"
        );
        let again = install(home, "vault", "/usr/bin/vault").unwrap_err();
        assert!(
            again.starts_with("2 errors occurred:\n\t* already installed in "),
            "{again}"
        );
        uninstall(home, "vault", "/usr/bin/vault").unwrap();
        let bashrc = fs::read_to_string(home.join(".bashrc")).unwrap();
        assert!(!bashrc.contains("complete -C"), "{bashrc}");
        assert!(bashrc.contains("export A=1"));
    }
}
