//! Unknown keys stop start-up, at every level. serde would drop them silently (a typo in
//! `known_spaces` would list no spaces, a misspelled `FILEGATE_…` variable would change
//! nothing), so the raw tree is compared with templates of what each level accepts. The
//! templates are struct literals, so a new setting cannot be forgotten here.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::env::{dotted, key_path, var_name};
use super::{
    Config, ConfigError, FangcloudConfig, OnebotConfig, PublicKeyConfig, WecomConfig, invalid,
};

fn to_template<T: Serialize>(value: &T) -> Result<Value, ConfigError> {
    serde_json::to_value(value).map_err(|e| ConfigError::Parse(e.to_string()))
}

/// What one `[[connections]]` entry accepts for `provider`.
fn connection_template(provider: &str) -> Result<Option<Value>, ConfigError> {
    let mut t = match provider {
        "wecom" => to_template(&WecomConfig {
            base_url: String::new(),
            corp_id: String::new(),
            secret_env: String::new(),
            known_spaces: Vec::new(),
            admin_userid: None,
            secret: None,
        })?,
        "fangcloud" => to_template(&FangcloudConfig {
            oauth_url: String::new(),
            api_url: String::new(),
            client_id: String::new(),
            client_secret_env: String::new(),
            enterprise_id: String::new(),
            default_user_id: String::new(),
            client_secret: None,
        })?,
        "onebot" => to_template(&OnebotConfig {
            base_url: String::new(),
            access_token_env: None,
            max_upload_bytes: 0,
            upload_to_folders: false,
            listing_snapshot_ttl: super::ONEBOT_SNAPSHOT_TTL,
            listing_snapshot_max_items: super::ONEBOT_SNAPSHOT_ITEMS,
            access_token: None,
        })?,
        _ => return Ok(None),
    };
    if let Value::Object(m) = &mut t {
        m.insert("name".into(), Value::Null);
        m.insert("provider".into(), Value::Null);
    }
    Ok(Some(t))
}

/// Fails on the first key of `raw` that no template has, naming it (and the variable that set
/// it, when one did) with the closest known key.
/// Tables whose keys are names the operator chooses, not configuration keys.
const FREE_KEYED: &[&str] = &["upstream.rate_limit.connections"];

pub(super) fn reject_unknown(raw: &Value, vars: &[&(String, String)]) -> Result<(), ConfigError> {
    let root = to_template(&Config::default())?;
    let mut path = Vec::new();
    walk(raw, &root, &mut path, raw, vars)
}

fn walk(
    raw: &Value,
    template: &Value,
    path: &mut Vec<String>,
    root: &Value,
    vars: &[&(String, String)],
) -> Result<(), ConfigError> {
    match (raw, template) {
        // Maps keyed by the operator's own names (connection names): any key is known.
        (Value::Object(_), _) if FREE_KEYED.contains(&dotted(path).as_str()) => {}
        (Value::Object(r), Value::Object(t)) => {
            for (k, v) in r {
                path.push(k.clone());
                match t.get(k) {
                    Some(tv) => walk(v, tv, path, root, vars)?,
                    None => return Err(unknown(path, t.keys(), root, vars)),
                }
                path.pop();
            }
        }
        (Value::Array(items), _) => {
            let at = dotted(path);
            for (i, item) in items.iter().enumerate() {
                let t = match at.as_str() {
                    "connections" => {
                        let provider = item.get("provider").and_then(Value::as_str);
                        match connection_template(provider.unwrap_or(""))? {
                            Some(t) => t,
                            None => {
                                return Err(invalid(
                                    format!("connections[{i}].provider"),
                                    format!(
                                        "{} (connection {}): must be wecom, fangcloud or onebot",
                                        provider.map_or("missing".to_owned(), |p| format!("'{p}'")),
                                        connection_name(root, i)
                                    ),
                                ));
                            }
                        }
                    }
                    "auth.public_keys" => to_template(&PublicKeyConfig {
                        algorithm: String::new(),
                        pem_file: PathBuf::new(),
                        kid: None,
                    })?,
                    // Lists of plain values (known_spaces, allowed_origins).
                    _ => continue,
                };
                path.push(i.to_string());
                walk(item, &t, path, root, vars)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

fn connection_name(root: &Value, i: usize) -> String {
    root.pointer(&format!("/connections/{i}/name"))
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{i}"), |n| format!("'{n}'"))
}

fn unknown<'a>(
    path: &[String],
    known: impl Iterator<Item = &'a String>,
    root: &Value,
    vars: &[&(String, String)],
) -> ConfigError {
    let leaf = path.last().map(String::as_str).unwrap_or_default();
    let suggestion = known
        .map(|k| (strsim::jaro_winkler(leaf, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.clone());
    let within = match path {
        [first, i, ..] if first == "connections" => i
            .parse::<usize>()
            .map(|i| format!(" in connection {}", connection_name(root, i)))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let from_var = vars
        .iter()
        .find(|(var, _)| key_path(var).is_some_and(|p| p.starts_with(path)));
    match from_var {
        Some((var, _)) => {
            let mut message = format!(
                "unknown variable: `{}`{within} is not a setting",
                dotted(path)
            );
            if let (Some(s), Some(mut p)) = (suggestion, key_path(var)) {
                p[path.len() - 1] = s;
                message.push_str(&format!("; did you mean {}?", var_name(&p)));
            }
            invalid(var.clone(), message)
        }
        None => {
            let mut message = format!("unknown key{within}");
            if let Some(s) = suggestion {
                message.push_str(&format!("; did you mean `{s}`?"));
            }
            invalid(dotted(path), message)
        }
    }
}
