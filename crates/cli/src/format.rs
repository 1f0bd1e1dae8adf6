//! Output formatting: the `table`, `json` and `yaml` renderings Vault's CLI produces.
//!
//! The helpers here mirror Vault's `OutputSecret`, `OutputData`, `OutputList` and
//! `PrintRawField`, each returning the exit code Vault would return.

pub mod columns;
pub mod gojson;
pub mod goval;
pub mod wrap;
pub mod yaml;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::duration;
use crate::secret::Secret;
use crate::ui::Ui;
use columns::HOPE_DELIM;

/// The `-format` values Vault accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned key/value tables (default).
    Table,
    /// Go-style indented JSON.
    Json,
    /// go-yaml style YAML (`yaml` or `yml`).
    Yaml,
    /// The raw response body (`vault read` only).
    Raw,
    /// Human layout for a few operator commands.
    Pretty,
}

impl Format {
    /// Parses a (lower-cased) format name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "table" => Some(Self::Table),
            "json" => Some(Self::Json),
            "yaml" | "yml" => Some(Self::Yaml),
            "raw" => Some(Self::Raw),
            "pretty" => Some(Self::Pretty),
            _ => None,
        }
    }
}

/// Vault's `looksLikeDuration`: such integer fields print as `768h` in tables.
pub fn looks_like_duration(k: &str) -> bool {
    k == "period"
        || k.ends_with("_period")
        || k == "ttl"
        || k.ends_with("_ttl")
        || k == "duration"
        || k.ends_with("_duration")
        || k == "lease_max"
        || k == "ttl_max"
}

/// A table cell for a data value, with TTL-like integers humanised.
pub fn cell(key: &str, v: &Value) -> String {
    if looks_like_duration(key)
        && let Some(secs) = v.as_i64()
    {
        return duration::human_seconds(secs);
    }
    goval::format_v(v)
}

/// Renders `data` as JSON or YAML, or explains why the current format cannot render it.
pub fn structured<T: Serialize + ?Sized>(format: Format, data: &T) -> Result<String, String> {
    match format {
        Format::Json => gojson::to_string(data).map_err(|e| e.to_string()),
        Format::Yaml => {
            let v = serde_json::to_value(data).map_err(|e| e.to_string())?;
            Ok(yaml::to_string(&v).trim().to_string())
        }
        Format::Raw => Err(
            "This command does not support the -format=raw option; only `vault read` does."
                .to_string(),
        ),
        Format::Pretty => Err("cannot use the pretty formatter for this type".to_string()),
        Format::Table => Err("cannot use the table formatter for this type".to_string()),
    }
}

/// Prints JSON/YAML output or the "Could not parse output" error; returns the exit code.
pub fn output_structured<T: Serialize + ?Sized>(ui: &mut Ui, data: &T) -> i32 {
    match structured(ui.format, data) {
        Ok(s) => {
            ui.output(&s);
            0
        }
        Err(e) => {
            ui.error(&format!("Could not parse output: {e}"));
            1
        }
    }
}

/// Vault's `printWarnings`: warnings go to stderr above the table.
pub fn print_warnings(ui: &mut Ui, secret: &Secret) {
    let Some(warnings) = secret.warnings.as_ref().filter(|w| !w.is_empty()) else {
        return;
    };
    ui.error("WARNING! The following warnings were returned from Vault:\n");
    for w in warnings {
        ui.error(&wrap::wrap_with_padding(&format!("* {w}"), 2));
        ui.error("");
    }
}

fn kv_table(rows: Vec<String>) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut lines = Vec::with_capacity(rows.len() + 1);
    lines.push(format!("Key{HOPE_DELIM}Value"));
    lines.extend(rows);
    Some(columns::table(&lines, HOPE_DELIM))
}

fn row(k: &str, v: &str) -> String {
    format!("{k} {HOPE_DELIM} {v}")
}

fn map_rows(data: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| row(k, &cell(k, &data[k])))
        .collect()
}

/// Go's `time.Time.String()` for an RFC 3339 timestamp (used for wrapping creation times).
pub fn go_time_string(rfc3339: &str) -> String {
    let Some((date, rest)) = rfc3339.split_once('T') else {
        return rfc3339.to_string();
    };
    let zone_at = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    let zone = match zone {
        "" | "Z" => "+0000 UTC".to_string(),
        z => {
            let off = z.replace(':', "");
            format!("{off} {off}")
        }
    };
    format!("{date} {hms}{frac} {zone}")
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Go's `t.UTC().Format(time.RFC822)` (`02 Jan 06 15:04 UTC`) for an RFC 3339 timestamp, as
/// `vault operator key-status` prints the install time.
pub fn rfc822_utc(rfc3339: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (date, rest) = rfc3339.split_once(['T', 't', ' '])?;
    let mut dp = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (dp.next()??, dp.next()??, dp.next()??);
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let mut cp = clock
        .split(':')
        .map(|p| p.split('.').next().and_then(|x| x.parse::<i64>().ok()));
    let (h, mi) = (cp.next()??, cp.next()??);
    let offset = match zone {
        "" | "Z" | "z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':').unwrap_or((&z[1..], "0"));
            sign * (oh.parse::<i64>().ok()? * 60 + om.parse::<i64>().ok()?)
        }
    };
    let total = days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset;
    let (y, mo, d) = civil_from_days(total.div_euclid(1440));
    let mins = total.rem_euclid(1440);
    Some(format!(
        "{:02} {} {:02} {:02}:{:02} UTC",
        d,
        MONTHS.get(usize::try_from(mo - 1).ok()?)?,
        y.rem_euclid(100),
        mins / 60,
        mins % 60
    ))
}

/// The rows Vault's table formatter prints for a secret.
pub fn secret_rows(secret: &Secret) -> Vec<String> {
    let mut out = Vec::new();
    if secret.lease_duration > 0 {
        let human = duration::human_seconds(secret.lease_duration);
        if !secret.lease_id.is_empty() {
            out.push(row("lease_id", &secret.lease_id));
            out.push(row("lease_duration", &human));
            out.push(row("lease_renewable", &secret.renewable.to_string()));
        } else {
            out.push(row("refresh_interval", &human));
        }
    }
    if let Some(auth) = &secret.auth {
        if let Some(mfa) = auth.mfa_requirement.as_ref().filter(|m| !m.is_null()) {
            let id = mfa
                .get("mfa_request_id")
                .map(goval::format_v)
                .unwrap_or_default();
            out.push(row("mfa_request_id", &id));
        } else {
            out.push(row("token", &auth.client_token));
            out.push(row("token_accessor", &auth.accessor));
            let dur = if auth.lease_duration == 0 {
                "∞".to_string()
            } else {
                duration::human_seconds(auth.lease_duration)
            };
            out.push(row("token_duration", &dur));
            out.push(row("token_renewable", &auth.renewable.to_string()));
            out.push(row(
                "token_policies",
                &goval::quote_list(auth.token_policies.as_deref()),
            ));
            out.push(row(
                "identity_policies",
                &goval::quote_list(auth.identity_policies.as_deref()),
            ));
            out.push(row(
                "policies",
                &goval::quote_list(auth.policies.as_deref()),
            ));
            if let Some(meta) = &auth.metadata {
                let mut keys: Vec<&String> = meta.keys().collect();
                keys.sort();
                for k in keys {
                    out.push(row(&format!("token_meta_{k}"), &goval::format_v(&meta[k])));
                }
            }
        }
    }
    if let Some(w) = &secret.wrap_info {
        out.push(row("wrapping_token:", &w.token));
        out.push(row("wrapping_accessor:", &w.accessor));
        out.push(row("wrapping_token_ttl:", &duration::human_seconds(w.ttl)));
        out.push(row(
            "wrapping_token_creation_time:",
            &go_time_string(&w.creation_time),
        ));
        out.push(row("wrapping_token_creation_path:", &w.creation_path));
        if !w.wrapped_accessor.is_empty() {
            out.push(row("wrapped_accessor:", &w.wrapped_accessor));
        }
    }
    if let Some(data) = &secret.data {
        out.extend(map_rows(data));
    }
    out
}

/// Vault's `OutputSecret`.
pub fn output_secret(ui: &mut Ui, secret: &Secret) -> i32 {
    if ui.format != Format::Table {
        return output_structured(ui, secret);
    }
    print_warnings(ui, secret);
    if let Some(t) = kv_table(secret_rows(secret)) {
        ui.output(&t);
    }
    0
}

/// Vault's `OutputData` for a JSON object: a key/value table, or JSON/YAML.
pub fn output_map(ui: &mut Ui, data: &Map<String, Value>) -> i32 {
    if ui.format != Format::Table {
        return output_structured(ui, data);
    }
    if let Some(t) = kv_table(map_rows(data)) {
        ui.output(&t);
    }
    0
}

/// Vault's `OutputList` for a LIST response: the sorted keys (with `key_info` columns when
/// `-detailed`), or the JSON/YAML of the keys alone.
pub fn output_list(ui: &mut Ui, secret: &Secret) -> i32 {
    let keys = secret.data_field("keys").cloned().unwrap_or(Value::Null);
    if ui.format != Format::Table {
        if ui.detailed {
            return output_structured(ui, secret);
        }
        return output_structured(ui, &keys);
    }
    print_warnings(ui, secret);
    let Some(list) = keys.as_array() else {
        ui.error(
            "Could not parse output: error: table formatter cannot output list for this data type",
        );
        return 1;
    };
    let mut names = Vec::with_capacity(list.len());
    for v in list {
        match v.as_str() {
            Some(s) => names.push(s.to_string()),
            None => {
                ui.error(&format!(
                    "Could not parse output: {} is not a string",
                    goval::format_v(v)
                ));
                return 1;
            }
        }
    }
    if names.is_empty() {
        return 0;
    }
    names.sort();
    let info = secret
        .data_field("key_info")
        .and_then(Value::as_object)
        .filter(|m| ui.detailed && !m.is_empty());
    let mut lines = Vec::with_capacity(names.len() + 1);
    match info {
        None => {
            lines.push("Keys".to_string());
            lines.extend(names);
        }
        Some(info) => {
            let mut headers: Vec<String> = info
                .iter()
                .filter(|(k, _)| names.binary_search(k).is_ok())
                .filter_map(|(_, v)| v.as_object())
                .flat_map(|m| m.keys().cloned())
                .collect();
            headers.sort();
            headers.dedup();
            lines.push(
                std::iter::once("Keys".to_string())
                    .chain(headers.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(HOPE_DELIM),
            );
            for name in names {
                let mut cells = vec![name.clone()];
                if let Some(values) = info.get(&name).and_then(Value::as_object) {
                    for h in &headers {
                        cells.push(match values.get(h) {
                            Some(v) => cell(h, v),
                            None => "n/a".to_string(),
                        });
                    }
                }
                lines.push(cells.join(HOPE_DELIM));
            }
        }
    }
    ui.output(&columns::table(&lines, HOPE_DELIM));
    0
}

/// Vault's `RawField`: the value `-field` selects from a secret.
pub fn raw_field(secret: &Secret, field: &str) -> Option<Value> {
    let data = |k: &str| secret.data_field(k).cloned();
    let list = |l: &Option<Vec<String>>| Value::from(l.clone().unwrap_or_default());
    if let Some(auth) = &secret.auth {
        return match field {
            "token" => Some(auth.client_token.clone().into()),
            "token_accessor" => Some(auth.accessor.clone().into()),
            "token_duration" => Some(auth.lease_duration.into()),
            "token_renewable" => Some(auth.renewable.into()),
            "token_policies" => Some(list(&auth.token_policies)),
            "identity_policies" => Some(list(&auth.identity_policies)),
            "policies" => Some(list(&auth.policies)),
            _ => data(field),
        };
    }
    if let Some(w) = &secret.wrap_info {
        return match field {
            "wrapping_token" => Some(w.token.clone().into()),
            "wrapping_accessor" => Some(w.accessor.clone().into()),
            "wrapping_token_ttl" => Some(w.ttl.into()),
            "wrapping_token_creation_time" => Some(w.creation_time.clone().into()),
            "wrapping_token_creation_path" => Some(w.creation_path.clone().into()),
            "wrapped_accessor" => Some(w.wrapped_accessor.clone().into()),
            _ => data(field),
        };
    }
    match field {
        "lease_duration" | "refresh_interval" => Some(secret.lease_duration.into()),
        "lease_id" => Some(secret.lease_id.clone().into()),
        "request_id" => Some(secret.request_id.clone().into()),
        "renewable" => Some(secret.renewable.into()),
        "data" => Some(
            data("data").unwrap_or_else(|| Value::Object(secret.data.clone().unwrap_or_default())),
        ),
        _ => data(field),
    }
}

/// Vault's `PrintRawField`: prints one value (bare in table format) and returns the exit code.
pub fn print_raw_field(ui: &mut Ui, value: Option<Value>, field: &str) -> i32 {
    let Some(v) = value.filter(|v| !v.is_null()) else {
        ui.error(&format!(
            "Field {} not present in secret",
            goval::quote(field)
        ));
        return 1;
    };
    let text = match ui.format {
        Format::Table | Format::Raw => goval::format_v(&v),
        Format::Json => match gojson::to_string(&v) {
            Ok(s) => s,
            Err(e) => {
                ui.error(&format!("Error formatting output: {e}"));
                return 1;
            }
        },
        Format::Yaml => yaml::to_string(&v),
        Format::Pretty => String::new(),
    };
    ui.print_raw(&text);
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretAuth;
    use crate::ui::testing::ui;
    use serde_json::json;

    fn secret(v: Value) -> Secret {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn secret_table_with_refresh_interval_and_sorted_data() {
        let (mut u, out, err) = ui("");
        let s = secret(json!({
            "lease_duration": 2764800,
            "data": {"zeta": "z", "foo": "bar", "max_ttl": 3600, "nested": {"a": 1}, "n": null},
            "warnings": ["careful"]
        }));
        assert_eq!(output_secret(&mut u, &s), 0);
        assert_eq!(
            out.text(),
            "Key                 Value\n\
             ---                 -----\n\
             refresh_interval    768h\n\
             foo                 bar\n\
             max_ttl             1h\n\
             n                   <nil>\n\
             nested              map[a:1]\n\
             zeta                z\n"
        );
        assert_eq!(
            err.text(),
            "WARNING! The following warnings were returned from Vault:\n\n  * careful\n\n"
        );
    }

    #[test]
    fn leased_secret_and_auth_rows() {
        let s = Secret {
            lease_id: "db/creds/x/abc".into(),
            lease_duration: 60,
            renewable: true,
            auth: Some(SecretAuth {
                client_token: "hvs.tok".into(),
                accessor: "acc".into(),
                token_policies: Some(vec!["root".into()]),
                policies: Some(vec!["root".into()]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let rows = secret_rows(&s);
        let t = columns::table(
            &std::iter::once(format!("Key{HOPE_DELIM}Value"))
                .chain(rows)
                .collect::<Vec<_>>(),
            HOPE_DELIM,
        );
        assert_eq!(
            t,
            "Key                  Value\n\
             ---                  -----\n\
             lease_id             db/creds/x/abc\n\
             lease_duration       1m\n\
             lease_renewable      true\n\
             token                hvs.tok\n\
             token_accessor       acc\n\
             token_duration       ∞\n\
             token_renewable      false\n\
             token_policies       [\"root\"]\n\
             identity_policies    []\n\
             policies             [\"root\"]"
        );
    }

    #[test]
    fn empty_secret_prints_nothing() {
        let (mut u, out, _) = ui("");
        assert_eq!(output_secret(&mut u, &Secret::default()), 0);
        assert_eq!(out.text(), "");
    }

    #[test]
    fn json_and_yaml_output_of_a_secret() {
        let s = secret(json!({"request_id": "r", "data": {"a": "b"}}));
        let (mut u, out, _) = ui("");
        u.format = Format::Json;
        output_secret(&mut u, &s);
        assert_eq!(
            out.text(),
            "{\n  \"request_id\": \"r\",\n  \"lease_id\": \"\",\n  \"lease_duration\": 0,\n  \
             \"renewable\": false,\n  \"data\": {\n    \"a\": \"b\"\n  },\n  \"warnings\": null\n}\n"
        );
        let (mut u, out, _) = ui("");
        u.format = Format::Yaml;
        output_secret(&mut u, &s);
        assert_eq!(
            out.text(),
            "data:\n  a: b\nlease_duration: 0\nlease_id: \"\"\nrenewable: false\nrequest_id: r\nwarnings: null\n"
        );
    }

    #[test]
    fn raw_format_is_refused_outside_read() {
        let (mut u, _, err) = ui("");
        u.format = Format::Raw;
        assert_eq!(output_secret(&mut u, &Secret::default()), 1);
        assert!(
            err.text()
                .starts_with("Could not parse output: This command does not support")
        );
    }

    #[test]
    fn list_table_json_and_detailed() {
        let s = secret(
            json!({"data": {"keys": ["b", "a/"], "key_info": {"a/": {"x": 1}, "b": {"x": 2, "ttl": 60}}}}),
        );
        let (mut u, out, _) = ui("");
        output_list(&mut u, &s);
        assert_eq!(out.text(), "Keys\n----\na/\nb\n");
        let (mut u, out, _) = ui("");
        u.format = Format::Json;
        output_list(&mut u, &s);
        assert_eq!(out.text(), "[\n  \"b\",\n  \"a/\"\n]\n");
        let (mut u, out, _) = ui("");
        u.detailed = true;
        output_list(&mut u, &s);
        assert_eq!(
            out.text(),
            "Keys    ttl    x\n----    ---    -\na/      n/a    1\nb       1m     2\n"
        );
    }

    #[test]
    fn raw_field_selection() {
        let s = secret(
            json!({"request_id": "r", "lease_duration": 5, "data": {"data": {"k": "v"}, "f": 1}}),
        );
        assert_eq!(raw_field(&s, "data"), Some(json!({"k": "v"})));
        assert_eq!(raw_field(&s, "f"), Some(json!(1)));
        assert_eq!(raw_field(&s, "refresh_interval"), Some(json!(5)));
        assert_eq!(raw_field(&s, "missing"), None);
        let s = secret(json!({"auth": {"client_token": "t", "policies": ["a"]}}));
        assert_eq!(raw_field(&s, "token"), Some(json!("t")));
        assert_eq!(raw_field(&s, "token_policies"), Some(json!([])));
    }

    #[test]
    fn print_raw_field_formats() {
        let (mut u, out, _) = ui("");
        assert_eq!(print_raw_field(&mut u, Some(json!("v")), "f"), 0);
        assert_eq!(out.text(), "v");
        let (mut u, out, _) = ui("");
        u.format = Format::Json;
        print_raw_field(&mut u, Some(json!("v")), "f");
        assert_eq!(out.text(), "\"v\"");
        let (mut u, _, err) = ui("");
        assert_eq!(print_raw_field(&mut u, Some(Value::Null), "f"), 1);
        assert_eq!(err.text(), "Field \"f\" not present in secret\n");
    }

    #[test]
    fn rfc822_install_times() {
        assert_eq!(
            rfc822_utc("2026-11-28T09:05:59.123Z").as_deref(),
            Some("28 Nov 26 09:05 UTC")
        );
        assert_eq!(
            rfc822_utc("2024-01-01T01:30:00+02:00").as_deref(),
            Some("31 Dec 23 23:30 UTC")
        );
        assert_eq!(rfc822_utc("garbage"), None);
    }

    #[test]
    fn go_time_strings() {
        assert_eq!(
            go_time_string("2024-05-01T10:00:00.123400Z"),
            "2024-05-01 10:00:00.1234 +0000 UTC"
        );
        assert_eq!(
            go_time_string("2024-05-01T10:00:00+02:00"),
            "2024-05-01 10:00:00 +0200 +0200"
        );
    }
}
