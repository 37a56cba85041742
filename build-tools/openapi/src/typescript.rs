//! The TypeScript types of `@statusboard/client` (`client/typescript/src/schema.ts`),
//! generated from the latest document by `openapi-typescript` (pinned in the package's
//! `package-lock.json`), plus the document's version as `apiVersion`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The package, relative to the repository root.
const PACKAGE: &str = "client/typescript";
/// The generated file, relative to the package.
const SCHEMA: &str = "src/schema.ts";
/// The document it is generated from, relative to the package.
const LATEST: &str = "../../openapi/statusboard/statusboard-latest.json";

/// The generated file's path.
pub fn schema_path(root: &Path) -> PathBuf {
    root.join(PACKAGE).join(SCHEMA)
}

/// What `schema.ts` must hold for the latest document on disk.
pub fn render(root: &Path) -> Result<String> {
    let package = root.join(PACKAGE);
    let generator = package.join("node_modules/.bin/openapi-typescript");
    if !generator.exists() {
        bail!(
            "{} is missing: run `npm ci --prefix {PACKAGE}` once (Node.js 20 or newer), then \
             this command again",
            generator.display()
        );
    }
    let output = Command::new(&generator)
        .arg(LATEST)
        .current_dir(&package)
        .output()
        .with_context(|| format!("running {}", generator.display()))?;
    if !output.status.success() {
        bail!(
            "openapi-typescript failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let types = String::from_utf8(output.stdout).context("openapi-typescript's output")?;
    let document: serde_json::Value = serde_json::from_slice(
        &std::fs::read(package.join(LATEST)).context("reading the latest document")?,
    )
    .context("parsing the latest document")?;
    let version = document["info"]["version"]
        .as_str()
        .context("the latest document has no info.version")?;
    Ok(format!(
        "{types}\n/** The version of the API document these types were generated from. */\n\
         export const apiVersion = \"{version}\";\n"
    ))
}

/// `generate`: writes `schema.ts` when it differs.
pub fn generate(root: &Path) -> Result<()> {
    let path = schema_path(root);
    let wanted = render(root)?;
    if std::fs::read_to_string(&path).is_ok_and(|current| current == wanted) {
        println!("   Unchanged {}", path.display());
        return Ok(());
    }
    std::fs::write(&path, wanted).with_context(|| format!("writing {}", path.display()))?;
    println!("       Wrote {}", path.display());
    Ok(())
}

/// `check`: fails, with a diff, when `schema.ts` is stale or edited by hand.
pub fn check(root: &Path) -> Result<()> {
    let path = schema_path(root);
    let wanted = render(root)?;
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current == wanted {
        println!("       Fresh {}", path.display());
        return Ok(());
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&current, &wanted)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (generated)"),
        )
        .to_string();
    println!("{diff}");
    bail!(
        "{name} is stale or was edited by hand (diff above): run `cargo xtask openapi \
         generate` and commit it"
    )
}
