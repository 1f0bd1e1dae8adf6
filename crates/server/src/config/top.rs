//! Decodes a whole file's tree into a [`Config`].

use super::Config;
use super::decode::Section;
use super::error::ConfigError;
use super::tree::Node;
use super::{listener, service_registration, storage, telemetry, unsupported};

/// Decodes the root object of one file.
pub(crate) fn decode(file: &str, root: &Node) -> Result<Config, ConfigError> {
    let mut s = Section::new(file, "", "", root)?;

    // Seals first: a seal that silently did nothing would be worse than any typo.
    let seals = s.labeled("seal")?;
    if let Some(second) = seals.get(1) {
        return Err(ConfigError::Invalid {
            file: file.to_string(),
            line: second.line,
            message: "only one seal stanza is supported".into(),
        });
    }
    let seal = match seals.first() {
        Some(block) => Some(super::seal::decode(file, block)?),
        None => None,
    };
    if let Some(ha) = s.labeled("ha_storage")?.first() {
        return Err(unsupported::refuse_label(
            file,
            ha.line,
            "ha_storage",
            ha.label,
        ));
    }

    let storages = s.labeled("storage")?;
    if let Some(second) = storages.get(1) {
        return Err(only_one(file, second.line, "storage"));
    }
    let storage = match storages.first() {
        Some(block) => Some(storage::decode(file, block)?),
        None => None,
    };

    let mut listeners = Vec::new();
    for block in s.labeled("listener")? {
        listeners.push(listener::decode(file, &block)?);
    }

    let registrations = s.labeled("service_registration")?;
    if let Some(second) = registrations.get(1) {
        return Err(only_one(file, second.line, "service_registration"));
    }
    let service_registration = match registrations.first() {
        Some(block) => Some(service_registration::decode(file, block)?),
        None => None,
    };

    let self_init = match s.block("self_init")? {
        Some((node, _)) => Some(super::self_init::decode(s.file(), node)?),
        None => None,
    };

    let telemetry = match s.block("telemetry")? {
        Some((node, _)) => Some(telemetry::decode(s.file(), node)?),
        None => None,
    };

    let config = Config {
        seal,
        self_init,
        storage,
        listeners,
        service_registration,
        telemetry,
        api_addr: s.string("api_addr")?,
        cluster_addr: s.string("cluster_addr")?,
        cluster_name: s.string("cluster_name")?,
        disable_mlock: s.boolean("disable_mlock")?.unwrap_or(false),
        disable_standby_reads: s.boolean("disable_standby_reads")?,
        ui: s.boolean("ui")?.unwrap_or(false),
        log_level: s.string("log_level")?.map(|l| l.trim().to_lowercase()),
        log_format: s.string("log_format")?.map(|f| f.trim().to_lowercase()),
        default_lease_ttl: s.duration("default_lease_ttl")?,
        max_lease_ttl: s.duration("max_lease_ttl")?,
        default_max_request_duration: s.duration("default_max_request_duration")?,
        pid_file: s.string("pid_file")?,
        plugin_directory: s.string("plugin_directory")?,
        dev: false,
    };
    s.finish()?;
    Ok(config)
}

fn only_one(file: &str, line: usize, stanza: &str) -> ConfigError {
    ConfigError::Invalid {
        file: file.to_string(),
        line,
        message: format!("only one \"{stanza}\" block is permitted"),
    }
}
