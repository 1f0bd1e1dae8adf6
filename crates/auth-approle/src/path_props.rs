//! `role/<name>/<property>`: one endpoint per role setting (read, update, delete), so
//! ACL policies can delegate single settings. They share the role endpoint's field
//! rules; delete resets the setting to its default.

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response,
    framework::{Path, handler},
    tokenutil::sent,
};

use crate::{
    AppRoleError,
    path_role::{self, NAME, apply, name_field, role_data, warnings_response},
    role::{RoleEntry, normalize_name},
};

/// One property endpoint.
struct Prop {
    /// The path suffix after `role/<name>/`.
    suffix: &'static str,
    /// Fields it accepts (and shows).
    names: &'static [&'static str],
    /// Error when an update sends none of them.
    missing: &'static str,
    /// Resets the setting on delete; `None` for read-only properties.
    reset: Option<fn(&mut RoleEntry)>,
}

const PROPS: &[Prop] = &[
    Prop {
        suffix: "policies",
        names: &["policies", "token_policies"],
        missing: "missing token_policies",
        reset: Some(|r| {
            r.token.token_policies.clear();
            r.token.legacy_names.remove("policies");
        }),
    },
    Prop {
        suffix: "bound-cidr-list",
        names: &["bound_cidr_list"],
        missing: "missing bound_cidr_list",
        reset: Some(|r| r.secret_id_bound_cidrs.clear()),
    },
    Prop {
        suffix: "secret-id-bound-cidrs",
        names: &["secret_id_bound_cidrs"],
        missing: "missing secret_id_bound_cidrs",
        reset: Some(|r| r.secret_id_bound_cidrs.clear()),
    },
    Prop {
        suffix: "token-bound-cidrs",
        names: &["token_bound_cidrs"],
        missing: "missing token_bound_cidrs",
        reset: Some(|r| r.token.token_bound_cidrs.clear()),
    },
    Prop {
        suffix: "bind-secret-id",
        names: &["bind_secret_id"],
        missing: "missing bind_secret_id",
        reset: Some(|r| r.bind_secret_id = true),
    },
    Prop {
        suffix: "secret-id-num-uses",
        names: &["secret_id_num_uses"],
        missing: "missing secret_id_num_uses",
        reset: Some(|r| r.secret_id_num_uses = 0),
    },
    Prop {
        suffix: "secret-id-ttl",
        names: &["secret_id_ttl"],
        missing: "missing secret_id_ttl",
        reset: Some(|r| r.secret_id_ttl = 0),
    },
    Prop {
        suffix: "period",
        names: &["period", "token_period"],
        missing: "missing period",
        reset: Some(|r| {
            r.token.token_period = 0;
            r.token.legacy_names.remove("period");
        }),
    },
    Prop {
        suffix: "token-num-uses",
        names: &["token_num_uses"],
        missing: "missing token_num_uses",
        reset: Some(|r| r.token.token_num_uses = 0),
    },
    Prop {
        suffix: "token-ttl",
        names: &["token_ttl"],
        missing: "missing token_ttl",
        reset: Some(|r| r.token.token_ttl = 0),
    },
    Prop {
        suffix: "token-max-ttl",
        names: &["token_max_ttl"],
        missing: "missing token_max_ttl",
        reset: Some(|r| r.token.token_max_ttl = 0),
    },
    Prop {
        suffix: "local-secret-ids",
        names: &["local_secret_ids"],
        missing: "",
        reset: None,
    },
];

/// All property endpoints.
pub(crate) fn paths() -> Vec<Path> {
    let all_fields = path_role::role_path().fields;
    PROPS
        .iter()
        .map(|prop| {
            let mut p = Path::new(format!("role/{NAME}/{}", prop.suffix))
                .field(name_field())
                .on(Operation::Read, handler(move |req, fd| read(prop, req, fd)));
            if prop.reset.is_some() {
                for f in all_fields.iter().filter(|f| prop.names.contains(&f.name)) {
                    p = p.field(f.clone());
                }
                p = p
                    .on(
                        Operation::Update,
                        handler(move |req, fd| update(prop, req, fd)),
                    )
                    .on(
                        Operation::Delete,
                        handler(move |req, fd| reset(prop, req, fd)),
                    );
            }
            p.help(
                "Read, update or reset one setting of the role.",
                "Each setting can also be written on the role endpoint itself; these \
endpoints exist so policies can delegate single settings.",
            )
        })
        .collect()
}

fn shown(prop: &Prop, role: &RoleEntry) -> Map {
    role_data(role)
        .into_iter()
        .filter(|(k, _)| prop.names.contains(&k.as_str()))
        .collect()
}

async fn read(prop: &'static Prop, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize_name(&fd.get_str("role_name")?)?;
    Ok(RoleEntry::load(req.storage.as_ref(), &name)
        .await?
        .map(|role| Response::with_data(shown(prop, &role))))
}

async fn update(
    prop: &'static Prop,
    req: Request,
    fd: FieldData,
) -> Result<Option<Response>, Error> {
    if !prop.names.iter().any(|n| sent(&fd, n)) {
        return Err(AppRoleError::Invalid(prop.missing.to_string()).into());
    }
    let (name, mut role) = existing(&req, &fd).await?;
    let previous = role.role_id.clone();
    let warnings = apply(&mut role, &fd, false)?;
    role.save(req.storage.as_ref(), &name, &previous).await?;
    Ok(warnings_response(warnings))
}

async fn reset(
    prop: &'static Prop,
    req: Request,
    fd: FieldData,
) -> Result<Option<Response>, Error> {
    let (name, mut role) = existing(&req, &fd).await?;
    if let Some(reset) = prop.reset {
        reset(&mut role);
    }
    let previous = role.role_id.clone();
    role.save(req.storage.as_ref(), &name, &previous).await?;
    Ok(None)
}

/// The role, or Vault's 404 for a property of a role that does not exist.
async fn existing(req: &Request, fd: &FieldData) -> Result<(String, RoleEntry), Error> {
    let name = normalize_name(&fd.get_str("role_name")?)?;
    match RoleEntry::load(req.storage.as_ref(), &name).await? {
        Some(role) => Ok((name, role)),
        None => Err(Error::UnsupportedPath(format!(
            "{}{}",
            req.mount_point, req.path
        ))),
    }
}
