//! Reading JSON straight into a type while noting what the type lets pass silently: members it
//! does not know (they are skipped), keys an object repeats (the last one wins), and whether the
//! document names its `kind` and `apiVersion`. A document with none of the first two decodes
//! to what the strict checks of [`super::strict`] would accept without a word, so a caller can
//! skip them; one with either is worth the exact (slower) check that words the problems.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What a tracked decode saw besides the value it produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// Some object had a member its type skipped.
    pub unknown: bool,
    /// Some object may repeat a key (compared by hash, so rarely a false alarm).
    pub repeated: bool,
    /// The document's top-level object has a `kind` member.
    pub kind: bool,
    /// The document's top-level object has an `apiVersion` member.
    pub api_version: bool,
}

impl Seen {
    /// Neither unknown nor repeated members: strict decoding has nothing to report.
    pub fn clean(&self) -> bool {
        !self.unknown && !self.repeated
    }
}

/// Decodes one JSON document into `T` (trailing data is an error, as for
/// `serde_json::from_slice`) and tells what the decode let pass.
pub fn decode_json_tracked<'de, T: de::Deserialize<'de>>(
    data: &'de [u8],
) -> Result<(T, Seen), serde_json::Error> {
    let notes = Notes::default();
    let mut de = serde_json::Deserializer::from_slice(data);
    let value = T::deserialize(Tracked { de: &mut de, notes: &notes, top: true })?;
    de.end()?;
    Ok((value, notes.get()))
}

#[derive(Default)]
struct Notes {
    unknown: Cell<bool>,
    repeated: Cell<bool>,
    kind: Cell<bool>,
    api_version: Cell<bool>,
}

impl Notes {
    fn get(&self) -> Seen {
        Seen {
            unknown: self.unknown.get(),
            repeated: self.repeated.get(),
            kind: self.kind.get(),
            api_version: self.api_version.get(),
        }
    }
}

/// FNV-1a: keys are short, and a collision only costs the caller an exact check.
fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// A deserializer whose maps and sequences report to `notes`.
struct Tracked<'n, D> {
    de: D,
    notes: &'n Notes,
    /// Whether this is the document's top level.
    top: bool,
}

impl<'n, D> Tracked<'n, D> {
    fn split<V>(self, visitor: V) -> (D, TrackedVisitor<'n, V>) {
        (self.de, TrackedVisitor { visitor, notes: self.notes, top: self.top })
    }
}

/// A `Deserializer` method that hands the inner deserializer the wrapped visitor `split` gives.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                let (de, visitor) = self.split(visitor);
                de.$method($($arg,)* visitor)
            }
        )*
    };
}

/// Calls `$m!` with every `Deserializer` method but `deserialize_ignored_any`.
macro_rules! deserialize_methods {
    ($m:ident) => {
        $m! {
            deserialize_any();
            deserialize_bool();
            deserialize_i8();
            deserialize_i16();
            deserialize_i32();
            deserialize_i64();
            deserialize_i128();
            deserialize_u8();
            deserialize_u16();
            deserialize_u32();
            deserialize_u64();
            deserialize_u128();
            deserialize_f32();
            deserialize_f64();
            deserialize_char();
            deserialize_str();
            deserialize_string();
            deserialize_bytes();
            deserialize_byte_buf();
            deserialize_option();
            deserialize_unit();
            deserialize_unit_struct(name: &'static str);
            deserialize_newtype_struct(name: &'static str);
            deserialize_seq();
            deserialize_tuple(len: usize);
            deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_map();
            deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_enum(name: &'static str, variants: &'static [&'static str]);
            deserialize_identifier();
        }
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<'_, D> {
    type Error = D::Error;

    deserialize_methods!(forward);

    /// A type skips a member by reading it as `IgnoredAny`.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.notes.unknown.set(true);
        self.de.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

struct TrackedVisitor<'n, V> {
    visitor: V,
    notes: &'n Notes,
    top: bool,
}

/// Calls `$m!` with every `Visitor` method taking a scalar other than a string.
macro_rules! scalar_visits {
    ($m:ident) => {
        $m! {
            visit_bool(bool);
            visit_i8(i8);
            visit_i16(i16);
            visit_i32(i32);
            visit_i64(i64);
            visit_i128(i128);
            visit_u8(u8);
            visit_u16(u16);
            visit_u32(u32);
            visit_u64(u64);
            visit_u128(u128);
            visit_f32(f32);
            visit_f64(f64);
            visit_char(char);
            visit_bytes(&[u8]);
            visit_borrowed_bytes(&'de [u8]);
            visit_byte_buf(Vec<u8>);
        }
    };
}

/// A `Visitor` method passed straight to the wrapped visitor.
macro_rules! pass {
    ($($method:ident($ty:ty);)*) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.visitor.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TrackedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    scalar_visits!(pass);
    pass! {
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Tracked { de: d, notes: self.notes, top: self.top })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Tracked { de: d, notes: self.notes, top: self.top })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(TrackedSeq { seq, notes: self.notes })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(TrackedMap {
            map,
            notes: self.notes,
            top: self.top,
            keys: Keys::default(),
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // JSON reaches enums only through types that read them whole; nothing is tracked inside.
        self.visitor.visit_enum(data)
    }
}

struct TrackedSeq<'n, A> {
    seq: A,
    notes: &'n Notes,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for TrackedSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.seq.next_element_seed(TrackedSeed { seed, notes: self.notes })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct TrackedMap<'n, A> {
    map: A,
    notes: &'n Notes,
    top: bool,
    /// Hashes of the keys read so far.
    keys: Keys,
}

/// The key hashes of one object: most objects have a few members, kept without allocating.
#[derive(Default)]
struct Keys {
    inline: [u64; 8],
    len: usize,
    more: Vec<u64>,
}

impl Keys {
    /// Adds `hash`, telling whether it was there already.
    fn insert(&mut self, hash: u64) -> bool {
        let seen = self.inline[..self.len].contains(&hash) || self.more.contains(&hash);
        if self.len < self.inline.len() {
            self.inline[self.len] = hash;
            self.len += 1;
        } else {
            self.more.push(hash);
        }
        seen
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for TrackedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut key = None;
        let got = self.map.next_key_seed(KeySeed { seed, key: &mut key })?;
        if let Some((hash, kind, api_version)) = key {
            if self.keys.insert(hash) {
                self.notes.repeated.set(true);
            }
            if self.top {
                if kind {
                    self.notes.kind.set(true);
                }
                if api_version {
                    self.notes.api_version.set(true);
                }
            }
        }
        Ok(got)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(TrackedSeed { seed, notes: self.notes })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A member's value (or a sequence's element), read through [`Tracked`] below the top level.
struct TrackedSeed<'n, S> {
    seed: S,
    notes: &'n Notes,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for TrackedSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Tracked { de: d, notes: self.notes, top: false })
    }
}

/// The key just read: its hash, and whether it is `kind` or `apiVersion`.
type KeySeen = Option<(u64, bool, bool)>;

/// A key, read through a deserializer that notes the string the key's type is handed.
struct KeySeed<'k, S> {
    seed: S,
    key: &'k mut KeySeen,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(KeyDe { de: d, key: self.key })
    }
}

struct KeyDe<'k, D> {
    de: D,
    key: &'k mut KeySeen,
}

impl<'k, D> KeyDe<'k, D> {
    fn split<V>(self, visitor: V) -> (D, KeyVisitor<'k, V>) {
        (self.de, KeyVisitor { visitor, key: self.key })
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, D> {
    type Error = D::Error;

    deserialize_methods!(forward);
    forward! {
        deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

struct KeyVisitor<'k, V> {
    visitor: V,
    key: &'k mut KeySeen,
}

impl<V> KeyVisitor<'_, V> {
    fn note(&mut self, key: &str) {
        *self.key = Some((key_hash(key), key == "kind", key == "apiVersion"));
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<V::Value, E> {
        self.note(v);
        self.visitor.visit_str(v)
    }

    fn visit_borrowed_str<E: de::Error>(mut self, v: &'de str) -> Result<V::Value, E> {
        self.note(v);
        self.visitor.visit_borrowed_str(v)
    }

    fn visit_string<E: de::Error>(mut self, v: String) -> Result<V::Value, E> {
        self.note(&v);
        self.visitor.visit_string(v)
    }

    // Keys in JSON are strings; the rest only pass through.
    scalar_visits!(pass);

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(map)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::core::v1::Pod;

    use super::*;

    fn seen(body: &str) -> Seen {
        decode_json_tracked::<Pod>(body.as_bytes()).expect("decodes").1
    }

    #[test]
    fn a_clean_pod_reports_nothing_but_its_type() {
        let s = seen(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"1","y":"2"},"creationTimestamp":null},
               "spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]},"status":{}}"#,
        );
        assert_eq!(s, Seen { unknown: false, repeated: false, kind: true, api_version: true });
        assert!(s.clean());
    }

    #[test]
    fn unknown_members_are_noted_at_any_depth() {
        assert!(seen(r#"{"kind":"Pod","apiVersion":"v1","bogus":1}"#).unknown);
        assert!(seen(r#"{"spec":{"containers":[{"name":"c","imagee":"i"}]}}"#).unknown);
        assert!(seen(r#"{"metadata":{"name":"a","extra":{"a":[1,2]}}}"#).unknown);
        assert!(!seen(r#"{"metadata":{"name":"a"}}"#).unknown);
    }

    /// Schemas nested as `items` are read by their own visitor over the same map, and stay
    /// tracked.
    #[test]
    fn nested_schemas_are_tracked() {
        use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
        let crd = |items: &str| {
            format!(
                r#"{{"spec":{{"group":"g","names":{{"plural":"a","kind":"A"}},"scope":"Namespaced",
                   "versions":[{{"name":"v1","served":true,"storage":true,
                   "schema":{{"openAPIV3Schema":{{"type":"array","items":{items}}}}}}}]}}}}"#
            )
        };
        let read = |body: String| {
            decode_json_tracked::<CustomResourceDefinition>(body.as_bytes()).expect("decodes").1
        };
        assert!(read(crd(r#"{"type":"string"}"#)).clean());
        assert!(read(crd(r#"{"type":"string","bogus":1}"#)).unknown);
        assert!(read(crd(r#"{"type":"string","type":"integer"}"#)).repeated);
    }

    #[test]
    fn repeated_keys_are_noted_in_structs_and_maps() {
        let s = seen(r#"{"metadata":{"name":"a","name":"b"}}"#);
        assert!(s.repeated && !s.unknown);
        assert!(seen(r#"{"metadata":{"labels":{"x":"1","x":"2"}}}"#).repeated);
        assert!(seen(r#"{"kind":"Pod","kind":"Pod"}"#).repeated);
        // The same key in different objects is no repeat.
        assert!(!seen(r#"{"metadata":{"name":"a","labels":{"name":"b"}}}"#).repeated);
        assert!(!seen(r#"{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}"#).repeated);
        // Past the first eight members of an object too.
        let many: Vec<String> = (0..12).map(|i| format!(r#""k{i}":"v""#)).collect();
        let labels =
            |extra: &str| format!(r#"{{"metadata":{{"labels":{{{}{extra}}}}}}}"#, many.join(","));
        assert!(!seen(&labels("")).repeated);
        assert!(seen(&labels(r#","k11":"w""#)).repeated);
        assert!(seen(&labels(r#","k2":"w""#)).repeated);
    }

    #[test]
    fn kind_and_api_version_count_only_at_the_top() {
        let s = seen(r#"{"metadata":{"labels":{"kind":"x","apiVersion":"y"}}}"#);
        assert!(!s.kind && !s.api_version);
        let s = seen(r#"{"kind":"Pod"}"#);
        assert!(s.kind && !s.api_version);
        let s = seen(r#"{"apiVersion":"v1"}"#);
        assert!(!s.kind && s.api_version);
    }

    #[test]
    fn the_value_is_what_serde_json_reads() {
        let body = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"k\"q":"v"}},
            "spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"500m"}}}],"priority":-3}}"#;
        let (pod, _) = decode_json_tracked::<Pod>(body.as_bytes()).unwrap();
        assert_eq!(pod, serde_json::from_str::<Pod>(body).unwrap());
        let (map, s) = decode_json_tracked::<BTreeMap<String, u8>>(br#"{"a":1,"b":2}"#).unwrap();
        assert_eq!(map.len(), 2);
        assert!(s.clean());
    }

    #[test]
    fn what_the_type_rejects_and_trailing_data_fail() {
        assert!(decode_json_tracked::<Pod>(br#"{"kind":"Service"}"#).is_err());
        assert!(decode_json_tracked::<Pod>(br#"{"spec":{"containers":"x"}}"#).is_err());
        assert!(decode_json_tracked::<Pod>(br#"{"kind":"Pod"} x"#).is_err());
        assert!(decode_json_tracked::<Pod>(br#"{"kind":"Pod""#).is_err());
        assert!(decode_json_tracked::<Pod>(b"[]").is_err());
    }
}
