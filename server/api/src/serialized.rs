//! [`Serialized`]: an answer serialized once and sent many times.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A `T` already serialized as JSON: the document describes it as `T` (the same schema,
/// under `T`'s name), and answering it writes its bytes as they are, so an answer that many
/// readers share (the summary of one board) is serialized once, not once per read.
/// Cloning it is cheap.
pub struct Serialized<T> {
    json: Arc<RawValue>,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Serialized<T> {
    /// `value`, serialized.
    pub fn new(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Self {
            json: Arc::from(serde_json::value::to_raw_value(value)?),
            of: PhantomData,
        })
    }
}

impl<T> Serialized<T> {
    /// The JSON text.
    pub fn json(&self) -> &str {
        self.json.get()
    }
}

impl<T> Clone for Serialized<T> {
    fn clone(&self) -> Self {
        Self {
            json: self.json.clone(),
            of: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Serialized<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serialized")
            .field("bytes", &self.json.get().len())
            .finish()
    }
}

impl<T> Serialize for Serialized<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.as_ref().serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Serialized<T> {
    fn is_referenceable() -> bool {
        T::is_referenceable()
    }

    fn schema_name() -> String {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, JsonSchema)]
    struct Board {
        change: i64,
        name: String,
    }

    #[test]
    fn answers_the_bytes_of_the_value_it_was_made_from() {
        let board = Board {
            change: 7,
            name: "a \"quoted\" name".into(),
        };
        let serialized = Serialized::new(&board).unwrap();
        assert_eq!(
            serde_json::to_string(&serialized).unwrap(),
            serde_json::to_string(&board).unwrap()
        );
    }

    #[test]
    fn is_documented_as_the_type_it_holds() {
        let mut generator = SchemaGenerator::default();
        let held = generator.subschema_for::<Serialized<Board>>();
        assert_eq!(held, SchemaGenerator::default().subschema_for::<Board>());
        assert!(generator.definitions().contains_key("Board"));
        let direct = schemars::schema_for!(Board);
        let wrapped = schemars::schema_for!(Serialized<Board>);
        assert_eq!(
            serde_json::to_value(direct).unwrap(),
            serde_json::to_value(wrapped).unwrap()
        );
    }
}
