//! What `@statusboard/client` (`client/typescript/`) holds that is generated, all checked
//! in so that the package installs from a path or a registry with no build step:
//!
//! * `src/schema.ts`: the types of the latest document, by `openapi-typescript`, plus the
//!   document's version as `apiVersion`;
//! * `src/events.ts`: the types of the live board's messages, from the latest version's
//!   `openapi-events/events-<version>.schema.json`, by the same tool (the JSON Schema,
//!   its `definitions` moved to `components.schemas`, wrapped in an OpenAPI 3.1 document,
//!   whose schemas are JSON Schema);
//! * `dist/`: the package's JavaScript and declarations, compiled by `tsc` from `src/`.
//!
//! The tools are the package's pinned dev dependencies (`package-lock.json`). When they are
//! not installed yet, `npm ci` installs them, once; without Node.js, both commands say what
//! they could not do, and succeed on what they did (the OpenAPI documents).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The package, relative to the repository root.
const PACKAGE: &str = "client/typescript";
/// The generated types, relative to the package.
const SCHEMA: &str = "src/schema.ts";
/// The generated types of the live board's messages, relative to the package.
const EVENTS: &str = "src/events.ts";
/// The message schemas, one per API version, relative to the package.
const EVENT_SCHEMAS: &str = "../../openapi-events";
/// The compiled package, relative to the package.
const DIST: &str = "dist";
/// The document the types come from, relative to the package.
const LATEST: &str = "../../openapi/statusboard/statusboard-latest.json";

/// `generate`: rewrites `schema.ts` and `dist/` where they differ.
pub fn generate(root: &Path) -> Result<()> {
    let package = root.join(PACKAGE);
    if !tools_installed(&package)? {
        return Ok(());
    }
    write_if_changed(&package.join(SCHEMA), &render_schema(&package)?)?;
    write_if_changed(&package.join(EVENTS), &render_events(&package)?)?;
    let built = compile(&package)?;
    let dist = package.join(DIST);
    for (relative, contents) in &built {
        write_if_changed(&dist.join(relative), contents)?;
    }
    for stale in files_under(&dist)?
        .into_iter()
        .filter(|f| !built.iter().any(|(b, _)| b == f))
    {
        std::fs::remove_file(dist.join(&stale))
            .with_context(|| format!("removing {}", dist.join(&stale).display()))?;
        println!("     Removed {}", dist.join(&stale).display());
    }
    Ok(())
}

/// `check`: fails, with a diff, when `schema.ts` or `dist/` is stale or edited by hand.
pub fn check(root: &Path) -> Result<()> {
    let package = root.join(PACKAGE);
    if !tools_installed(&package)? {
        return Ok(());
    }
    let mut stale = Vec::new();
    let schema = package.join(SCHEMA);
    if !is_fresh(&schema, &render_schema(&package)?) {
        stale.push(schema.clone());
    }
    let events = package.join(EVENTS);
    if !is_fresh(&events, &render_events(&package)?) {
        stale.push(events.clone());
    }
    let dist = package.join(DIST);
    let built = compile(&package)?;
    for (relative, contents) in &built {
        if !is_fresh(&dist.join(relative), contents) {
            stale.push(dist.join(relative));
        }
    }
    for extra in files_under(&dist)?
        .into_iter()
        .filter(|f| !built.iter().any(|(b, _)| b == f))
    {
        println!("{} is not built from src/", dist.join(&extra).display());
        stale.push(dist.join(extra));
    }
    if stale.is_empty() {
        println!(
            "       Fresh {}, {} and {}",
            schema.display(),
            events.display(),
            dist.display()
        );
        return Ok(());
    }
    let names: Vec<String> = stale.iter().map(|p| p.display().to_string()).collect();
    bail!(
        "stale or edited by hand (diffs above): {}; run `cargo xtask openapi generate` and \
         commit the result",
        names.join(", ")
    )
}

/// Whether the pinned tools are there, installing them with `npm ci` when Node.js is.
fn tools_installed(package: &Path) -> Result<bool> {
    if package.join("node_modules/.bin/tsc").exists()
        && package
            .join("node_modules/.bin/openapi-typescript")
            .exists()
    {
        return Ok(true);
    }
    if Command::new("npm").arg("--version").output().is_err() {
        println!(
            "warning: npm (Node.js 20 or newer) is not installed: {}/{SCHEMA} and {}/{DIST} \
             were neither regenerated nor checked; the OpenAPI documents were",
            package.display(),
            package.display()
        );
        return Ok(false);
    }
    println!("  Installing the TypeScript client's pinned tools (npm ci, once)");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(package)
        .status()
        .context("running npm ci")?;
    if !status.success() {
        bail!("npm ci in {} failed ({status})", package.display());
    }
    Ok(true)
}

/// Runs one of the package's tools; its standard output.
fn run_tool(package: &Path, tool: &str, args: &[&str]) -> Result<String> {
    let program = package.join("node_modules/.bin").join(tool);
    let output = Command::new(&program)
        .args(args)
        .current_dir(package)
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    if !output.status.success() {
        bail!(
            "{tool} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("{tool}'s output"))
}

/// The version of the latest document on disk.
fn latest_version(package: &Path) -> Result<String> {
    let document: serde_json::Value = serde_json::from_slice(
        &std::fs::read(package.join(LATEST)).context("reading the latest document")?,
    )
    .context("parsing the latest document")?;
    let version = document["info"]["version"]
        .as_str()
        .context("the latest document has no info.version")?;
    Ok(version.to_owned())
}

/// What `schema.ts` must hold for the latest document on disk.
fn render_schema(package: &Path) -> Result<String> {
    // A field with a default may be left out of a request body (the server fills it in);
    // openapi-typescript 7 makes it required unless told otherwise.
    let types = run_tool(
        package,
        "openapi-typescript",
        &[LATEST, "--default-non-nullable", "false"],
    )?;
    let version = latest_version(package)?;
    Ok(format!(
        "{types}\n/** The version of the API document these types were generated from. */\n\
         export const apiVersion = \"{version}\";\n"
    ))
}

/// What `events.ts` must hold for the latest version's message schema on disk.
fn render_events(package: &Path) -> Result<String> {
    let version = latest_version(package)?;
    let path = package.join(format!("{EVENT_SCHEMAS}/events-{version}.schema.json"));
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
    )
    .with_context(|| format!("parsing {}", path.display()))?;
    let document = as_openapi_document(schema, &version)?;
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let wrapped = dir.path().join(format!("events-{version}.json"));
    std::fs::write(&wrapped, serde_json::to_vec_pretty(&document)?)
        .with_context(|| format!("writing {}", wrapped.display()))?;
    let wrapped = wrapped
        .to_str()
        .context("the temporary path is not UTF-8")?;
    run_tool(package, "openapi-typescript", &[wrapped])
}

/// A JSON Schema (draft 7, as schemars writes it) as an OpenAPI 3.1 document holding it,
/// under its `title`, and its `definitions`, in `components.schemas`.
fn as_openapi_document(mut schema: serde_json::Value, version: &str) -> Result<serde_json::Value> {
    let object = schema
        .as_object_mut()
        .context("the message schema is not an object")?;
    let title = object
        .get("title")
        .and_then(|t| t.as_str())
        .context("the message schema has no title")?
        .to_owned();
    object.remove("$schema");
    let mut schemas = match object.remove("definitions") {
        Some(serde_json::Value::Object(definitions)) => definitions,
        _ => serde_json::Map::new(),
    };
    schemas.insert(title, schema);
    let mut schemas = serde_json::Value::Object(schemas);
    move_references(&mut schemas);
    Ok(serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "statusboard live board messages", "version": version },
        "paths": {},
        "components": { "schemas": schemas },
    }))
}

/// Rewrites every `$ref` to `#/definitions/X` as `#/components/schemas/X`.
fn move_references(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, inner) in object.iter_mut() {
                match (key.as_str(), inner) {
                    ("$ref", serde_json::Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/definitions/") {
                            *target = format!("#/components/schemas/{name}");
                        }
                    }
                    (_, inner) => move_references(inner),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(move_references),
        _ => {}
    }
}

/// What `tsc` builds from `src/` as it is on disk: each file of `dist/` and its contents.
fn compile(package: &Path) -> Result<Vec<(PathBuf, String)>> {
    let out = tempfile::tempdir().context("creating a temporary directory")?;
    let out_dir = out
        .path()
        .to_str()
        .context("the temporary path is not UTF-8")?;
    run_tool(
        package,
        "tsc",
        &["--project", "tsconfig.build.json", "--outDir", out_dir],
    )?;
    files_under(out.path())?
        .into_iter()
        .map(|relative| {
            let path = out.path().join(&relative);
            let contents = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok((relative, contents))
        })
        .collect()
}

/// Every file under `dir` (none when it does not exist), relative to it, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                files.push(relative.to_path_buf());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Whether `path` holds `wanted`; prints a diff when it does not.
fn is_fresh(path: &Path, wanted: &str) -> bool {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == wanted {
        return true;
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(current.as_str(), wanted)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (generated)"),
        )
        .to_string();
    println!("{diff}");
    false
}

/// Writes `contents` to `path` unless it holds them already.
fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        println!("   Unchanged {}", path.display());
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    println!("       Wrote {}", path.display());
    Ok(())
}
