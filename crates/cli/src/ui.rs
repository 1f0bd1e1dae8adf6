//! Terminal I/O for commands: where output and errors go, and how secrets are prompted for.
//!
//! Vault writes results to stdout and errors and warnings to stderr; a single `-field` value is
//! printed without a trailing newline when stdout is not a terminal so that `$(vault ...)` and
//! pipes get the bare value. Commands write through this type so tests can capture both
//! streams and feed stdin.

use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};

use zeroize::Zeroizing;

use crate::format::Format;

/// Output streams, stdin, and the output settings that apply to every command.
pub struct Ui {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    stdin: Box<dyn Read>,
    /// Whether stdin is a terminal (prompts are hidden-input only on a terminal).
    pub stdin_is_tty: bool,
    /// Whether stdout is a terminal with colour allowed; decides the newline after raw values.
    pub stdout_is_tty: bool,
    /// The output format chosen by `-format` / `VAULT_FORMAT`.
    pub format: Format,
    /// `-detailed` (affects list output).
    pub detailed: bool,
}

impl Ui {
    /// A UI over the process's real streams.
    pub fn stdio(no_color: bool) -> Self {
        let stdout_is_tty = io::stdout().is_terminal() && !no_color;
        Self {
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
            stdin: Box::new(io::stdin()),
            stdin_is_tty: io::stdin().is_terminal(),
            stdout_is_tty,
            format: Format::Table,
            detailed: false,
        }
    }

    /// A UI over arbitrary streams (tests, embedding).
    pub fn with_streams(out: Box<dyn Write>, err: Box<dyn Write>, stdin: Box<dyn Read>) -> Self {
        Self {
            out,
            err,
            stdin,
            stdin_is_tty: false,
            stdout_is_tty: false,
            format: Format::Table,
            detailed: false,
        }
    }

    /// Writes a line to stdout (Vault's `Output` / `Info`).
    pub fn output(&mut self, s: &str) {
        let _ = writeln!(self.out, "{s}");
    }

    /// Writes text to stdout without a newline.
    pub fn raw(&mut self, s: &str) {
        let _ = write!(self.out, "{s}");
        let _ = self.out.flush();
    }

    /// Vault's `PrintRaw`: newline only when stdout is an interactive terminal.
    pub fn print_raw(&mut self, s: &str) {
        if self.stdout_is_tty {
            self.output(s);
        } else {
            self.raw(s);
        }
    }

    /// Writes a line to stderr (Vault's `Error` / `Warn`).
    pub fn error(&mut self, s: &str) {
        let _ = writeln!(self.err, "{s}");
    }

    /// Replaces the stderr stream, returning the previous one (`-output-curl-string` holds
    /// a command's error output back).
    pub fn swap_err(&mut self, err: Box<dyn Write>) -> Box<dyn Write> {
        std::mem::replace(&mut self.err, err)
    }

    /// Writes text to stderr without a newline (prompts).
    pub fn error_raw(&mut self, s: &str) {
        let _ = write!(self.err, "{s}");
        let _ = self.err.flush();
    }

    /// The process's stdin (for `-` arguments).
    pub fn stdin(&mut self) -> &mut dyn Read {
        &mut self.stdin
    }

    /// Reads a secret: hidden input when stdin is a terminal, otherwise one line of stdin.
    ///
    /// `prompt_to_stdout` picks the stream for the prompt (Vault prompts for unseal keys on
    /// stdout and for tokens on stderr).
    pub fn read_secret(
        &mut self,
        prompt: &str,
        prompt_to_stdout: bool,
    ) -> io::Result<Zeroizing<String>> {
        if prompt_to_stdout {
            self.raw(prompt);
        } else {
            self.error_raw(prompt);
        }
        let result = if self.stdin_is_tty {
            rpassword::read_password().map(Zeroizing::new)
        } else {
            let mut line = Zeroizing::new(String::new());
            let mut reader = BufReader::new(&mut self.stdin);
            reader.read_line(&mut line).map(|_| line)
        };
        if prompt_to_stdout {
            self.output("");
        } else {
            self.error("");
        }
        result
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Capturing streams for tests.

    use std::cell::RefCell;
    use std::io::{self, Write};
    use std::rc::Rc;

    /// A cloneable in-memory writer.
    #[derive(Clone, Default)]
    pub struct SharedBuf(pub Rc<RefCell<Vec<u8>>>);

    impl SharedBuf {
        /// Everything written so far.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.borrow()).into_owned()
        }
    }

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A UI writing into two buffers and reading `stdin`.
    pub fn ui(stdin: &str) -> (super::Ui, SharedBuf, SharedBuf) {
        let out = SharedBuf::default();
        let err = SharedBuf::default();
        let ui = super::Ui::with_streams(
            Box::new(out.clone()),
            Box::new(err.clone()),
            Box::new(io::Cursor::new(stdin.as_bytes().to_vec())),
        );
        (ui, out, err)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::ui;

    #[test]
    fn print_raw_has_no_newline_when_piped() {
        let (mut u, out, _) = ui("");
        u.print_raw("value");
        assert_eq!(out.text(), "value");
        u.stdout_is_tty = true;
        u.print_raw("x");
        assert_eq!(out.text(), "valuex\n");
    }

    #[test]
    fn secrets_are_read_from_piped_stdin() {
        let (mut u, out, err) = ui("s3cret\nrest");
        let v = u.read_secret("Token (will be hidden): ", false).unwrap();
        assert_eq!(v.trim(), "s3cret");
        assert_eq!(err.text(), "Token (will be hidden): \n");
        assert_eq!(out.text(), "");
    }
}
