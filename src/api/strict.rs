//! A serde adapter under which every struct accepts only a JSON object, at every depth.
//!
//! serde's derived `Deserialize` for a struct also accepts a sequence of its fields in order,
//! so `[null, null]` would pass as a `ShareLinkRequest` and `["user", "u1", "viewer"]` as a
//! `NewMember`; the contract says these bodies are objects. [`Strict`] turns each
//! `deserialize_struct` into `deserialize_map` (serde_json then refuses `[` with "invalid type:
//! sequence, expected struct …") and wraps every nested deserializer the same way. Everything
//! else is forwarded untouched.

use std::fmt;

use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// Wraps a deserializer so that structs are read from maps only.
pub struct Strict<D>(pub D);

/// Wraps a visitor so that the deserializers and accessors handed to it are [`Strict`].
struct Wrap<V>(V);

struct Seed<S>(S);
struct Seq<A>(A);
struct Map<A>(A);
struct Enum<A>(A);
struct Variant<A>(A);

/// Methods that hand their visitor on wrapped; `method(arg: Type, …)` for those that take
/// more than the visitor.
macro_rules! forward_deserialize {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?)*) => {$(
        fn $method<V: Visitor<'de>>(
            self,
            $($($arg: $ty,)*)?
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.$method($($($arg,)*)? Wrap(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier deserialize_ignored_any
        deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str)
        deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
    );

    /// The point of this module: a struct is a map, never a sequence.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Wrap(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: serde::de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visit!(
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i64: i64
        visit_i128: i128 visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u64: u64
        visit_u128: u128 visit_f32: f32 visit_f64: f64 visit_char: char visit_str: &str
        visit_borrowed_str: &'de str visit_string: String visit_bytes: &[u8]
        visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    );

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Map(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Enum(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(Seed(seed))
            .map(|(v, variant)| (v, Variant(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Wrap(visitor))
    }
}

/// Where a JSON body failed: the problem's `field` (`members[0].id`), `None` for the whole body.
#[derive(Debug)]
pub struct BodyError {
    pub field: Option<String>,
    pub syntax: bool,
    pub message: String,
}

/// The field a serde error is about, from `serde_path_to_error`'s path (`.` for the top) and the
/// message: `missing field `name``/`unknown field `x`` are the object's errors, but the field is
/// the key's.
pub fn field_of(path: &str, message: &str) -> Option<String> {
    let mut field = (path != "." && !path.is_empty()).then(|| path.to_owned());
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((key, _)) = rest.split_once('`')
            // serde_path_to_error already stands on an unknown key.
            && !field
                .as_deref()
                .is_some_and(|f| f == key || f.ends_with(&format!(".{key}")))
        {
            field = Some(match field {
                Some(parent) => format!("{parent}.{key}"),
                None => key.to_owned(),
            });
        }
    }
    field
}

/// Reads `T` from a complete JSON document, structs from objects only.
pub fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        BodyError {
            field: field_of(&path, &message),
            syntax: inner.is_syntax() || inner.is_eof(),
            message,
        }
    })?;
    de.end().map_err(|e| BodyError {
        field: None,
        syntax: true,
        message: e.to_string(),
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        id: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[test]
    fn objects_pass_and_arrays_for_structs_fail_at_any_depth() {
        let ok: Outer = from_slice(br#"{"name":"a","items":[{"id":"x"}]}"#).unwrap();
        assert_eq!(ok.items, vec![Inner { id: "x".into() }]);
        let top = from_slice::<Outer>(b"[null,null]").unwrap_err();
        assert!(!top.syntax && top.field.is_none(), "{top:?}");
        assert!(top.message.contains("sequence"), "{top:?}");
        let nested = from_slice::<Outer>(br#"{"items":[["x"]]}"#).unwrap_err();
        assert_eq!(nested.field.as_deref(), Some("items[0]"), "{nested:?}");
    }

    #[test]
    fn errors_name_their_field() {
        let missing = from_slice::<Outer>(br#"{"items":[{}]}"#).unwrap_err();
        assert_eq!(missing.field.as_deref(), Some("items[0].id"), "{missing:?}");
        let unknown = from_slice::<Outer>(br#"{"bogus":1}"#).unwrap_err();
        assert_eq!(unknown.field.as_deref(), Some("bogus"), "{unknown:?}");
        let typed = from_slice::<Outer>(br#"{"name":5}"#).unwrap_err();
        assert_eq!(typed.field.as_deref(), Some("name"), "{typed:?}");
        let syntax = from_slice::<Outer>(br#"{"name":"#).unwrap_err();
        assert!(syntax.syntax);
        let trailing = from_slice::<Outer>(br#"{} []"#).unwrap_err();
        assert!(trailing.syntax);
    }
}
