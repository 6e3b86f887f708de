//! The edge and operations half of `template.yaml`, checked offline
//! (docs/edge.md, docs/deploy.md): the CloudFront distribution and its
//! policies (the cache key holds only the session cookie and the query
//! strings the code reads, `broadsheet::http::cdn::CACHE_KEY_QUERY`), the
//! origin secret, the API's throttles, reserved concurrency, canary deploys
//! and the alarms that roll them back, the dashboard, and the aggregator's
//! schedule. `sam validate --lint` and `cfn-lint` check the rest.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeSet;

use broadsheet::auth::session::SESSION_COOKIE;
use broadsheet::http::cdn::CACHE_KEY_QUERY;
use serde_norway::Value;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");

/// CloudFront's managed `CachingDisabled` cache policy.
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

fn template() -> Value {
    serde_norway::from_str(&std::fs::read_to_string(TEMPLATE).unwrap()).unwrap()
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| {
        v.as_mapping().and_then(|m| m.get(key)).unwrap_or_else(|| panic!("no `{key}` in `{path}`"))
    })
}

fn opt<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

/// `(tag, value)` of an intrinsic function written as a tag (`!Ref X`).
fn tagged(v: &Value) -> (String, &Value) {
    match v {
        Value::Tagged(t) => (t.tag.to_string().trim_start_matches('!').to_owned(), &t.value),
        _ => panic!("not an intrinsic function: {v:?}"),
    }
}

fn is_ref(v: &Value, name: &str) -> bool {
    matches!(v, Value::Tagged(_)) && tagged(v) == ("Ref".to_owned(), &Value::String(name.to_owned()))
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_sequence().unwrap().iter().map(|s| str_of(s).to_owned()).collect()
}

fn resources(t: &Value) -> Vec<(String, &Value)> {
    get(t, "Resources").as_mapping().unwrap().iter().map(|(k, v)| (str_of(k).to_owned(), v)).collect()
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    resources(t).into_iter().filter(|(_, r)| str_of(get(r, "Type")) == ty).collect()
}

fn resource<'a>(t: &'a Value, id: &str) -> &'a Value {
    get(get(t, "Resources"), id)
}

#[test]
fn the_cache_key_holds_only_the_session_cookie_and_the_query_strings_pages_read() {
    let t = template();
    let config = get(resource(&t, "PageCachePolicy"), "Properties.CachePolicyConfig");
    // TTLs come from the origin; a response without caching headers is not stored.
    assert_eq!(get(config, "MinTTL").as_u64(), Some(0));
    assert_eq!(get(config, "DefaultTTL").as_u64(), Some(0));
    assert!(get(config, "MaxTTL").as_u64().unwrap() >= 3600);
    let key = get(config, "ParametersInCacheKeyAndForwardedToOrigin");
    assert_eq!(get(key, "EnableAcceptEncodingGzip").as_bool(), Some(true));
    assert_eq!(get(key, "EnableAcceptEncodingBrotli").as_bool(), Some(true));
    assert_eq!(str_of(get(key, "CookiesConfig.CookieBehavior")), "whitelist");
    assert_eq!(strings(get(key, "CookiesConfig.Cookies")), BTreeSet::from([SESSION_COOKIE.to_owned()]));
    assert_eq!(str_of(get(key, "HeadersConfig.HeaderBehavior")), "none");
    assert_eq!(str_of(get(key, "QueryStringsConfig.QueryStringBehavior")), "whitelist");
    let allowed: BTreeSet<String> = CACHE_KEY_QUERY.iter().map(|q| (*q).to_owned()).collect();
    assert_eq!(strings(get(key, "QueryStringsConfig.QueryStrings")), allowed, "cdn::CACHE_KEY_QUERY");
}

#[test]
fn the_origin_gets_what_the_functions_read_and_never_host() {
    let t = template();
    let config = get(resource(&t, "OriginRequestPolicy"), "Properties.OriginRequestPolicyConfig");
    assert_eq!(str_of(get(config, "HeadersConfig.HeaderBehavior")), "whitelist");
    let headers: BTreeSet<String> =
        strings(get(config, "HeadersConfig.Headers")).into_iter().map(|h| h.to_ascii_lowercase()).collect();
    for needed in
        ["cloudfront-viewer-address", "content-type", "origin", "sec-fetch-site", "user-agent", "accept"]
    {
        assert!(headers.contains(needed), "{needed} reaches the origin");
    }
    assert!(!headers.contains("host"), "API Gateway answers only to its own name");
    assert_eq!(str_of(get(config, "QueryStringsConfig.QueryStringBehavior")), "none", "only the key's");
    assert!(!strings(get(config, "CookiesConfig.Cookies")).contains(SESSION_COOKIE), "already in the key");
}

#[test]
fn the_distribution_fronts_the_api_compresses_passes_posts_and_never_caches_the_beacon() {
    let t = template();
    let config = get(resource(&t, "Distribution"), "Properties.DistributionConfig");
    let origins = get(config, "Origins").as_sequence().unwrap();
    assert_eq!(origins.len(), 1);
    let origin = &origins[0];
    let (sub, domain) = tagged(get(origin, "DomainName"));
    assert_eq!(sub, "Sub");
    assert!(str_of(domain).starts_with("${HttpApi}.execute-api."), "the HTTP API is the origin");
    assert_eq!(str_of(get(origin, "CustomOriginConfig.OriginProtocolPolicy")), "https-only");

    // The origin secret: a NoEcho parameter, sent only when set.
    let secret = get(&t, "Parameters.OriginSecret");
    assert_eq!(get(secret, "NoEcho").as_bool(), Some(true));
    assert_eq!(str_of(get(secret, "Default")), "");
    let (fn_if, args) = tagged(get(origin, "OriginCustomHeaders"));
    assert_eq!(fn_if, "If");
    let args = args.as_sequence().unwrap();
    assert_eq!(str_of(&args[0]), "HasOriginSecret");
    let header = &args[1].as_sequence().unwrap()[0];
    assert_eq!(str_of(get(header, "HeaderName")), "x-origin-verify");
    assert!(is_ref(get(header, "HeaderValue"), "OriginSecret"));
    let env = get(&t, "Globals.Function.Environment.Variables");
    assert!(is_ref(get(env, "BROADSHEET_ORIGIN_SECRET"), "OriginSecret"), "every function checks it");

    let default = get(config, "DefaultCacheBehavior");
    assert_eq!(get(default, "Compress").as_bool(), Some(true));
    assert!(strings(get(default, "AllowedMethods")).contains("POST"));
    assert_eq!(strings(get(default, "CachedMethods")), BTreeSet::from(["GET".to_owned(), "HEAD".to_owned()]));
    assert!(is_ref(get(default, "CachePolicyId"), "PageCachePolicy"));
    assert!(is_ref(get(default, "OriginRequestPolicyId"), "OriginRequestPolicy"));
    assert_eq!(str_of(get(default, "ViewerProtocolPolicy")), "redirect-to-https");

    let behaviors = get(config, "CacheBehaviors").as_sequence().unwrap();
    let beacon = behaviors.iter().find(|b| str_of(get(b, "PathPattern")) == "/articles/*/read").unwrap();
    assert_eq!(str_of(get(beacon, "CachePolicyId")), CACHING_DISABLED);
    assert!(is_ref(get(beacon, "OriginRequestPolicyId"), "OriginRequestPolicy"), "User-Agent reaches it");

    // An optional custom domain, its certificate a parameter.
    for p in ["DomainName", "CertificateArn"] {
        assert_eq!(str_of(get(&t, &format!("Parameters.{p}.Default"))), "");
    }
    assert_eq!(tagged(get(config, "Aliases")).0, "If");
    assert_eq!(tagged(get(config, "ViewerCertificate")).0, "If");
}

#[test]
fn login_signup_and_comment_posts_are_throttled_harder_than_the_rest() {
    let t = template();
    let api = get(resource(&t, "HttpApi"), "Properties");
    assert!(is_ref(get(api, "DefaultRouteSettings.ThrottlingRateLimit"), "ApiRateLimit"));
    assert!(is_ref(get(api, "DefaultRouteSettings.ThrottlingBurstLimit"), "ApiBurstLimit"));
    let strict: BTreeSet<&str> = get(api, "RouteSettings").as_mapping().unwrap().keys().map(str_of).collect();
    let posts = broadsheet::routes::ROUTES.iter().filter(|r| r.method == "POST").map(|r| r.pattern);
    let must: BTreeSet<String> = posts
        .filter(|p| *p == "/login" || *p == "/signup" || p.starts_with("/articles/{slug}/comments"))
        .filter(|p| !p.ends_with("/remove")) // a moderator's action, on the moderation function
        .map(|p| format!("POST {p}"))
        .collect();
    assert_eq!(strict, must.iter().map(String::as_str).collect(), "every login, sign-up and comment POST");
    for route in &strict {
        let s = get(get(api, "RouteSettings"), route);
        assert!(is_ref(get(s, "ThrottlingRateLimit"), "StrictRateLimit"), "{route}");
        assert!(is_ref(get(s, "ThrottlingBurstLimit"), "StrictBurstLimit"), "{route}");
    }
    let default = |p: &str| get(&t, &format!("Parameters.{p}.Default")).as_u64().unwrap();
    assert!(default("StrictRateLimit") < default("ApiRateLimit"));
    assert!(default("StrictBurstLimit") < default("ApiBurstLimit"));
}

#[test]
fn every_function_has_reserved_concurrency_a_canary_and_alarms_that_roll_it_back() {
    let t = template();
    assert_eq!(str_of(get(&t, "Globals.Function.AutoPublishAlias")), "live");
    let alarms: BTreeSet<String> =
        of_type(&t, "AWS::CloudWatch::Alarm").into_iter().map(|(id, _)| id).collect();
    let functions = of_type(&t, "AWS::Serverless::Function");
    // Every function, present and future: a new one needs its own
    // `{Name}Concurrency` parameter, canary and `{Name}Errors/ThrottlesAlarm`.
    assert!(functions.len() >= 6, "listing, article, login, comment, moderation, trending, …");
    for (id, f) in functions {
        let name = id.strip_suffix("Function").unwrap();
        let props = get(f, "Properties");
        let (fn_if, args) = tagged(get(props, "ReservedConcurrentExecutions"));
        assert_eq!(fn_if, "If", "{id}");
        let args = args.as_sequence().unwrap();
        let param = format!("{name}Concurrency");
        assert!(is_ref(&args[1], &param), "{id}: reserved concurrency is the parameter {param}");
        assert!(is_ref(&args[2], "AWS::NoValue"), "{id}: 0 reserves nothing");
        assert_eq!(str_of(get(&t, &format!("Parameters.{param}.Type"))), "Number");

        let deploy = get(props, "DeploymentPreference");
        assert!(is_ref(get(deploy, "Type"), "DeploymentType"), "{id}");
        let rollback: BTreeSet<String> = get(deploy, "Alarms")
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| str_of(tagged(a).1).to_owned())
            .collect();
        for own in [format!("{name}ErrorsAlarm"), format!("{name}ThrottlesAlarm")] {
            assert!(rollback.contains(&own), "{id} is rolled back by {own}");
        }
        assert!(rollback.is_subset(&alarms), "{id}: {rollback:?}");
    }
    assert!(
        get(&t, "Parameters.DeploymentType.AllowedValues")
            .as_sequence()
            .unwrap()
            .iter()
            .any(|v| { str_of(v).starts_with("Canary") })
    );
    assert!(str_of(get(&t, "Parameters.DeploymentType.Default")).starts_with("Canary"));
}

#[test]
fn the_operations_alarms_exist_and_notify_the_optional_topic() {
    let t = template();
    let alarms = of_type(&t, "AWS::CloudWatch::Alarm");
    let ids: BTreeSet<&str> = alarms.iter().map(|(id, _)| id.as_str()).collect();
    for needed in [
        "Api5xxRateAlarm",
        "ApiLatencyAlarm",
        "TableThrottlesAlarm",
        "TableSystemErrorsAlarm",
        "TrendingBehindAlarm",
    ] {
        assert!(ids.contains(needed), "{needed}");
    }
    for (id, _) in of_type(&t, "AWS::Serverless::Function") {
        let f = id.strip_suffix("Function").unwrap();
        for alarm in [format!("{f}ErrorsAlarm"), format!("{f}ThrottlesAlarm")] {
            assert!(ids.contains(alarm.as_str()), "{alarm}");
        }
    }
    assert_eq!(get(resource(&t, "ApiLatencyAlarm"), "Properties.ExtendedStatistic").as_str(), Some("p99"));
    assert_eq!(str_of(get(&t, "Parameters.AlarmTopicArn.Default")), "");
    for (id, alarm) in &alarms {
        let (fn_if, args) = tagged(get(alarm, "Properties.AlarmActions"));
        assert_eq!(fn_if, "If", "{id}");
        assert_eq!(str_of(&args.as_sequence().unwrap()[0]), "HasAlarmTopic", "{id}");
    }
    assert_eq!(of_type(&t, "AWS::CloudWatch::Dashboard").len(), 1);
}

#[test]
fn the_aggregator_runs_every_minute() {
    let t = template();
    let f = resource(&t, "TrendingFunction");
    let events = get(f, "Properties.Events").as_mapping().unwrap();
    let schedules: Vec<&Value> = events.values().filter(|e| str_of(get(e, "Type")) == "Schedule").collect();
    assert_eq!(schedules.len(), 1);
    assert_eq!(str_of(get(schedules[0], "Properties.Schedule")), "rate(1 minute)");
    assert!(
        opt(get(f, "Properties"), "Timeout").and_then(Value::as_u64).unwrap() < 60,
        "done within its minute"
    );
}
