//! The routes every path gets, on small descriptions.

use super::*;

#[test]
fn operation_ids_name_method_and_path() {
    assert_eq!(
        operation_id(&Method::HEAD, "/api/v1/health"),
        "head_api_v1_health"
    );
    assert_eq!(
        operation_id(&Method::OPTIONS, "/api/v1/docs/redoc.standalone.js"),
        "options_api_v1_docs_redoc_standalone_js"
    );
    assert_eq!(
        operation_id(&Method::DELETE, "/api/v1/components/{slug}/reports"),
        "delete_api_v1_components_slug_reports"
    );
}

#[test]
fn path_variables_are_declared_by_name() -> Result<(), String> {
    assert!(path_variables("/api/v1/health")?.is_empty());
    let declared = path_variables("/api/v1/{owner}/items/{rest:.*}")?;
    let names: Vec<String> = declared
        .iter()
        .map(|p| format!("{:?}", p.metadata))
        .collect();
    assert_eq!(names, ["Path(\"owner\")", "Path(\"rest\")"]);
    Ok(())
}

/// The methods registered at `/things/{name}` when `GET` is served by every version
/// and `PUT` from `put_from` on (every version when `None`): each method's count,
/// sorted.
fn registered(
    put_from: Option<Version>,
) -> Result<(Vec<(String, usize)>, AllowedMethods), String> {
    let build = || {
        let mut api = ApiDescription::new();
        for (method, id, versions) in [
            (Method::GET, "get_thing", ApiEndpointVersions::All),
            (
                Method::PUT,
                "put_thing",
                put_from
                    .clone()
                    .map_or(ApiEndpointVersions::All, ApiEndpointVersions::from),
            ),
        ] {
            let endpoint = ApiEndpoint::new(
                id.to_owned(),
                method_not_allowed,
                method,
                dropshot::CONTENT_TYPE_JSON,
                "/things/{name}",
                versions,
            );
            register(&mut api, endpoint.visible(true))?;
        }
        Ok(api)
    };
    let (api, allowed) = with_every_answer(build)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (path, method, _) in api.into_router().endpoints(None) {
        assert_eq!(path, "/things/{name}");
        *counts.entry(method).or_default() += 1;
    }
    Ok((counts.into_iter().collect(), allowed))
}

/// Every path gets its `OPTIONS`, its `HEAD` for a `GET`, and a `405` endpoint for
/// every other method, a path with variables too, once for all the versions that serve
/// it alike; the `Allow` header lists what it serves.
#[test]
fn a_path_served_alike_by_every_version_gets_every_answer_once() -> Result<(), String> {
    let (counts, allowed) = registered(None)?;
    let once = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
    let expected: Vec<(String, usize)> = once.iter().map(|m| ((*m).to_owned(), 1)).collect();
    assert_eq!(counts, expected);
    let versions = versions_oldest_first();
    for version in &versions {
        let allow = allowed.get("delete_things_name", version);
        assert_eq!(
            allow,
            Some(&HeaderValue::from_static("GET, HEAD, OPTIONS, PUT"))
        );
    }
    Ok(())
}

/// A path whose methods change in a version gets its `OPTIONS` and `405`s once before
/// and once from that version; its `HEAD`, whose `GET` did not change, once.
#[test]
fn a_change_of_methods_starts_a_second_range() -> Result<(), String> {
    let versions = versions_oldest_first();
    let newest = versions.last().unwrap().clone();
    let (counts, allowed) = registered(Some(newest.clone()))?;
    let expected = [
        ("DELETE", 2),
        ("GET", 1),
        ("HEAD", 1),
        ("OPTIONS", 2),
        ("PATCH", 2),
        ("POST", 2),
        ("PUT", 2),
    ];
    let expected: Vec<(String, usize)> = expected
        .iter()
        .map(|(m, n)| ((*m).to_owned(), *n))
        .collect();
    assert_eq!(counts, expected, "PUT: the trait's, and a 405 before it");
    let before = allowed.get("delete_things_name", &versions[0]);
    assert_eq!(
        before,
        Some(&HeaderValue::from_static("GET, HEAD, OPTIONS"))
    );
    let after = allowed.get("delete_things_name", &newest);
    assert_eq!(
        after,
        Some(&HeaderValue::from_static("GET, HEAD, OPTIONS, PUT"))
    );
    Ok(())
}
