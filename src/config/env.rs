//! `FILEGATE_…` environment variables as configuration keys: `FILEGATE_LIMITS__MAX_UPLOAD_BYTES`
//! sets `limits.max_upload_bytes`, `FILEGATE_CONNECTIONS__0__NAME` sets `connections[0].name`
//! (a number is a list index), so a whole configuration, connections included, can come from
//! the environment. Values stay strings here; extraction reads numbers and booleans out of them
//! where the key needs one, so `FILEGATE_CONNECTIONS__0__ENTERPRISE_ID=123` stays a string.

use figment::Figment;
use figment::providers::Serialized;
use serde_json::{Map, Value};

use super::{CLI_VARIABLES, Config, ConfigError, ENV_PREFIX, Limits, invalid};

/// The key path a variable sets: `FILEGATE_A__B` → `["a", "b"]`.
pub(super) fn key_path(var: &str) -> Option<Vec<String>> {
    let rest = var.strip_prefix(ENV_PREFIX)?;
    let segs: Vec<String> = rest.split("__").map(|s| s.to_ascii_lowercase()).collect();
    (!segs.iter().any(String::is_empty)).then_some(segs)
}

/// The variable that sets `path`.
pub(super) fn var_name(path: &[String]) -> String {
    let parts: Vec<String> = path.iter().map(|s| s.to_ascii_uppercase()).collect();
    format!("{ENV_PREFIX}{}", parts.join("__"))
}

/// `connections[0].name` for messages.
pub(super) fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// `base` with every variable applied on top. Variables are applied in key order with list
/// indexes compared as numbers, so `…__10__…` comes after `…__9__…`.
pub(super) fn overlay(mut base: Value, vars: &[&(String, String)]) -> Result<Value, ConfigError> {
    let mut paths = Vec::with_capacity(vars.len());
    for (var, value) in vars {
        let path = key_path(var).ok_or_else(|| {
            invalid(
                var.clone(),
                "not a configuration variable: write FILEGATE_SECTION__KEY, with two underscores between the parts",
            )
        })?;
        paths.push((path, var, value));
    }
    paths.sort_by_key(|p| sort_key(&p.0));
    for (path, var, value) in paths {
        set(&mut base, &path, env_value(value)).map_err(|m| invalid(var.clone(), m))?;
    }
    Ok(base)
}

/// A variable's value: a JSON list (`["127.0.0.1/32"]`) for list keys, else the string.
fn env_value(value: &str) -> Value {
    if value.trim_start().starts_with('[')
        && let Ok(v @ Value::Array(_)) = serde_json::from_str::<Value>(value)
    {
        return v;
    }
    Value::String(value.to_owned())
}

fn sort_key(path: &[String]) -> Vec<(u8, usize, String)> {
    path.iter()
        .map(|s| match s.parse::<usize>() {
            Ok(n) => (0, n, String::new()),
            Err(_) => (1, 0, s.clone()),
        })
        .collect()
}

fn set(node: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        *node = value;
        return Ok(());
    };
    match node {
        Value::Array(items) => {
            let i: usize = head
                .parse()
                .map_err(|_| format!("`{head}` is not a list index, and this key is a list"))?;
            if i > items.len() {
                return Err(format!(
                    "list index {i} skips index {}: indexes count up from 0",
                    items.len()
                ));
            }
            if i == items.len() {
                items.push(Value::Null);
            }
            set(&mut items[i], rest, value)
        }
        Value::Object(map) => set(map.entry(head.clone()).or_insert(Value::Null), rest, value),
        Value::Null => {
            *node = if head.parse::<usize>().is_ok() {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
            set(node, path, value)
        }
        _ => Err(format!("`{head}` goes below a single value")),
    }
}

/// Variables named as secrets (`secret_env = "FILEGATE_WECOM_SECRET"`): read as secrets,
/// never as keys.
pub(super) fn secret_variables(raw: &Value) -> Vec<String> {
    let mut out = vec![
        raw.pointer("/auth/hs256_secret_env")
            .and_then(Value::as_str)
            .unwrap_or("FILEGATE_JWT_SECRET")
            .to_owned(),
    ];
    out.push(
        raw.pointer("/tokens/key_env")
            .and_then(Value::as_str)
            .unwrap_or("FILEGATE_TOKEN_KEY")
            .to_owned(),
    );
    if let Some(keys) = raw.pointer("/tokens/old_keys").and_then(Value::as_array) {
        out.extend(
            keys.iter()
                .filter_map(|k| k.get("key_env").and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    if let Some(conns) = raw.get("connections").and_then(Value::as_array) {
        for c in conns {
            for key in ["secret_env", "client_secret_env", "access_token_env"] {
                if let Some(v) = c.get(key).and_then(Value::as_str) {
                    out.push(v.to_owned());
                }
            }
        }
    }
    out
}

/// `limits` with the `FILEGATE_LIMITS__…` variables applied (the sandbox, whose other settings
/// are fixed). An unknown `FILEGATE_LIMITS__…` variable is refused like anywhere else.
pub fn limits_from_env(limits: Limits) -> Result<Limits, ConfigError> {
    let vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("FILEGATE_LIMITS__") && !CLI_VARIABLES.contains(&k.as_str()))
        .collect();
    limits_from_vars(limits, &vars)
}

pub(super) fn limits_from_vars(
    limits: Limits,
    vars: &[(String, String)],
) -> Result<Limits, ConfigError> {
    if vars.is_empty() {
        return Ok(limits);
    }
    let refs: Vec<&(String, String)> = vars.iter().collect();
    let mut base = Map::new();
    base.insert(
        "limits".into(),
        serde_json::to_value(&limits).map_err(|e| ConfigError::Parse(e.to_string()))?,
    );
    let raw = overlay(Value::Object(base), &refs)?;
    super::strict::reject_unknown(&raw, &refs)?;
    let config: Config = Figment::from(Serialized::defaults(Config::default()))
        .merge(Serialized::defaults(&raw))
        .extract_lossy()
        .map_err(|e| ConfigError::Parse(e.to_string()))?;
    Ok(config.limits)
}
