//! JWT verification with pinned algorithms, and `token mint` for development tokens.

use std::collections::BTreeSet;
use std::time::Duration;

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Caller, Grants, Scope};
use crate::config::AuthConfig;
use crate::error::ApiError;

/// The claims filegate reads. `connections` is a list of names or `"*"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Required; optional here only so that a token without it gets a precise error from the
    /// validation step rather than a generic parse failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// RFC 7519 §4.1.3: one audience or an array of them (jsonwebtoken checks membership).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub connections: ConnectionsClaim,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(untagged)]
pub enum ConnectionsClaim {
    One(String),
    Many(Vec<String>),
    #[default]
    #[serde(skip)]
    None,
}

struct KeyEntry {
    alg: Algorithm,
    kid: Option<String>,
    key: DecodingKey,
}

/// Verifies callers' JWTs against the configured keys. Only the algorithms that have a key
/// configured are accepted, and each key only for its own algorithm, so `alg: none` and
/// HS256-signed-with-the-public-key tokens are refused.
pub struct Verifier {
    keys: Vec<KeyEntry>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: u64,
    /// Tokens that verified, by the SHA-256 of the token, with the `exp` they verified under.
    /// A signature check (RS256 above all) and the claims' parsing cost more than the rest of
    /// a metadata request; callers send the same token for its whole life. Only successes are
    /// kept, each no longer than its `exp` (plus leeway) and [`VERIFIED_TTL`], so a token is
    /// never accepted longer than verifying it again would accept it.
    verified: moka::sync::Cache<[u8; 32], (Caller, i64)>,
}

/// Longest a verified token is kept before its signature is checked again.
const VERIFIED_TTL: Duration = Duration::from_secs(300);
/// Most verified tokens kept (a few hundred bytes each).
const VERIFIED_MAX: u64 = 10_000;

fn unauthorized(code: &'static str, detail: &str) -> ApiError {
    ApiError::Unauthorized {
        code,
        detail: detail.to_owned(),
    }
}

impl Verifier {
    pub fn from_config(cfg: &AuthConfig) -> Result<Self, String> {
        let mut keys = Vec::new();
        if let Some(secret) = &cfg.hs256_secret {
            keys.push(KeyEntry {
                alg: Algorithm::HS256,
                kid: None,
                key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            });
        }
        for (i, k) in cfg.public_keys.iter().enumerate() {
            let pem = std::fs::read(&k.pem_file).map_err(|e| {
                format!(
                    "auth.public_keys[{i}].pem_file: cannot read {}: {e}",
                    k.pem_file.display()
                )
            })?;
            let (alg, key) = match k.algorithm.as_str() {
                "RS256" => (Algorithm::RS256, DecodingKey::from_rsa_pem(&pem)),
                "ES256" => (Algorithm::ES256, DecodingKey::from_ec_pem(&pem)),
                "EdDSA" => (Algorithm::EdDSA, DecodingKey::from_ed_pem(&pem)),
                other => {
                    return Err(format!(
                        "auth.public_keys[{i}].algorithm: unsupported '{other}'"
                    ));
                }
            };
            let key = key.map_err(|e| {
                format!(
                    "auth.public_keys[{i}].pem_file: not a {} public key: {e}",
                    k.algorithm
                )
            })?;
            keys.push(KeyEntry {
                alg,
                kid: k.kid.clone(),
                key,
            });
        }
        if keys.is_empty() {
            return Err("auth: no verification key configured".into());
        }
        Ok(Self {
            keys,
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
            leeway: cfg.leeway.as_secs(),
            verified: moka::sync::Cache::builder()
                .max_capacity(VERIFIED_MAX)
                .time_to_live(VERIFIED_TTL)
                .build(),
        })
    }

    /// Verifies an `Authorization` header value.
    pub fn verify_header(&self, header: Option<&str>) -> Result<Caller, ApiError> {
        let header = header.ok_or_else(|| {
            unauthorized(
                "missing_token",
                "an Authorization: Bearer <JWT> header is required",
            )
        })?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    "missing_token",
                    "the Authorization header must be 'Bearer <JWT>'",
                )
            })?;
        self.verify(token)
    }

    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        use sha2::{Digest, Sha256};
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = jsonwebtoken::get_current_timestamp() as i64;
        if let Some((caller, exp)) = self.verified.get(&key) {
            if now <= exp.saturating_add(self.leeway as i64) {
                return Ok(caller);
            }
            self.verified.invalidate(&key);
        }
        let (caller, exp) = self.verify_uncached(token)?;
        self.verified.insert(key, (caller.clone(), exp));
        Ok(caller)
    }

    /// The caller and the token's `exp`, from the signature and claims themselves.
    fn verify_uncached(&self, token: &str) -> Result<(Caller, i64), ApiError> {
        reject_critical_extensions(token)?;
        let header = decode_header(token).map_err(|_| {
            unauthorized(
                "malformed_token",
                "the bearer token is not a well-formed JWT",
            )
        })?;
        let candidates: Vec<&KeyEntry> = self
            .keys
            .iter()
            .filter(|k| k.alg == header.alg)
            .filter(|k| match (&k.kid, &header.kid) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(unauthorized(
                "algorithm_not_allowed",
                "the token's algorithm or key id is not accepted",
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // jsonwebtoken only checks `aud`/`iss` when the token has them: a configured audience
        // or issuer must also make the claim mandatory.
        let mut required = vec!["exp", "sub"];
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        let mut last = None;
        for k in candidates {
            match decode::<Claims>(token, &k.key, &validation) {
                Ok(data) => {
                    // `exp` is a required claim: validation has refused a token without it.
                    let exp = data.claims.exp.unwrap_or(0);
                    return caller_from(data.claims).map(|c| (c, exp));
                }
                Err(e) => last = Some(e),
            }
        }
        use jsonwebtoken::errors::ErrorKind as K;
        Err(match last.as_ref().map(|e| e.kind()) {
            Some(K::ExpiredSignature) => unauthorized("token_expired", "the token has expired"),
            Some(K::ImmatureSignature) => {
                unauthorized("token_not_yet_valid", "the token is not valid yet (nbf)")
            }
            Some(K::InvalidAudience) => unauthorized(
                "invalid_audience",
                "the token is not meant for this audience",
            ),
            Some(K::InvalidIssuer) => {
                unauthorized("invalid_issuer", "the token's issuer is not accepted")
            }
            Some(K::InvalidSignature) => {
                unauthorized("invalid_signature", "the token's signature does not verify")
            }
            Some(K::MissingRequiredClaim(c)) if c == "aud" => {
                unauthorized("invalid_audience", "the token has no audience")
            }
            Some(K::MissingRequiredClaim(c)) if c == "iss" => {
                unauthorized("invalid_issuer", "the token has no issuer")
            }
            Some(K::MissingRequiredClaim(c)) => unauthorized(
                "invalid_claims",
                &format!("the token lacks the '{c}' claim"),
            ),
            _ => unauthorized("invalid_token", "the token could not be verified"),
        })
    }
}

/// RFC 7515 §4.1.11: a `crit` header lists extensions the recipient must understand, or reject
/// the token. filegate understands none, so any `crit` is refused (jsonwebtoken ignores it).
fn reject_critical_extensions(token: &str) -> Result<(), ApiError> {
    use base64::Engine;
    let malformed = || {
        unauthorized(
            "malformed_token",
            "the bearer token is not a well-formed JWT",
        )
    };
    let first = token.split('.').next().ok_or_else(malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(first.trim_end_matches('='))
        .map_err(|_| malformed())?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    match header.get("crit") {
        None => Ok(()),
        Some(crit) => {
            let names: Vec<&str> = crit
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            Err(unauthorized(
                "unsupported_critical_header",
                &if names.is_empty() {
                    "the token's 'crit' header is malformed (RFC 7515 §4.1.11)".to_owned()
                } else {
                    format!(
                        "the token requires extensions this gateway does not understand: {}",
                        names.join(", ")
                    )
                },
            ))
        }
    }
}

fn caller_from(claims: Claims) -> Result<Caller, ApiError> {
    if claims.sub.is_empty() {
        return Err(unauthorized("invalid_claims", "the token's 'sub' is empty"));
    }
    // Unknown scopes are ignored rather than refused: a token minted for a newer gateway still
    // works, with only the scopes this one understands.
    let scopes: BTreeSet<Scope> = claims
        .scope
        .split_whitespace()
        .filter_map(Scope::parse)
        .collect();
    let names: Vec<String> = match claims.connections {
        ConnectionsClaim::One(s) => s
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        ConnectionsClaim::Many(v) => v,
        ConnectionsClaim::None => Vec::new(),
    };
    let grants = if names.iter().any(|n| n == "*") {
        Grants::All
    } else {
        Grants::Only(names.into_iter().collect())
    };
    Ok(Caller {
        sub: claims.sub,
        scopes,
        grants,
    })
}

/// Parameters of `filegate token mint`.
pub struct MintRequest {
    pub sub: String,
    pub scopes: Vec<String>,
    /// Names, or `["*"]`.
    pub connections: Vec<String>,
    pub ttl: Duration,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

/// Issues an HS256 token. Unknown scopes are refused here (a typo would otherwise mint a token
/// that silently lacks the scope).
pub fn mint(secret: &SecretString, req: &MintRequest) -> Result<String, String> {
    for s in &req.scopes {
        if Scope::parse(s).is_none() {
            let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
            return Err(format!("unknown scope '{s}' (known: {})", known.join(" ")));
        }
    }
    if req.sub.is_empty() {
        return Err("--sub must not be empty".into());
    }
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: req.sub.clone(),
        exp: Some(now + i64::try_from(req.ttl.as_secs()).map_err(|_| "ttl too large")?),
        nbf: None,
        iat: Some(now),
        iss: req.issuer.clone(),
        aud: req.audience.clone().map(Audience::One),
        scope: req.scopes.join(" "),
        connections: ConnectionsClaim::Many(req.connections.clone()),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .map_err(|e| format!("cannot sign the token: {e}"))
}
