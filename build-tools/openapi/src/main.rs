//! `cargo xtask openapi generate|check|list|debug`: the OpenAPI documents under
//! `openapi/`, managed by [dropshot-api-manager] from the API trait in `statusboard-api`.
//!
//! Each version in `statusboard_api::supported_versions()` has its document,
//! `openapi/statusboard/statusboard-<version>-<hash>.json`, and
//! `statusboard-latest.json` links to the newest. A version whose document is on git's
//! `main` is *released* (the tool says "blessed"): `check` fails when the code would
//! change it in any way a client could see, and names the change. The other versions are
//! regenerated freely by `generate`.
//!
//! Released documents are read from the merge base of `HEAD` with `origin/main` when that
//! remote branch exists (a pull request, GitHub Actions with `fetch-depth: 0`), else with
//! the local `main` (a clone with no remote). `--blessed-from-vcs REVISION` overrides it.
//!
//! `generate` and `check` then do the same for what is generated from the latest document:
//! the TypeScript types of `@statusboard/client` (see [`typescript`]).
//!
//! The live board's messages travel outside the documents: each version that serves
//! `/api/v1/events` has the JSON Schema of its messages beside its document,
//! `openapi-events/events-<version>.schema.json` (see [`events_schema`]), under the
//! same check; a released version's file must equal its released form.
//!
//! [dropshot-api-manager]: https://crates.io/crates/dropshot-api-manager

mod typescript;

use std::process::{Command, ExitCode};

use anyhow::Result;
use camino::Utf8PathBuf;
use clap::Parser;
use dropshot_api_manager::{Environment, ManagedApi, ManagedApiConfig, ManagedApis};
use dropshot_api_manager_types::{ManagedApiMetadata, ValidationContext, Versions};

/// How users run this tool; the API manager quotes it in its advice.
const COMMAND: &str = "cargo xtask openapi";

/// The branches whose documents are released, in order of preference.
const RELEASE_BRANCHES: [&str; 2] = ["origin/main", "main"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let app = dropshot_api_manager::App::parse_from(
        std::iter::once(COMMAND.to_owned()).chain(args.clone()),
    );
    let code = match environment().and_then(|env| Ok((env, managed_apis()?))) {
        Ok((env, apis)) => app.exec(&env, &apis),
        Err(e) => {
            eprintln!("{COMMAND}: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if code != ExitCode::SUCCESS {
        eprintln!("{WHAT_TO_DO}");
        return code;
    }
    // What is generated from the latest document follows it.
    let followed = workspace_root().and_then(|root| match args.first().map(String::as_str) {
        Some("generate") => typescript::generate(root.as_std_path()),
        Some("check") => typescript::check(root.as_std_path()),
        _ => Ok(()),
    });
    match followed {
        Ok(()) => code,
        Err(e) => {
            eprintln!("{COMMAND}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The advice printed under a failure, after the API manager's own report.
const WHAT_TO_DO: &str = "
What to do: a version whose document is on `main` is released, and no client-visible change
to it can pass. To change the API, add a version instead:
  1. in server/api/src/lib.rs, put `(N, NAME),` on top of the `api_versions!` list
     (N = the next major number);
  2. give what changes `versions = VERSION_NAME..` and keep the old form, for the older
     versions, with `versions = ..VERSION_NAME` (docs/api-versions.md);
  3. run `cargo xtask openapi generate` and commit the new document.
A version that is not on `main` yet is not released: `cargo xtask openapi generate` rewrites it.";

/// The APIs this repository manages: one, versioned.
fn managed_apis() -> Result<ManagedApis> {
    let api = ManagedApi::from(ManagedApiConfig {
        ident: statusboard_api::IDENT,
        versions: Versions::new_versioned(statusboard_api::supported_versions()),
        title: statusboard_api::TITLE,
        metadata: ManagedApiMetadata {
            description: Some(statusboard_api::DESCRIPTION),
            ..ManagedApiMetadata::default()
        },
        api_description: statusboard_api::statusboard_api_mod::stub_api_description,
    })
    .with_extra_validation(events_schema);
    ManagedApis::new([api])
}

/// The live board's message schema beside each document that serves `/api/v1/events`:
/// `generate` writes it, `check` fails when it differs; for a released version it must also
/// equal the file on the release branch, since clients of that version read its messages.
fn events_schema(document: &openapiv3::OpenAPI, mut context: ValidationContext<'_>) {
    if !document.paths.paths.contains_key("/api/v1/events") {
        return;
    }
    let version = &document.info.version;
    let path = format!("openapi-events/events-{version}.schema.json");
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let contents = statusboard_api::board_event_schema(major);
    if context.is_blessed() == Some(true)
        && let Some(released) = released_file(&path)
        && released != contents
    {
        context.report_error(anyhow::anyhow!(
            "{path}: the live board's messages changed in the released version {version}; \
             keep their form for it and change them in a new version"
        ));
    }
    context.record_file_contents(path, contents.into_bytes());
}

/// `path` as the release branch has it, when it has it.
fn released_file(path: &str) -> Option<String> {
    let root = workspace_root().ok()?;
    let branch = release_branch(&root)?;
    let output = Command::new("git")
        .args(["show", &format!("{branch}:{path}")])
        .current_dir(&root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The repository, its `openapi/` directory and where released documents come from.
fn environment() -> Result<Environment> {
    let root = workspace_root()?;
    let env = Environment::new(COMMAND, root.clone(), "openapi")?;
    Ok(match release_branch(&root) {
        Some(branch) => env.with_default_git_branch(branch),
        None => env,
    })
}

/// The first of [`RELEASE_BRANCHES`] that exists in the repository at `root`.
fn release_branch(root: &Utf8PathBuf) -> Option<&'static str> {
    RELEASE_BRANCHES.into_iter().find(|branch| {
        Command::new("git")
            .args(["rev-parse", "--verify", "--quiet"])
            .arg(format!("{branch}^{{commit}}"))
            .current_dir(root)
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

/// The workspace the current directory belongs to.
fn workspace_root() -> Result<Utf8PathBuf> {
    let root = xtask::workspace_root().map_err(anyhow::Error::msg)?;
    Utf8PathBuf::from_path_buf(root)
        .map_err(|root| anyhow::anyhow!("the workspace path {} is not UTF-8", root.display()))
}
