//! Least privilege: every function's policy in `template.yaml` grants exactly
//! what `docs/iam.md` lists for it, every statement is narrowed by
//! `dynamodb:LeadingKeys`, and the partitions that matter stay out of reach
//! (accounts and login counters for all but the login function; article
//! content for every writer).
//!
//! A grant is one (function, action, resource, partition-key pattern), with
//! the `dynamodb:Attributes` and `dynamodb:ReturnValues` lists that limit it.
//! The template's statements and the doc's tables are both flattened into
//! grants and compared both ways.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_norway::Value;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/iam.md");

const POLICY_VERSION: &str = "2012-10-17";

/// Actions whose requests always carry the partition key(s) they reach. On
/// any other (`Scan`, batch, PartiQL) `dynamodb:LeadingKeys` can be empty,
/// and a `ForAllValues` condition on an empty set is true: no narrowing.
const KEYED_ACTIONS: [&str; 6] = [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
];

const ATTRIBUTE_WRITES: [&str; 2] = ["dynamodb:PutItem", "dynamodb:UpdateItem"];

/// `ReturnValues` that return nothing beyond the attributes a request names
/// (`ALL_OLD` / `ALL_NEW` would return the whole item).
const NARROW_RETURN_VALUES: [&str; 3] = ["NONE", "UPDATED_OLD", "UPDATED_NEW"];

/// The condition operators a statement may use: `ForAllValues:StringLike`
/// on the partition keys (required) and attributes, `StringEqualsIfExists`
/// on `ReturnValues`. Any other is reported, not silently trusted.
const FOR_ALL_LIKE: &str = "ForAllValues:StringLike";
const IF_EXISTS: &str = "StringEqualsIfExists";
const LEADING_KEYS: &str = "dynamodb:LeadingKeys";
const ATTRIBUTES: &str = "dynamodb:Attributes";
const RETURN_VALUES: &str = "dynamodb:ReturnValues";

/// The key pattern of a statement without a key condition: every key.
const WHOLE_TABLE: &str = "*";

/// The function that owns accounts, sessions' creation and login throttling.
const LOGIN: &str = "LoginFunction";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    function: String,
    action: String,
    /// `table` or `index/{name}`.
    resource: String,
    /// A `dynamodb:LeadingKeys` pattern (`*` and `?` as in `StringLike`).
    key: String,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} on {} for {}", self.function, self.action, self.resource, self.key)
    }
}

/// What limits a grant beyond its key: `None` = no condition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Limits {
    attributes: Option<BTreeSet<String>>,
    return_values: Option<BTreeSet<String>>,
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<BTreeSet<String>>| match v {
            Some(set) => format!("{set:?}"),
            None => "—".to_owned(),
        };
        write!(f, "attributes {}, ReturnValues {}", show(&self.attributes), show(&self.return_values))
    }
}

type Grants = BTreeMap<Grant, Limits>;

/// Everything wrong, reported together.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, problem: String) {
        self.0.push(problem);
    }

    fn assert_none(self, what: &str) {
        assert!(self.0.is_empty(), "{what}:\n  {}", self.0.join("\n  "));
    }
}

/// Adds every combination of `actions`, `resources` and `keys` to `grants`;
/// one grant listed twice is ambiguous (which limits hold?) and a problem.
fn insert_all(
    grants: &mut Grants,
    problems: &mut Problems,
    place: &str,
    function: &str,
    (actions, resources, keys): (&[String], &[String], &[String]),
    limits: &Limits,
) {
    for action in actions {
        for resource in resources {
            for key in keys {
                let grant = Grant {
                    function: function.to_owned(),
                    action: action.clone(),
                    resource: resource.clone(),
                    key: key.clone(),
                };
                if grants.insert(grant.clone(), limits.clone()).is_some() {
                    problems.add(format!("{place}: {grant} is granted twice"));
                }
            }
        }
    }
}

// ---- template.yaml ----------------------------------------------------------

fn template() -> Value {
    let text = std::fs::read_to_string(TEMPLATE).expect("template.yaml is readable");
    serde_norway::from_str(&text).expect("template.yaml is YAML")
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping().and_then(|m| m.get(key))
}

/// The resources of type `ty`, by logical id.
fn resources_of<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    let resources = get(t, "Resources").and_then(Value::as_mapping).expect("Resources");
    resources
        .iter()
        .filter(|(_, r)| get(r, "Type").and_then(Value::as_str) == Some(ty))
        .map(|(id, r)| (id.as_str().expect("logical ids are strings").to_owned(), r))
        .collect()
}

/// A string or a list of strings (IAM allows both for most elements).
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Sequence(items) => items.iter().map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// An intrinsic function as (name, argument), in either spelling: the short
/// tag (`!GetAtt Table.Arn`, which YAML parses as a tagged value) or the
/// long form (`{"Fn::GetAtt": [Table, Arn]}`).
fn intrinsic(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            Some((tag.trim_start_matches('!').to_owned(), &tagged.value))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (name, arg) = m.iter().next()?;
            Some((name.as_str()?.strip_prefix("Fn::")?.to_owned(), arg))
        }
        _ => None,
    }
}

/// The table's logical id and its global secondary indexes.
fn table(t: &Value) -> (String, BTreeSet<String>) {
    let tables = resources_of(t, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 1, "one table (single-table design)");
    let (id, table) = &tables[0];
    let indexes = get(table, "Properties")
        .and_then(|p| get(p, "GlobalSecondaryIndexes"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|gsi| get(gsi, "IndexName").and_then(Value::as_str).map(str::to_owned))
        .collect();
    (id.clone(), indexes)
}

/// A statement's resource as `table` or `index/{name}`, in the one form that
/// follows the `TableName` parameter: `!If [CreateTable, <the created
/// table's ARN>, <the attached table's ARN>]`, both naming the same table or
/// index — the created table's `!GetAtt Table.Arn` (or `!Sub
/// "${Table.Arn}/index/GSI1"`), the attached one's
/// `!Sub "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}"`
/// (or that with `/index/GSI1`). Anything else (a wildcard, another resource,
/// a literal ARN, an ARN that would miss an attached table) is refused.
fn resource(v: &Value, table: &str, indexes: &BTreeSet<String>) -> Result<String, String> {
    let refused = || {
        format!(
            "resource {v:?} is not !If [{CREATE_TABLE}, <the table's or an index's ARN>, <the same for TableName>]"
        )
    };
    let (name, arg) = intrinsic(v).ok_or_else(refused)?;
    let branches = arg.as_sequence().filter(|a| name == "If" && a.len() == 3).ok_or_else(refused)?;
    if branches[0].as_str() != Some(CREATE_TABLE) {
        return Err(refused());
    }
    let created = created_resource(&branches[1], table, indexes)?;
    let attached = attached_resource(&branches[2], indexes)?;
    if created == attached {
        Ok(created)
    } else {
        Err(format!("{created} when created, {attached} when attached"))
    }
}

/// The condition under which the stack creates the table itself.
const CREATE_TABLE: &str = "CreateTable";

/// The created table's ARN (`!GetAtt Table.Arn`) or one of its indexes'
/// (`!Sub "${Table.Arn}/index/GSI1"`), as `table` or `index/{name}`.
fn created_resource(v: &Value, table: &str, indexes: &BTreeSet<String>) -> Result<String, String> {
    let refused = || format!("resource {v:?} is neither the table's ARN nor one of its indexes");
    let (name, arg) = intrinsic(v).ok_or_else(refused)?;
    let arn = format!("{table}.Arn");
    match name.as_str() {
        "GetAtt" => {
            let target = match arg {
                Value::String(s) => s.clone(),
                Value::Sequence(_) => strings(arg).ok_or_else(refused)?.join("."),
                _ => return Err(refused()),
            };
            if target == arn { Ok("table".to_owned()) } else { Err(refused()) }
        }
        "Sub" => {
            let text = arg.as_str().ok_or_else(refused)?;
            index_or_table(text.strip_prefix(&format!("${{{arn}}}")).ok_or_else(refused)?, indexes)
                .ok_or_else(refused)
        }
        _ => Err(refused()),
    }
}

/// The attached table's ARN, built from the `TableName` parameter, or one of
/// its indexes', as `table` or `index/{name}`.
fn attached_resource(v: &Value, indexes: &BTreeSet<String>) -> Result<String, String> {
    const ARN: &str = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}";
    let refused = || format!("resource {v:?} is not the attached table's ARN ({ARN}) nor one of its indexes");
    match intrinsic(v).ok_or_else(refused)? {
        (name, Value::String(text)) if name == "Sub" => {
            index_or_table(text.strip_prefix(ARN).ok_or_else(refused)?, indexes).ok_or_else(refused)
        }
        _ => Err(refused()),
    }
}

/// What follows a table's ARN: nothing (`table`) or `/index/{a known index}`.
fn index_or_table(rest: &str, indexes: &BTreeSet<String>) -> Option<String> {
    match rest {
        "" => Some("table".to_owned()),
        rest => rest.strip_prefix("/index/").filter(|i| indexes.contains(*i)).map(|i| format!("index/{i}")),
    }
}

/// The limits a statement's `Condition` sets, and its `LeadingKeys`
/// patterns; a condition this test cannot account for is a problem.
fn condition(place: &str, v: Option<&Value>, problems: &mut Problems) -> (Vec<String>, Limits) {
    let mut keys = Vec::new();
    let mut limits = Limits { attributes: None, return_values: None };
    let Some(condition) = v.and_then(Value::as_mapping) else {
        problems.add(format!("{place}: no Condition, so no {LEADING_KEYS}: it reaches the whole table"));
        return (vec![WHOLE_TABLE.to_owned()], limits);
    };
    for (operator, block) in condition {
        let operator = operator.as_str().unwrap_or_default();
        let Some(block) = block.as_mapping() else {
            problems.add(format!("{place}: condition {operator} is not a mapping"));
            continue;
        };
        for (key, values) in block {
            let key = key.as_str().unwrap_or_default();
            let Some(values) = strings(values).filter(|v| !v.is_empty()) else {
                problems.add(format!("{place}: {operator} {key} is not a non-empty list of strings"));
                continue;
            };
            match (operator, key) {
                (FOR_ALL_LIKE, LEADING_KEYS) => keys = values,
                (FOR_ALL_LIKE, ATTRIBUTES) => limits.attributes = Some(values.into_iter().collect()),
                (IF_EXISTS, RETURN_VALUES) => limits.return_values = Some(values.into_iter().collect()),
                _ => problems.add(format!(
                    "{place}: condition {operator} on {key} is not one this test (and docs/iam.md) accounts for"
                )),
            }
        }
    }
    if keys.is_empty() {
        problems.add(format!("{place}: no {FOR_ALL_LIKE} condition on {LEADING_KEYS}"));
        keys.push(WHOLE_TABLE.to_owned());
    }
    (keys, limits)
}

/// Every grant of every function's policies, checking the policies' shape.
fn template_grants(t: &Value, problems: &mut Problems) -> (BTreeSet<String>, Grants) {
    let (table, indexes) = table(t);
    if let Some(globals) = get(t, "Globals").and_then(|g| get(g, "Function")) {
        for key in ["Policies", "Role"] {
            if get(globals, key).is_some() {
                problems.add(format!("Globals.Function.{key}: grant permissions per function"));
            }
        }
    }
    let mut functions = BTreeSet::new();
    let mut grants = Grants::new();
    for (function, resource_def) in resources_of(t, "AWS::Serverless::Function") {
        functions.insert(function.clone());
        let props = get(resource_def, "Properties").expect("function properties");
        if get(props, "Role").is_some() {
            problems.add(format!("{function}: a Role of its own bypasses Policies (and this test)"));
        }
        let policies = match get(props, "Policies") {
            None => Vec::new(),
            Some(Value::Sequence(policies)) => policies.clone(),
            Some(other) => {
                problems.add(format!("{function}.Policies: a list of policy documents, not {other:?}"));
                Vec::new()
            }
        };
        for (p, policy) in policies.iter().enumerate() {
            let place = format!("{function}.Policies[{p}]");
            if !policy.is_mapping() {
                problems
                    .add(format!("{place}: a named or template policy ({policy:?}); write the statements"));
                continue;
            }
            if get(policy, "Version").and_then(Value::as_str) != Some(POLICY_VERSION) {
                problems.add(format!("{place}: Version must be \"{POLICY_VERSION}\""));
            }
            let extra: Vec<_> = policy
                .as_mapping()
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.as_str())
                .filter(|k| !["Version", "Statement"].contains(k))
                .collect();
            if !extra.is_empty() {
                problems.add(format!("{place}: unexpected keys {extra:?}"));
            }
            let Some(statements) = get(policy, "Statement").and_then(Value::as_sequence) else {
                problems.add(format!("{place}: Statement must be a list of statements"));
                continue;
            };
            for (s, statement) in statements.iter().enumerate() {
                let sid = get(statement, "Sid").and_then(Value::as_str).map(str::to_owned);
                let place = format!("{place}.Statement[{}]", sid.unwrap_or_else(|| s.to_string()));
                statement_grants(&place, &function, statement, (&table, &indexes), &mut grants, problems);
            }
        }
    }
    (functions, grants)
}

fn statement_grants(
    place: &str,
    function: &str,
    statement: &Value,
    (table, indexes): (&str, &BTreeSet<String>),
    grants: &mut Grants,
    problems: &mut Problems,
) {
    for key in statement.as_mapping().into_iter().flatten().filter_map(|(k, _)| k.as_str()) {
        if !["Sid", "Effect", "Action", "Resource", "Condition"].contains(&key) {
            problems.add(format!("{place}: {key} is not expected (NotAction/NotResource grant too much)"));
        }
    }
    if get(statement, "Effect").and_then(Value::as_str) != Some("Allow") {
        problems.add(format!("{place}: Effect must be Allow"));
    }
    let actions = get(statement, "Action").and_then(strings).unwrap_or_default();
    if !actions.is_empty() && actions.iter().all(|a| a.starts_with("s3:")) {
        return s3_statement_grants(place, function, statement, &actions, grants, problems);
    }
    if actions.is_empty() {
        problems.add(format!("{place}: no Action"));
    }
    for action in &actions {
        if !KEYED_ACTIONS.contains(&action.as_str()) {
            problems.add(format!(
                "{place}: {action} is not an item-level action whose requests always carry a partition key"
            ));
        }
    }
    let resources: Vec<String> = match get(statement, "Resource") {
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    }
    .into_iter()
    .filter_map(|r| resource(r, table, indexes).map_err(|e| problems.add(format!("{place}: {e}"))).ok())
    .collect();
    if resources.is_empty() {
        problems.add(format!("{place}: no Resource"));
    }
    let (keys, limits) = condition(place, get(statement, "Condition"), problems);
    if let Some(attributes) = &limits.attributes {
        for required in ["PK", "SK"] {
            if !attributes.contains(required) {
                problems.add(format!("{place}: {ATTRIBUTES} must list the key attribute {required}"));
            }
        }
        if attributes.iter().any(|a| a.contains(['*', '?'])) {
            problems.add(format!("{place}: {ATTRIBUTES} lists exact names, no patterns"));
        }
        let narrow = limits
            .return_values
            .as_ref()
            .is_some_and(|rv| rv.iter().all(|v| NARROW_RETURN_VALUES.contains(&v.as_str())));
        if !narrow {
            problems.add(format!(
                "{place}: with {ATTRIBUTES}, {IF_EXISTS} {RETURN_VALUES} must be within {NARROW_RETURN_VALUES:?}, \
                 or ALL_OLD/ALL_NEW return attributes outside the list"
            ));
        }
    }
    insert_all(grants, problems, place, function, (&actions, &resources, &keys), &limits);
}

/// The search index's object: the one S3 resource a function may name,
/// written `!Sub "${IndexBucket.Arn}/search/index.tar"`.
const INDEX_OBJECT: &str = "${IndexBucket.Arn}/search/index.tar";
/// The only S3 action a function may hold: reading that object.
const S3_ACTIONS: [&str; 1] = ["s3:GetObject"];

/// An S3 statement: exactly `s3:GetObject` on exactly the index object, no
/// condition. Its grant is (function, action, `IndexBucket/search/index.tar`, `—`).
fn s3_statement_grants(
    place: &str,
    function: &str,
    statement: &Value,
    actions: &[String],
    grants: &mut Grants,
    problems: &mut Problems,
) {
    for action in actions {
        if !S3_ACTIONS.contains(&action.as_str()) {
            problems.add(format!("{place}: {action} is more than reading the search index"));
        }
    }
    let object = get(statement, "Resource").and_then(intrinsic).and_then(|(name, arg)| {
        (name == "Sub" && arg.as_str() == Some(INDEX_OBJECT)).then_some("IndexBucket/search/index.tar")
    });
    let Some(object) = object else {
        problems.add(format!("{place}: an S3 statement's Resource must be !Sub \"{INDEX_OBJECT}\""));
        return;
    };
    if get(statement, "Condition").is_some() {
        problems.add(format!("{place}: an S3 statement takes no Condition here"));
    }
    let limits = Limits { attributes: None, return_values: None };
    let keys = vec!["—".to_owned()];
    insert_all(grants, problems, place, function, (actions, &[object.to_owned()], &keys), &limits);
}

// ---- docs/iam.md -------------------------------------------------------------

/// The code spans (`…`) of a table cell.
fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// A limits cell: `—` for no condition, otherwise its code spans.
fn limit_cell(cell: &str) -> Result<Option<BTreeSet<String>>, String> {
    if matches!(cell, "—" | "-") {
        return Ok(None);
    }
    let spans = code_spans(cell);
    if spans.is_empty() {
        Err(format!("{cell:?} is neither `—` nor a list of `names`"))
    } else {
        Ok(Some(spans.into_iter().collect()))
    }
}

const DOC_COLUMNS: [&str; 6] = ["action", "on", "partition keys", "attributes", "returnvalues", "why"];

/// The functions with a section in the doc (a heading naming `…Function`),
/// and the grants of the tables under them.
fn doc_grants(text: &str, problems: &mut Problems) -> (BTreeSet<String>, Grants) {
    let mut functions = BTreeSet::new();
    let mut grants = Grants::new();
    let mut function: Option<String> = None;
    // Inside a table, and whether its header (first row) makes it a grants table.
    let mut table: Option<bool> = None;
    for (n, line) in text.lines().enumerate() {
        let place = format!("docs/iam.md:{}", n + 1);
        let line = line.trim();
        if line.starts_with('#') {
            function = code_spans(line).into_iter().find(|s| s.ends_with("Function"));
            functions.extend(function.clone());
        }
        if !line.starts_with('|') {
            table = None;
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(is_grants) = table else {
            let header: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
            let is_grants = header.first().is_some_and(|c| c == "action");
            if is_grants && header != DOC_COLUMNS {
                problems.add(format!("{place}: a grants table must have the columns {DOC_COLUMNS:?}"));
            }
            if is_grants && function.is_none() {
                problems.add(format!("{place}: a grants table outside a function's section"));
            }
            table = Some(is_grants);
            continue;
        };
        if !is_grants || cells.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':'))) {
            continue;
        }
        let Some(function) = &function else { continue };
        let &[action, on, keys, attributes, return_values, why] = cells.as_slice() else {
            problems.add(format!("{place}: a grants row must have {} cells", DOC_COLUMNS.len()));
            continue;
        };
        let (actions, resources, keys) = (code_spans(action), code_spans(on), code_spans(keys));
        for (what, list) in [("action", &actions), ("on", &resources), ("partition keys", &keys)] {
            if list.is_empty() {
                problems.add(format!("{place}: no `{what}`"));
            }
        }
        if why.len() < 20 {
            problems.add(format!("{place}: say why (which code path) the grant is needed"));
        }
        let limits = match (limit_cell(attributes), limit_cell(return_values)) {
            (Ok(attributes), Ok(return_values)) => Limits { attributes, return_values },
            (Err(e), _) | (_, Err(e)) => {
                problems.add(format!("{place}: {e}"));
                continue;
            }
        };
        insert_all(&mut grants, problems, &place, function, (&actions, &resources, &keys), &limits);
    }
    (functions, grants)
}

// ---- checks --------------------------------------------------------------------

/// IAM's `StringLike`: `*` matches any run of characters, `?` any one.
fn like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < v.len() {
        match p.get(i) {
            Some('*') => {
                star = Some((i, j));
                i += 1;
            }
            Some(&c) if c == '?' || c == v[j] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, sj)) => {
                    i = si + 1;
                    j = sj + 1;
                    star = Some((si, sj + 1));
                }
                None => return false,
            },
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// What the template grants, a statement without a key condition counting
/// as a grant on every key (its other faults are the first test's to report).
fn deployed_grants() -> Grants {
    let (_, grants) = template_grants(&template(), &mut Problems::default());
    grants
}

/// The template and the doc grant the same, every statement is narrowed by
/// partition key, and attribute limits come with narrow `ReturnValues`.
#[test]
fn every_function_policy_is_narrowed_and_matches_docs_iam() {
    let mut problems = Problems::default();
    let (functions, template) = template_grants(&template(), &mut problems);
    let text = std::fs::read_to_string(DOC).expect("docs/iam.md is readable");
    let (documented, doc) = doc_grants(&text, &mut problems);
    if functions != documented {
        problems.add(format!(
            "functions in template.yaml {functions:?} and sections of docs/iam.md {documented:?} differ"
        ));
    }
    for (grant, limits) in &template {
        match doc.get(grant) {
            None => problems.add(format!("{grant} ({limits}) is granted but not listed in docs/iam.md")),
            Some(listed) if listed != limits => {
                problems.add(format!("{grant}: template.yaml has {limits}, docs/iam.md {listed}"));
            }
            Some(_) => {}
        }
    }
    for (grant, limits) in &doc {
        if !template.contains_key(grant) {
            problems.add(format!("{grant} ({limits}) is listed in docs/iam.md but not granted"));
        }
    }
    problems.assert_none("template.yaml and docs/iam.md");
}

/// Password hashes and login throttles: only the login function reaches
/// `USER#` items and the login and sign-up counters, read or write: only
/// the login function reaches them whole. The comment and moderation
/// functions may touch an account's standing only (the moderator role and
/// the suspension: `STANDING`), through an attribute list that keeps the
/// password hash, the display name and every other attribute out of reach.
#[test]
fn only_the_login_function_reaches_accounts_and_login_counters() {
    const STANDING: [&str; 4] = ["PK", "SK", "moderator", "suspended_until"];
    let counters = ["RATE#login-user#alice", "RATE#login-addr#192.0.2.1", "RATE#signup-addr#192.0.2.1"];
    let mut problems = Problems::default();
    let grants = deployed_grants();
    for (grant, limits) in grants.iter().filter(|(g, _)| g.function != LOGIN && g.resource == "table") {
        for key in counters.iter().filter(|k| like(&grant.key, k)) {
            problems.add(format!("{grant} reaches {key}"));
        }
        if like(&grant.key, "USER#alice") {
            let standing_only =
                limits.attributes.as_ref().is_some_and(|a| a.iter().all(|x| STANDING.contains(&x.as_str())));
            if !standing_only {
                problems.add(format!("{grant} reaches accounts beyond their standing ({limits})"));
            }
        }
    }
    let login_reads_accounts = grants
        .keys()
        .any(|g| g.function == LOGIN && g.action == "dynamodb:GetItem" && like(&g.key, "USER#alice"));
    assert!(login_reads_accounts, "the login function reads accounts (find_user)");
    problems.assert_none("accounts and login counters");
}

/// `body_html` is rendered unescaped: no function may write an article's
/// content. Every write to an article partition is limited to attributes
/// that are not the article's.
#[test]
fn no_function_can_write_article_content() {
    let content = [
        "body_html",
        "title",
        "summary",
        "slug",
        "category",
        "published_at",
        "GSI1PK",
        "GSI1SK",
        "GSI2PK",
        "GSI2SK",
    ];
    let mut problems = Problems::default();
    for (grant, limits) in deployed_grants() {
        let writes_attributes = ATTRIBUTE_WRITES.contains(&grant.action.as_str());
        if grant.resource != "table" || !writes_attributes || !like(&grant.key, "ARTICLE#some-story") {
            continue;
        }
        match &limits.attributes {
            None => problems.add(format!("{grant}: no {ATTRIBUTES} limit, so it can write any attribute")),
            Some(attributes) => {
                for attribute in content.iter().filter(|a| attributes.contains(**a)) {
                    problems.add(format!("{grant}: may write the article's {attribute}"));
                }
            }
        }
    }
    problems.assert_none("writes to article partitions");
}

#[test]
fn string_like_matches_as_iam_does() {
    assert!(like("USER#*", "USER#alice"));
    assert!(like("*", "USER#alice"));
    assert!(like("U*", "USER#alice"));
    assert!(like("RATE#*", "RATE#login-user#alice"));
    assert!(like("RATE#login-?ser#*", "RATE#login-user#alice"));
    assert!(like("WARMUP", "WARMUP"));
    assert!(like("A*B*C", "AxxBxxBxxC"));
    assert!(!like("WARMUP", "WARMUPS"));
    assert!(!like("SESSION#*", "USER#alice"));
    assert!(!like("RATE#comment#*", "RATE#login-user#alice"));
    assert!(!like("ARTICLE#*", "ARTICLES"));
    assert!(!like("A*B", "AxxBx"));
}

/// The parsers themselves: a template statement as the old template wrote
/// them (no version, no key condition) is refused, and a doc row parses.
#[test]
fn the_checks_refuse_an_unnarrowed_statement() {
    let yaml = r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      GlobalSecondaryIndexes:
        - IndexName: GSI1
  F:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:Scan]
              Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/*"]
"#;
    let t: Value = serde_norway::from_str(yaml).unwrap();
    let mut problems = Problems::default();
    let (functions, _) = template_grants(&t, &mut problems);
    assert_eq!(functions, BTreeSet::from(["F".to_owned()]));
    let all = problems.0.join("\n");
    for expected in ["Version", "dynamodb:Scan", "index/*", "no Condition"] {
        assert!(all.contains(expected), "{expected} not reported in:\n{all}");
    }

    let doc = "## Sample (`SampleFunction`)\n\n| action | on | partition keys | attributes | ReturnValues | why |\n|---|---|---|---|---|---|\n\
               | `dynamodb:UpdateItem` | `table` | `A#*`, `B#*` | `PK`, `SK`, `n` | `NONE` | because the code path needs it |\n";
    let mut problems = Problems::default();
    let (functions, grants) = doc_grants(doc, &mut problems);
    problems.assert_none("doc sample");
    assert_eq!(functions, BTreeSet::from(["SampleFunction".to_owned()]));
    assert_eq!(grants.len(), 2);
    let limits = grants.values().next().unwrap();
    assert_eq!(limits.attributes.as_ref().unwrap().len(), 3);
    assert_eq!(limits.return_values, Some(BTreeSet::from(["NONE".to_owned()])));
}

/// The table is created by the stack only when the `TableName` parameter is
/// empty, and otherwise attached by name: the functions' `BROADSHEET_TABLE`
/// and the `TableName` output follow the parameter as the policies do
/// ([`resource`]), and the created table is retained whatever happens to the
/// stack (deleted, or switched to an attached table).
#[test]
fn the_table_is_created_or_attached_by_name() {
    let t = template();
    let table_name = get(&t, "Parameters").and_then(|p| get(p, "TableName")).expect("a TableName parameter");
    assert_eq!(get(table_name, "Default").and_then(Value::as_str), Some(""), "empty: create the table");
    let condition =
        get(&t, "Conditions").and_then(|c| get(c, CREATE_TABLE)).expect("a CreateTable condition");
    let (name, arg) = intrinsic(condition).unwrap();
    assert_eq!(name, "Equals");
    let args = arg.as_sequence().unwrap();
    assert_eq!(
        intrinsic(&args[0]).map(|(n, a)| (n, a.as_str().map(str::to_owned))),
        Some(("Ref".into(), Some("TableName".into())))
    );
    assert_eq!(args[1].as_str(), Some(""));

    let (id, _) = table(&t);
    let table_def = get(&t, "Resources").and_then(|r| get(r, &id)).unwrap();
    assert_eq!(get(table_def, "Condition").and_then(Value::as_str), Some(CREATE_TABLE));
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        assert_eq!(get(table_def, policy).and_then(Value::as_str), Some("Retain"), "{policy}");
    }

    let follows_the_parameter = |v: &Value, place: &str| {
        let (name, arg) = intrinsic(v).unwrap_or_else(|| panic!("{place}: {v:?}"));
        let branches = arg.as_sequence().filter(|a| name == "If" && a.len() == 3);
        let branches =
            branches.unwrap_or_else(|| panic!("{place}: !If [CreateTable, !Ref Table, !Ref TableName]"));
        let refs: Vec<_> = branches[1..]
            .iter()
            .map(|b| {
                intrinsic(b).and_then(|(n, a)| (n == "Ref").then(|| a.as_str().map(str::to_owned))).flatten()
            })
            .collect();
        assert_eq!(branches[0].as_str(), Some(CREATE_TABLE), "{place}");
        assert_eq!(refs, vec![Some(id.clone()), Some("TableName".to_owned())], "{place}");
    };
    let env = ["Globals", "Function", "Environment", "Variables", "BROADSHEET_TABLE"]
        .iter()
        .try_fold(&t, |v, k| get(v, k))
        .expect("Globals.Function.Environment.Variables.BROADSHEET_TABLE");
    follows_the_parameter(env, "BROADSHEET_TABLE");
    let output = get(&t, "Outputs").and_then(|o| get(o, "TableName")).and_then(|o| get(o, "Value")).unwrap();
    follows_the_parameter(output, "Outputs.TableName");
}
