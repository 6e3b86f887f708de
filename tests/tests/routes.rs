//! One source of truth for routes: the route table the local server uses
//! (`broadsheet::routes::ROUTES`), the HTTP API events in `template.yaml` and
//! the `cargo lambda watch` router in the workspace's `Cargo.toml` must be the
//! same set of (method, path) pairs, each owned by the same function.
//!
//! The template adds what API Gateway needs to answer like `broadsheet
//! serve`: a `HEAD` twin of every `GET` route (API Gateway does not route
//! `HEAD` to `GET`; the route table serves `HEAD` as `GET`), and the
//! `$default` route, which sends every other request to the listing
//! function, whose edge answers it with the site's own 404 or 405 page.

use std::collections::BTreeSet;
use std::process::Command;

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
            // The only other event a function has is the aggregator's schedule.
            match get(event, "Type").and_then(Value::as_str) {
                Some("HttpApi") => {}
                Some("Schedule") => continue,
                other => panic!("unexpected event type {other:?} in template.yaml"),
            }
            let props = get(event, "Properties").expect("event properties");
            let method = get(props, "Method").and_then(Value::as_str).expect("Method").to_uppercase();
            let path = get(props, "Path").and_then(Value::as_str).expect("Path").to_owned();
            assert!(out.insert((method, path, binary.clone())), "duplicate route in template.yaml");
        }
    }
    out
}

/// (method, path, function) for every route of `[workspace.metadata.lambda.watch.router]`,
/// read as cargo-lambda reads it: from `cargo metadata`.
fn watch_router_routes() -> BTreeSet<(String, String, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--offline", "--format-version", "1", "--manifest-path", manifest])
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let router = metadata["metadata"]["lambda"]["watch"]["router"].as_object().expect("a watch router");
    let mut routes = BTreeSet::new();
    for (path, functions) in router {
        // A bare function name would route every method to it; API Gateway does not.
        let functions = functions.as_array().unwrap_or_else(|| panic!("{path}: list each method"));
        for route in functions {
            let method = route["method"].as_str().expect("method").to_owned();
            let function = route["function"].as_str().expect("function").to_owned();
            assert!(routes.insert((method, path.clone(), function)), "duplicate route in the router");
        }
    }
    routes
}

fn route_table() -> BTreeSet<(String, String, String)> {
    let table: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.pattern.to_owned(), r.function.package().to_owned()))
        .collect();
    assert_eq!(table.len(), ROUTES.len(), "no duplicate routes in the table");
    table
}

/// What `template.yaml` must declare for the route table: every route, a
/// `HEAD` for every `GET`, and `$default` (any method) to the listing function.
fn deployed_routes() -> BTreeSet<(String, String, String)> {
    let mut routes = route_table();
    let heads: Vec<_> = routes
        .iter()
        .filter(|(method, _, _)| method == "GET")
        .map(|(_, path, function)| ("HEAD".to_owned(), path.clone(), function.clone()))
        .collect();
    routes.extend(heads);
    routes.insert(("ANY".to_owned(), "$default".to_owned(), "broadsheet-listing".to_owned()));
    routes
}

fn differences(
    a: &BTreeSet<(String, String, String)>,
    b: &BTreeSet<(String, String, String)>,
) -> Vec<(String, String, String)> {
    a.symmetric_difference(b).cloned().collect()
}

/// What `template.yaml` deploys, what `broadsheet serve` answers and what
/// `cargo lambda watch` serves are one set of routes, each to one function.
#[test]
fn template_route_table_and_watch_router_agree() {
    let table = route_table();
    let template = template_routes();
    let router = watch_router_routes();
    let deployed = deployed_routes();
    assert!(
        deployed == template && table == router,
        "routes differ (method, path, function)\n ROUTES vs template.yaml: {:?}\n ROUTES vs Cargo.toml router: {:?}",
        differences(&deployed, &template),
        differences(&table, &router),
    );
}

/// No request reaches API Gateway's own `{"message":"Not Found"}`: the
/// `$default` route catches whatever no other route matches, and its owner
/// is the function whose edge renders the site's 404 and 405 pages for
/// paths and methods it does not own (`functions/listing/tests/events.rs`).
#[test]
fn every_other_request_goes_to_the_listing_function() {
    let defaults: Vec<_> = template_routes().into_iter().filter(|(_, path, _)| path == "$default").collect();
    assert_eq!(
        defaults,
        vec![("ANY".to_owned(), "$default".to_owned(), "broadsheet-listing".to_owned())],
        "exactly one $default route, for any method, to the listing function"
    );
}

#[test]
fn every_function_crate_is_in_the_template() {
    let binaries: BTreeSet<String> = template_routes().into_iter().map(|(_, _, b)| b).collect();
    let packages: BTreeSet<String> = ROUTES.iter().map(|r| r.function.package().to_owned()).collect();
    assert_eq!(binaries, packages);
}
