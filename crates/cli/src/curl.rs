//! `-output-curl-string`: print the `curl` command for the request instead of sending it.
//!
//! Vault's client stops at the first request a command makes (the KV preflight excepted),
//! keeps the would-be request in a process-wide slot and fails; the CLI then prints the
//! `curl` line and exits 0, hiding whatever the command said about the failure. Here the
//! slot is per thread: each CLI run drives its requests on the thread that called it.

use std::cell::RefCell;

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The request a command would have sent, as Vault's `OutputStringError` describes it.
pub struct CurlRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Full URL with query.
    pub url: &'a str,
    /// Headers in the order sent (the token's value is replaced).
    pub headers: Vec<(&'a str, String)>,
    /// JSON body, if any.
    pub body: Option<String>,
    /// `-tls-skip-verify`.
    pub insecure: bool,
    /// TLS files: (`curl` option, path).
    pub tls_files: Vec<(&'static str, String)>,
}

fn single_quoted(s: &str) -> String {
    s.replace('\'', "'\"'\"'")
}

/// Builds the command line exactly as Vault's `buildCurlString` does; the token is written
/// as `$(vault print token)` so the line never contains it.
pub fn curl_string(req: &CurlRequest<'_>) -> String {
    let mut s = String::from("curl ");
    if req.insecure {
        s.push_str("--insecure ");
    }
    if req.method != "GET" {
        s.push_str(&format!("-X {} ", req.method));
    }
    for (opt, path) in &req.tls_files {
        s.push_str(&format!("--{opt} '{}' ", single_quoted(path)));
    }
    for (name, value) in &req.headers {
        let value = if name.eq_ignore_ascii_case("x-vault-token") {
            "$(vault print token)"
        } else {
            value.as_str()
        };
        s.push_str(&format!("-H \"{name}: {value}\" "));
    }
    if let Some(body) = req.body.as_deref().filter(|b| !b.is_empty()) {
        s.push_str(&format!("-d '{}' ", single_quoted(body)));
    }
    s.push_str(req.url);
    s
}

/// Records the line for the running command (the first request wins).
pub fn record(line: String) {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        if l.is_none() {
            *l = Some(line);
        }
    });
}

/// Takes the recorded line, leaving the slot empty for the next run.
pub fn take() -> Option<String> {
    LAST.with(|l| l.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaults_layout_and_no_token() {
        let req = CurlRequest {
            method: "PUT",
            url: "https://127.0.0.1:8200/v1/secret/data/foo",
            headers: vec![
                ("X-Vault-Request", "true".into()),
                ("X-Vault-Token", "hvs.secret".into()),
            ],
            body: Some(r#"{"data":{"a":"it's"}}"#.into()),
            insecure: true,
            tls_files: vec![("cacert", "/ca.pem".into())],
        };
        let s = curl_string(&req);
        assert_eq!(
            s,
            "curl --insecure -X PUT --cacert '/ca.pem' -H \"X-Vault-Request: true\" \
             -H \"X-Vault-Token: $(vault print token)\" -d '{\"data\":{\"a\":\"it'\"'\"'s\"}}' \
             https://127.0.0.1:8200/v1/secret/data/foo"
        );
        assert!(!s.contains("hvs.secret"));
        let get = CurlRequest {
            method: "GET",
            url: "http://x/v1/sys/health",
            headers: vec![],
            body: None,
            insecure: false,
            tls_files: vec![],
        };
        assert_eq!(curl_string(&get), "curl http://x/v1/sys/health");
    }

    #[test]
    fn first_record_wins_and_take_empties() {
        record("one".into());
        record("two".into());
        assert_eq!(take().as_deref(), Some("one"));
        assert_eq!(take(), None);
    }
}
