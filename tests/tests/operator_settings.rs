//! No tracked file holds an operator's settings. A deployment's stack name,
//! region and parameters (`SiteOrigin`, `TableName` …) live in an untracked
//! `samconfig.toml` that `sam deploy --guided` (or docs/deploy.md, by hand)
//! writes: tracked, every pull, checkout of an old commit or rollback would
//! rewrite a deployment's settings or conflict with them, and the next plain
//! `sam deploy` would put someone else's `SiteOrigin` back.

use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The repository's tracked files, as `git ls-files` lists them.
fn tracked_files() -> Vec<String> {
    let out = Command::new("git")
        .args(["-C", ROOT, "ls-files", "-z"])
        .output()
        .expect("git runs (this test reads the repository's tracked files)");
    assert!(out.status.success(), "git ls-files: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("UTF-8 paths")
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a config file's text holds deploy settings: a samconfig
/// `[<env>.<command>.parameters]` table, or the keys `sam deploy` saves.
fn holds_deploy_settings(text: &str) -> bool {
    text.lines().map(str::trim).any(|line| {
        let table = line.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
        table.is_some_and(|t| t.ends_with(".parameters"))
            || ["parameter_overrides", "stack_name", "s3_bucket", "resolve_s3"].iter().any(|key| {
                line.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(['=', ':']))
            })
    })
}

#[test]
fn no_tracked_file_holds_operator_settings() {
    let files = tracked_files();
    let named_like_settings: Vec<_> = files
        .iter()
        .filter(|f| {
            let name = Path::new(f).file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("samconfig") || name == "env.json" || f.starts_with(".aws-sam/")
        })
        .collect();
    assert!(named_like_settings.is_empty(), "operator settings are tracked: {named_like_settings:?}");
    let with_settings: Vec<_> = files
        .iter()
        .filter(|f| [".toml", ".yaml", ".yml", ".json"].iter().any(|ext| f.ends_with(ext)))
        .filter(|f| std::fs::read_to_string(Path::new(ROOT).join(f)).is_ok_and(|t| holds_deploy_settings(&t)))
        .collect();
    assert!(with_settings.is_empty(), "deploy settings in tracked files: {with_settings:?}");
}

#[test]
fn samconfig_is_ignored() {
    let out = Command::new("git")
        .args(["-C", ROOT, "check-ignore", "-q", "samconfig.toml"])
        .status()
        .expect("git runs");
    assert!(out.success(), "samconfig.toml must be in .gitignore");
}

#[test]
fn the_check_recognises_saved_settings() {
    let saved = "version = 0.1\n[default.deploy.parameters]\nstack_name = \"broadsheet\"\n";
    assert!(holds_deploy_settings(saved));
    assert!(holds_deploy_settings("[prod.global.parameters]\nregion = \"eu-west-1\"\n"));
    assert!(holds_deploy_settings("parameter_overrides = \"SiteOrigin=https://news.example.com\""));
    assert!(!holds_deploy_settings("[workspace.metadata.lambda.watch.router]\n\"/\" = []\n"));
    assert!(!holds_deploy_settings("[package]\nname = \"x\"\n"));
}
