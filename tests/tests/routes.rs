//! One source of truth for routes: the route table the local server uses
//! (`broadsheet::routes::ROUTES`) and the HTTP API events in `template.yaml`
//! must be the same set of (method, path) pairs, each owned by the same function.

use std::collections::BTreeSet;

use broadsheet::routes::ROUTES;
use serde_norway::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml is readable");
    serde_norway::from_str(&text).expect("template.yaml is YAML")
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

/// (method, path, binary) for every HttpApi event of every function.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let t = template();
    let resources = get(&t, "Resources").and_then(Value::as_mapping).expect("Resources");
    let mut out = BTreeSet::new();
    for (_, res) in resources {
        if get(res, "Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = get(res, "Metadata")
            .and_then(|m| get(m, "BuildProperties"))
            .and_then(|b| get(b, "Binary"))
            .and_then(Value::as_str)
            .expect("every function names its binary")
            .to_owned();
        let events = get(res, "Properties").and_then(|p| get(p, "Events")).and_then(Value::as_mapping);
        for (_, event) in events.into_iter().flatten() {
            assert_eq!(get(event, "Type").and_then(Value::as_str), Some("HttpApi"));
            let props = get(event, "Properties").expect("event properties");
            let method = get(props, "Method").and_then(Value::as_str).expect("Method").to_uppercase();
            let path = get(props, "Path").and_then(Value::as_str).expect("Path").to_owned();
            assert!(out.insert((method, path, binary.clone())), "duplicate route in template.yaml");
        }
    }
    out
}

#[test]
fn template_and_route_table_agree() {
    let table: BTreeSet<(String, String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.pattern.to_owned(), r.function.package().to_owned()))
        .collect();
    assert_eq!(table.len(), ROUTES.len(), "no duplicate routes in the table");
    let template = template_routes();
    let only_table: Vec<_> = table.difference(&template).collect();
    let only_template: Vec<_> = template.difference(&table).collect();
    assert!(
        only_table.is_empty() && only_template.is_empty(),
        "routes differ\n only in ROUTES: {only_table:?}\n only in template.yaml: {only_template:?}"
    );
}

#[test]
fn every_function_crate_is_in_the_template() {
    let binaries: BTreeSet<String> = template_routes().into_iter().map(|(_, _, b)| b).collect();
    let packages: BTreeSet<String> = ROUTES.iter().map(|r| r.function.package().to_owned()).collect();
    assert_eq!(binaries, packages);
}
