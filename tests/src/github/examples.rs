//! Instances of GitHub's published schemas (`tests/github/*.json`): every required field
//! filled with a plain value of its type, then the fields a test cares about set; and each
//! instance read back through the types progenitor generates from the same description,
//! so that what the fake GitHub answers is GitHub's shape, not a guess.

use serde_json::{Map, Value, json};

/// GitHub's REST description, trimmed (`tests/github/rest-api-trimmed.json`).
pub fn rest() -> &'static Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(include_str!("../../github/rest-api-trimmed.json"))
            .expect("GitHub's REST description is JSON")
    })
}

/// GitHub's webhook payload schemas, trimmed (`tests/github/webhook-payloads-trimmed.json`).
pub fn payloads() -> &'static Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(include_str!("../../github/webhook-payloads-trimmed.json"))
            .expect("GitHub's payload description is JSON")
    })
}

/// An instance of the component schema `name` of `document`, with `fields` (JSON
/// pointers and values) set.
pub fn example(document: &Value, name: &str, fields: &[(&str, Value)]) -> Value {
    let schema = &document["components"]["schemas"][name];
    assert!(!schema.is_null(), "no schema {name}");
    let mut value = fill(document, schema, 0);
    for (pointer, field) in fields {
        set(&mut value, pointer, field.clone());
    }
    value
}

/// Sets `pointer` (`/a/b`) in `value`, making objects on the way.
fn set(value: &mut Value, pointer: &str, field: Value) {
    let mut at = value;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let object = at.as_object_mut().expect("an object");
        if i == parts.len() - 1 {
            object.insert((*part).to_owned(), field);
            return;
        }
        at = object.entry(*part).or_insert(Value::Object(Map::new()));
    }
}

/// A plain instance of `schema`: required properties only, the first of any choice.
fn fill(document: &Value, schema: &Value, depth: usize) -> Value {
    assert!(depth < 40, "a schema too deep to fill");
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let path = reference.trim_start_matches("#/");
        let target = path
            .split('/')
            .fold(document, |at, part| &at[part.replace("~1", "/").as_str()]);
        return fill(document, target, depth + 1);
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        return Value::Null;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(object) = fill(document, part, depth + 1) {
                merged.extend(object);
            }
        }
        return Value::Object(merged);
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(choice).and_then(|c| c.get(0)) {
            return fill(document, first, depth + 1);
        }
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let mut object = Map::new();
            let properties = &schema["properties"];
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().expect("a property name");
                object.insert(
                    name.to_owned(),
                    fill(document, &properties[name], depth + 1),
                );
            }
            Value::Object(object)
        }
        Some("object") => json!({}),
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(false),
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-12-01T00:00:00Z"),
            Some("uri") => json!("https://github.example/x"),
            Some("email") => json!("someone@example.com"),
            _ => json!("x"),
        },
        _ => Value::Null,
    }
}
