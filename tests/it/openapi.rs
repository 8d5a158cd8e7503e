//! The OpenAPI document: the committed file is what the code generates (`filegate openapi`),
//! and what the code generates is a complete, valid contract — so the drift test cannot bless
//! a broken file.

use serde_json::Value;

fn doc() -> Value {
    serde_json::to_value(filegate::api::openapi()).unwrap()
}

/// Every operation as (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), op.clone()));
        }
    }
    out
}

/// Calls `f` on every JSON value in `v`, with its JSON pointer.
fn walk(v: &Value, pointer: &str, f: &mut impl FnMut(&str, &Value)) {
    f(pointer, v);
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                walk(child, &format!("{pointer}/{k}"), f);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                walk(child, &format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[test]
fn the_committed_openapi_json_matches_the_code() {
    let generated = filegate::api::openapi().to_pretty_json().unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi --output openapi/openapi.json` and commit it"
    );
}

#[test]
fn every_ref_resolves() {
    let doc = doc();
    let mut refs = 0;
    let mut dangling = Vec::new();
    walk(&doc, "", &mut |at, v| {
        if let Some(target) = v.get("$ref").and_then(Value::as_str) {
            refs += 1;
            let resolved = target
                .strip_prefix('#')
                .and_then(|pointer| doc.pointer(pointer));
            if resolved.is_none() {
                dangling.push(format!("{at}: {target}"));
            }
        }
    });
    assert!(refs > 100, "the walk sees the references ({refs})");
    assert!(dangling.is_empty(), "dangling $ref: {dangling:#?}");
}

#[test]
fn a_ref_to_a_missing_schema_is_caught() {
    // The walk above must be able to fail: break a copy of the document and look again.
    let mut broken = doc();
    broken["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("Item");
    let mut dangling = 0;
    walk(&broken, "", &mut |_, v| {
        if let Some(t) = v.get("$ref").and_then(Value::as_str)
            && broken.pointer(t.trim_start_matches('#')).is_none()
        {
            dangling += 1;
        }
    });
    assert!(dangling > 0);
}

#[test]
fn file_bytes_are_binary_strings_never_integer_arrays() {
    let doc = doc();
    let mut binary = 0;
    for (path, method, op) in operations(&doc) {
        let mut contents: Vec<(String, Value)> = Vec::new();
        if let Some(c) = op
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
        {
            contents.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        for r in op["responses"].as_object().unwrap().values() {
            if let Some(c) = r.get("content").and_then(Value::as_object) {
                contents.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        for (media, content) in contents {
            let schema = &content["schema"];
            assert!(
                !(schema["type"] == "array" && schema["items"]["type"] == "integer"),
                "{method} {path} {media} is an array of integers"
            );
            if media == "application/octet-stream" || media == "*/*" {
                binary += 1;
                assert_eq!(
                    content["schema"]["type"], "string",
                    "{method} {path} {media}"
                );
                assert_eq!(
                    content["schema"]["contentMediaType"], "application/octet-stream",
                    "{method} {path} {media}"
                );
            }
        }
    }
    // upload, part, version upload, download 200 and 206 (twice each: octet-stream and */*).
    assert!(binary >= 7, "{binary} binary bodies");
}

#[test]
fn pages_reference_their_entries_schema() {
    let doc = doc();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let pages: Vec<&String> = schemas.keys().filter(|k| k.starts_with("Page_")).collect();
    assert!(pages.len() >= 5, "{pages:?}");
    for name in pages {
        let inner = name.trim_start_matches("Page_");
        assert_eq!(
            schemas[name]["properties"]["items"]["items"],
            serde_json::json!({"$ref": format!("#/components/schemas/{inner}")}),
            "{name}"
        );
    }
}

#[test]
fn every_operation_has_a_summary_a_description_and_an_id() {
    let doc = doc();
    assert!(
        doc["servers"].as_array().is_some_and(|s| !s.is_empty()),
        "servers"
    );
    let mut ids = std::collections::BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        for key in ["summary", "description", "operationId"] {
            assert!(
                op[key].as_str().is_some_and(|s| !s.trim().is_empty()),
                "{method} {path} has a {key}"
            );
        }
        assert!(
            ids.insert(op["operationId"].to_string()),
            "{method} {path} id"
        );
        for (status, r) in op["responses"].as_object().unwrap() {
            assert!(
                r["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} {status} has a description"
            );
            assert!(
                r["headers"].get("x-request-id").is_some(),
                "{method} {path} {status} documents x-request-id"
            );
        }
    }
}

#[test]
fn main_schemas_carry_examples() {
    let doc = doc();
    for name in [
        "Item",
        "Space",
        "Problem",
        "ConnectionInfo",
        "Member",
        "UploadResult",
        "UploadSessionInfo",
        "ShareLink",
    ] {
        let schema = &doc["components"]["schemas"][name];
        let examples = schema["examples"].as_array();
        assert!(
            examples.is_some_and(|e| !e.is_empty()),
            "{name} has examples"
        );
    }
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc = doc();
    for (path, method, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        assert!(has("500") && has("503"), "{method} {path}: 500/503");
        if path.starts_with("/v1/") {
            assert!(has("401"), "{method} {path} documents 401");
            assert!(has("504"), "{method} {path} documents 504");
            // Only the connection list takes no input that could be malformed.
            if path != "/v1/connections" {
                assert!(has("400"), "{method} {path} documents 400");
                assert!(has("403"), "{method} {path} documents 403");
                assert!(has("404"), "{method} {path} documents 404");
            }
            assert!(
                op.get("security").is_none(),
                "{method} {path} uses the global bearer requirement"
            );
        } else {
            assert_eq!(
                op["security"],
                serde_json::json!([{}]),
                "{method} {path} is public"
            );
        }
        let json_body = op
            .pointer("/requestBody/content/application~1json")
            .is_some();
        if json_body {
            assert!(has("413") && has("415"), "{method} {path}: 413/415");
        }
        if has("502") {
            assert!(has("429"), "{method} {path}: upstream calls document 429");
            assert!(has("501"), "{method} {path}: upstream calls document 501");
            assert!(
                responses["429"]["headers"].get("Retry-After").is_some(),
                "{method} {path}: Retry-After"
            );
            assert!(
                responses
                    .values()
                    .all(|r| r["headers"].get("RateLimit-Remaining").is_some()),
                "{method} {path}: RateLimit-*"
            );
        }
    }
    let download = &doc["paths"]["/v1/connections/{conn}/spaces/{space}/items/{item}/content"]["get"]
        ["responses"];
    for header in ["Content-Range", "Content-Length", "Content-Disposition"] {
        assert!(
            download["206"]["headers"].get(header).is_some(),
            "206 {header}"
        );
    }
    assert!(download["302"]["headers"].get("Location").is_some());
    assert!(download["416"]["headers"].get("Content-Range").is_some());
}

#[test]
fn the_documented_rules_are_the_codes() {
    use filegate::model::rules;
    let doc = doc();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["CreateFolder"]["properties"]["name"]["pattern"],
        rules::NAME_PATTERN
    );
    let params = |path: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .or_else(|| doc["paths"][path]["post"]["parameters"].as_array())
            .unwrap()
            .clone()
    };
    let param = |path: &str, name: &str| {
        params(path)
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"))
    };
    let upload_name = param("/v1/connections/{conn}/spaces/{space}/files", "name");
    assert_eq!(upload_name["schema"]["pattern"], rules::NAME_PATTERN);
    assert_eq!(upload_name["schema"]["maxLength"], rules::MAX_NAME_CHARS);
    // Optional: a multipart upload takes the name from its `file` part's filename.
    assert_eq!(upload_name["required"], false);
    let q = param("/v1/connections/{conn}/spaces/{space}/search", "q");
    assert_eq!(q["schema"]["pattern"], rules::NON_BLANK_TEXT_PATTERN);
    assert_eq!(q["schema"]["maxLength"], rules::MAX_SEARCH_CHARS);
    assert_eq!(q["required"], true);
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let gw = crate::common::gateway().await;
    let res = gw.http.get(gw.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let served: Value = res.json().await.unwrap();
    assert_eq!(served, doc());
}

#[test]
fn ids_are_documented_as_the_gateway_mints_them() {
    use filegate::model::rules;
    let doc = doc();
    let item = &doc["paths"]["/v1/connections/{conn}/spaces/{space}/items/{item}"]["get"];
    for p in item["parameters"].as_array().unwrap() {
        if p["name"] == "space" || p["name"] == "item" {
            assert_eq!(p["schema"]["pattern"], rules::ID_PATTERN, "{p}");
            assert_eq!(p["schema"]["maxLength"], rules::MAX_ID_CHARS, "{p}");
            assert_eq!(p["required"], true);
        }
    }
}
