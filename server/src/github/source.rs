//! What a binding follows ([`Source`]), and the rules a binding request must keep: a
//! repository `owner/name`, exactly one source, bounded names, known states in `mapping`.

use statusboard_api::{DeploymentsSource, GITHUB_STATES, GithubBindingUpdate, WorkflowSource};

use super::bindings::BindingError;

/// What a binding follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The latest status of the latest deployment to `environment`.
    Deployments {
        /// The environment.
        environment: String,
    },
    /// The latest completed run of the workflow `file` on `branch`.
    Workflow {
        /// The workflow's file name.
        file: String,
        /// The branch.
        branch: String,
    },
}

/// `update`'s source, or why it is refused.
pub(super) fn check(update: &GithubBindingUpdate) -> Result<Source, BindingError> {
    let invalid = |message: String| Err(BindingError::Invalid(message));
    let repository = &update.repository;
    let part_ok = |part: &str| {
        !part.is_empty()
            && part.len() <= 100
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match repository.split_once('/') {
        Some((owner, name)) if part_ok(owner) && part_ok(name) => {}
        _ => {
            return invalid(format!(
                "repository must be `owner/name`, not {repository:?}"
            ));
        }
    }
    let bounded = |what: &str, value: &str| {
        if value.is_empty() || value.chars().count() > 255 || value.contains(['\0', '\n']) {
            Err(BindingError::Invalid(format!(
                "{what} must have 1 to 255 characters on one line"
            )))
        } else {
            Ok(())
        }
    };
    let source = match (&update.deployments, &update.workflow) {
        (Some(DeploymentsSource { environment }), None) => {
            bounded("deployments.environment", environment)?;
            Source::Deployments {
                environment: environment.clone(),
            }
        }
        (None, Some(WorkflowSource { file, branch })) => {
            bounded("workflow.file", file)?;
            bounded("workflow.branch", branch)?;
            if file.contains('/') {
                return invalid(format!(
                    "workflow.file is the file's name under .github/workflows/ (deploy.yml), \
                     not {file:?}"
                ));
            }
            Source::Workflow {
                file: file.clone(),
                branch: branch.clone(),
            }
        }
        _ => return invalid("give exactly one source: deployments or workflow".to_owned()),
    };
    if let Some(unknown) = update
        .mapping
        .keys()
        .find(|state| !GITHUB_STATES.contains(&state.as_str()))
    {
        return invalid(format!(
            "mapping: {unknown:?} is no deployment state or run conclusion: expected one of {}",
            GITHUB_STATES.join(", ")
        ));
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use statusboard_api::ComponentStatus;

    use super::*;

    fn update(repository: &str) -> GithubBindingUpdate {
        GithubBindingUpdate {
            repository: repository.to_owned(),
            deployments: Some(DeploymentsSource {
                environment: "production".to_owned(),
            }),
            workflow: None,
            mapping: BTreeMap::new(),
        }
    }

    #[test]
    fn a_binding_names_a_repository_one_source_and_known_states() {
        assert!(check(&update("acme/shop")).is_ok());
        for bad in ["acme", "acme/", "/shop", "acme/shop/x", "ac me/shop"] {
            assert!(check(&update(bad)).is_err(), "{bad}");
        }
        let both = GithubBindingUpdate {
            workflow: Some(WorkflowSource {
                file: "deploy.yml".to_owned(),
                branch: "main".to_owned(),
            }),
            ..update("acme/shop")
        };
        assert!(
            check(&both)
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let mapping = GithubBindingUpdate {
            mapping: BTreeMap::from([("exploded".to_owned(), ComponentStatus::MajorOutage)]),
            ..update("acme/shop")
        };
        assert!(
            check(&mapping)
                .unwrap_err()
                .to_string()
                .contains("exploded")
        );
    }
}
