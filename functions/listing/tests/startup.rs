//! The function's binary started without its configuration: a clear JSON log
//! line naming what is wrong and exit code 1 (Lambda reports an init error),
//! before anything else — no panic, no attempt to reach DynamoDB or the runtime API.

use std::process::Command;

fn run_with(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_broadsheet-listing"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary starts");
    let mut logs = String::from_utf8_lossy(&out.stdout).into_owned();
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code(), logs)
}

#[test]
fn a_missing_or_invalid_setting_is_a_log_line_and_exit_1() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "environment variable BROADSHEET_TABLE is not set"),
        (&[("BROADSHEET_TABLE", "news")], "environment variable BROADSHEET_SITE_ORIGIN is not set"),
        (
            &[("BROADSHEET_TABLE", "news"), ("BROADSHEET_SITE_ORIGIN", "news.example.com")],
            "environment variable BROADSHEET_SITE_ORIGIN is invalid",
        ),
        // The placeholder a first deploy without a domain might be given.
        (
            &[("BROADSHEET_TABLE", "news"), ("BROADSHEET_SITE_ORIGIN", "https://example.invalid/")],
            "environment variable BROADSHEET_SITE_ORIGIN is invalid: https://example.invalid is a placeholder",
        ),
        (
            &[("BROADSHEET_TABLE", "news"), ("BROADSHEET_SITE_ORIGIN", "https://news.example.co.uk/")],
            "environment variable AWS_REGION is not set",
        ),
    ];
    for (env, message) in cases {
        let (code, logs) = run_with(env);
        assert_eq!(code, Some(1), "{logs}");
        let line: serde_json::Value = serde_json::from_str(logs.trim()).expect("one JSON log line");
        assert_eq!(line["level"], "ERROR");
        assert_eq!(line["fields"]["message"], "invalid configuration; exiting");
        assert!(line["fields"]["error"].as_str().unwrap_or_default().starts_with(message), "{logs}");
        assert!(!logs.contains("panicked"), "{logs}");
    }
}
