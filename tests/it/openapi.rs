//! The committed OpenAPI document must be what the code generates (`filegate openapi`).

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
fn every_operation_documents_its_errors_and_security() {
    let doc = serde_json::to_value(filegate::api::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/v1/") {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
                assert!(
                    responses.contains_key("400"),
                    "{method} {path} documents 400"
                );
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
        }
    }
}
