//! The CLI finds the credentials operators log in with: a `credential_process`
//! profile and an SSO (IAM Identity Center) profile, each in a fake home
//! directory, through the real `broadsheet credentials` command — and it
//! names no region it was not given.
//!
//! Every run clears the environment, so nothing of the machine's own AWS
//! set-up (or the test server's dummy keys) is seen. The SSO portal is a stub
//! on a loopback port (`AWS_ENDPOINT_URL_SSO`), answering the one request the
//! SDK makes with the token it read from the SSO cache.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

fn broadsheet(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_CONFIG_FILE", home.join(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
        // No instance metadata on a developer's machine: fail fast, never wait for it.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .output()
        .expect("broadsheet runs")
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, contents).expect("write");
}

#[test]
fn a_credential_process_profile_is_used() {
    let home = tempfile::tempdir().expect("tempdir");
    let process = home.path().join("bin/newsroom-credentials");
    write(
        &process,
        r#"#!/bin/sh
echo '{"Version":1,"AccessKeyId":"AKIDFROMPROCESS7","SecretAccessKey":"stub","SessionToken":"stub","Expiration":"2099-01-01T00:00:00Z"}'
"#,
    );
    write(
        &home.path().join(".aws/config"),
        &format!("[profile newsroom]\nregion = eu-west-3\ncredential_process = sh {}\n", process.display()),
    );
    let out = broadsheet(home.path(), &[("AWS_PROFILE", "newsroom")], &["credentials"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("region      eu-west-3"), "the profile's region: {stdout}");
    assert!(stdout.contains("access key  ************ESS7"), "the process's key, masked: {stdout}");
    assert!(stdout.contains("expires     2099-01-01T00:00:00Z"), "{stdout}");
    assert!(!stdout.contains("stub"), "no secret printed: {stdout}");
}

/// A stand-in for the SSO portal's `GetRoleCredentials`: answers one request,
/// with credentials only if it carries `token`. Returns its URL.
fn sso_portal(token: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_ascii_lowercase());
        }
        let authorised = head
            .first()
            .is_some_and(|l| l.starts_with("get /federation/credentials?") && l.contains("role_name=editor"))
            && head.iter().any(|h| *h == format!("x-amz-sso_bearer_token: {token}"));
        let (status, body) = if authorised {
            (
                "200 OK",
                r#"{"roleCredentials":{"accessKeyId":"ASIAFROMSSOPORTAL","secretAccessKey":"stub","sessionToken":"stub","expiration":4102444800000}}"#,
            )
        } else {
            ("401 Unauthorized", r#"{"message":"bad token"}"#)
        };
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    url
}

const SSO_CONFIG: &str = "\
[profile editor]
sso_session = newsroom
sso_account_id = 111122223333
sso_role_name = Editor
region = eu-west-3

[sso-session newsroom]
sso_start_url = https://newsroom.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
";

/// `~/.aws/sso/cache/<SHA-1 of the session name>.json`, where `aws sso login`
/// leaves the token; the SHA-1 of "newsroom".
const SSO_CACHE: &str = ".aws/sso/cache/69ff420b82eef2a15f25df97a2a223a94d95a832.json";

#[test]
fn an_sso_profile_is_used_after_aws_sso_login() {
    let home = tempfile::tempdir().expect("tempdir");
    write(&home.path().join(".aws/config"), SSO_CONFIG);
    write(
        &home.path().join(SSO_CACHE),
        r#"{"accessToken":"token-from-sso-login","expiresAt":"2099-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://newsroom.awsapps.com/start"}"#,
    );
    let portal = sso_portal("token-from-sso-login");
    let out = broadsheet(
        home.path(),
        &[("AWS_PROFILE", "editor"), ("AWS_ENDPOINT_URL_SSO", &portal)],
        &["credentials"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("region      eu-west-3"), "{stdout}");
    assert!(stdout.contains("RTAL"), "the portal's key: {stdout}");
    assert!(stdout.contains("account     111122223333"), "{stdout}");
}

#[test]
fn an_sso_profile_without_a_login_says_to_log_in() {
    let home = tempfile::tempdir().expect("tempdir");
    write(&home.path().join(".aws/config"), SSO_CONFIG);
    let out = broadsheet(home.path(), &[("AWS_PROFILE", "editor")], &["credentials"]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("cargo feature"), "SSO is built in: {stderr}");
    assert!(stderr.contains("aws sso login"), "{stderr}");
}

#[test]
fn there_is_no_default_region_for_aws() {
    let home = tempfile::tempdir().expect("tempdir");
    let keys = [("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1"), ("AWS_SECRET_ACCESS_KEY", "stub")];
    let out = broadsheet(home.path(), &keys, &["credentials"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS region is configured"), "{}", text(&out));
    let out = broadsheet(home.path(), &keys, &["import", "no-such-dir", "--table", "news"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS region is configured"), "{}", text(&out));

    let local = [&keys[..], &[("BROADSHEET_DYNAMODB_ENDPOINT", "http://127.0.0.1:9")]].concat();
    let out = broadsheet(home.path(), &local, &["credentials"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("region      us-east-1"), "{}", text(&out));

    let region = [&keys[..], &[("AWS_REGION", "ap-southeast-2")]].concat();
    let out = broadsheet(home.path(), &region, &["credentials"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("region      ap-southeast-2"), "{}", text(&out));
}
