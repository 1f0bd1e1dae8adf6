//! A minimal credential backend for the tests: `login` (unauthenticated) checks a fixed
//! password and returns an `auth` block; `config` (authenticated) exists to show that
//! other paths of an auth method still need a token.

use std::sync::Arc;

use arca_sdk::{
    Auth, Backend, BackendFactory, BackendType, Error, Field, FieldType, Operation, Path, Response,
    framework::BackendConfig, handler,
};
use async_trait::async_trait;

pub struct TestpassFactory;

#[async_trait]
impl BackendFactory for TestpassFactory {
    fn type_name(&self) -> &'static str {
        "testpass"
    }

    async fn create(&self, _config: BackendConfig) -> Result<Arc<Backend>, Error> {
        let login = Path::new("login/(?P<username>[a-z]+)")
            .field(Field::new("username", FieldType::String, ""))
            .field(Field::new("password", FieldType::String, ""))
            .field(Field::new("ttl", FieldType::Int, ""))
            .field(Field::new("period", FieldType::Int, ""))
            .field(Field::new("num_uses", FieldType::Int, ""))
            .on(
                Operation::Update,
                handler(|_req, d| async move {
                    if d.get_str("password")? != "pw" {
                        return Err(Error::bad_request("invalid username or password"));
                    }
                    let user = d.get_str("username")?;
                    Ok(Some(Response {
                        auth: Some(Auth {
                            policies: vec!["dev".into()],
                            metadata: Some([("username".to_string(), user.clone())].into()),
                            display_name: user,
                            lease_duration: d.get_i64("ttl")?.unwrap_or(0) as u64,
                            period: d.get_i64("period")?.unwrap_or(0) as u64,
                            num_uses: d.get_i64("num_uses")?.unwrap_or(0) as u64,
                            renewable: true,
                            ..Default::default()
                        }),
                        ..Default::default()
                    }))
                }),
            );
        let config = Path::new("config").on(
            Operation::Read,
            handler(|_req, _d| async move {
                Ok(Some(Response::from_json(serde_json::json!({"ok": true}))))
            }),
        );
        let mut b = Backend::new(
            "test credentials",
            BackendType::Credential,
            vec![login, config],
        )
        .map_err(Error::internal)?;
        b.unauthenticated_paths = vec!["login/*".into()];
        Ok(Arc::new(b))
    }
}
