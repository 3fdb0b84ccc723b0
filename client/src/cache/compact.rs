//! [`Compact`]: a cached object kept as the JSON the server sent, with the metadata the cache
//! reads (namespace, name, resourceVersion, uid, labels) located inside that JSON. An informer
//! of `Compact<K>` holds about the size of each object's JSON, where one of `K` holds the
//! decoded tree (about twice as much for pods, most of it `managedFields`), and decodes an
//! object only when a reader asks for it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::cache::fake::FakeObject;
use crate::cache::{CacheError, LabelAccess, MetaAccess, MetaRef, ViaMetadata};

/// Where a string lies in a [`Compact`]'s buffer (byte offsets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

/// An object of the kind `K` as its JSON encoding, exactly as the server sent it, plus the
/// identifying metadata and labels the cache machinery reads without decoding it.
///
/// It is what [`crate::rest::Api::compact`] lists and watches, and works everywhere a typed
/// object does: keys, the namespace index, listers and label selectors, the fake
/// lister-watcher. [`Compact::decode`] gives the typed object; [`Compact::decode_as`] reads
/// only the parts a caller names.
///
/// Building one checks that the JSON is an object, that its `apiVersion` and `kind` (when
/// present) are `K`'s, and that the metadata fields it keeps have the right types, with the
/// messages a typed decoding gives; the rest of the object is only checked when decoded.
pub struct Compact<K> {
    /// The JSON, then unescaped copies of any kept metadata strings whose JSON form holds
    /// escapes (rare: names and label values are plain ASCII).
    data: Box<str>,
    json_len: u32,
    namespace: Span,
    name: Span,
    resource_version: Span,
    uid: Span,
    /// Label keys and values, in the JSON's order.
    labels: Box<[(Span, Span)]>,
    _kind: PhantomData<fn() -> K>,
}

// Written by hand: deriving would wrongly require `K: Clone` (and `K: PartialEq`).
impl<K> Clone for Compact<K> {
    fn clone(&self) -> Self {
        Compact {
            data: self.data.clone(),
            json_len: self.json_len,
            namespace: self.namespace,
            name: self.name,
            resource_version: self.resource_version,
            uid: self.uid,
            labels: self.labels.clone(),
            _kind: PhantomData,
        }
    }
}

/// Equal when the JSON is byte for byte the same.
impl<K> PartialEq for Compact<K> {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl<K> Eq for Compact<K> {}

impl<K> fmt::Debug for Compact<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compact")
            .field("namespace", &self.namespace())
            .field("name", &self.name())
            .field("resource_version", &self.resource_version())
            .field("bytes", &self.json_len)
            .finish_non_exhaustive()
    }
}

impl<K> Compact<K> {
    fn text(&self, span: Span) -> &str {
        self.data.get(span.start as usize..span.end as usize).unwrap_or_default()
    }

    /// The object's JSON encoding.
    pub fn raw(&self) -> &[u8] {
        self.json().as_bytes()
    }

    /// The object's JSON encoding as text.
    pub fn json(&self) -> &str {
        self.data.get(..self.json_len as usize).unwrap_or_default()
    }

    /// `metadata.namespace`; empty when unset.
    pub fn namespace(&self) -> &str {
        self.text(self.namespace)
    }

    /// `metadata.name`; empty when unset.
    pub fn name(&self) -> &str {
        self.text(self.name)
    }

    /// `metadata.resourceVersion`; empty when unset.
    pub fn resource_version(&self) -> &str {
        self.text(self.resource_version)
    }

    /// `metadata.uid`; empty when unset.
    pub fn uid(&self) -> &str {
        self.text(self.uid)
    }

    /// `metadata.labels` as `(key, value)` pairs, in the order the JSON has them.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels.iter().map(|(k, v)| (self.text(*k), self.text(*v)))
    }

    /// The value of the label `key`, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Decodes the JSON as `T`: a type naming only the fields a caller reads decodes only
    /// those, skipping the rest.
    pub fn decode_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json())
    }

    /// Decodes the whole `metadata` (annotations, owner references, managedFields, ...)
    /// without the rest of the object; the default when the object has none.
    pub fn decode_metadata(&self) -> Result<ObjectMeta, serde_json::Error> {
        #[derive(Deserialize)]
        struct MetadataOnly {
            #[serde(default)]
            metadata: Option<ObjectMeta>,
        }
        Ok(self.decode_as::<MetadataOnly>()?.metadata.unwrap_or_default())
    }
}

impl<K: DeserializeOwned> Compact<K> {
    /// The typed object, decoded from the JSON.
    pub fn decode(&self) -> Result<K, serde_json::Error> {
        self.decode_as()
    }
}

impl<K: Resource> Compact<K> {
    /// An object from its JSON encoding (kept as given, whitespace included: API servers send
    /// none).
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let meta = (&mut de).deserialize_map(HeadVisitor::<K>(PhantomData))?;
        de.end()?;
        let meta = meta.unwrap_or_default();
        let mut b = Builder { json, extra: String::new() };
        let namespace = b.span(meta.namespace)?;
        let name = b.span(meta.name)?;
        let resource_version = b.span(meta.resource_version)?;
        let uid = b.span(meta.uid)?;
        let labels = meta
            .labels
            .into_iter()
            .map(|(k, v)| Ok((b.span(Some(k))?, b.span(Some(v))?)))
            .collect::<Result<Box<[_]>, serde_json::Error>>()?;
        let json_len = offset(json.len())?;
        let data: Box<str> = if b.extra.is_empty() {
            json.into()
        } else {
            let mut data = String::with_capacity(json.len() + b.extra.len());
            data.push_str(json);
            data.push_str(&b.extra);
            data.into_boxed_str()
        };
        Ok(Compact {
            data,
            json_len,
            namespace,
            name,
            resource_version,
            uid,
            labels,
            _kind: PhantomData,
        })
    }

    /// An object from its JSON encoding as bytes, which must be UTF-8.
    pub fn from_slice(json: &[u8]) -> Result<Self, serde_json::Error> {
        let json = std::str::from_utf8(json).map_err(de::Error::custom)?;
        Self::from_json(json)
    }
}

impl<K: Resource + Serialize> Compact<K> {
    /// Encodes a typed object (for transforms that rewrite cached objects, and for tests).
    pub fn from_object(obj: &K) -> Result<Self, serde_json::Error> {
        Self::from_json(&serde_json::to_string(obj)?)
    }
}

impl<K> MetaAccess<ViaMetadata> for Compact<K> {
    fn meta(&self) -> Result<MetaRef<'_>, CacheError> {
        Ok(MetaRef {
            namespace: self.namespace(),
            name: self.name(),
            resource_version: self.resource_version(),
        })
    }
}

impl<K> LabelAccess<ViaMetadata> for Compact<K> {
    fn label(&self, key: &str) -> Option<&str> {
        Compact::label(self, key)
    }
}

impl<K: Resource + 'static> FakeObject<ViaMetadata> for Compact<K> {
    /// Rewrites the JSON with the new `metadata.resourceVersion`.
    fn set_resource_version(&mut self, rv: &str) {
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(self.json()) else {
            return;
        };
        let Some(obj) = value.as_object_mut() else { return };
        let meta = obj.entry("metadata").or_insert_with(|| serde_json::json!({}));
        let Some(meta) = meta.as_object_mut() else { return };
        meta.insert("resourceVersion".to_string(), rv.into());
        if let Ok(json) = serde_json::to_string(&value)
            && let Ok(updated) = Self::from_json(&json)
        {
            *self = updated;
        }
    }
}

fn offset(n: usize) -> Result<u32, serde_json::Error> {
    u32::try_from(n).map_err(|_| de::Error::custom(format!("object of {n} bytes is too large")))
}

/// Locates the kept strings: in the JSON when it holds them verbatim, else in `extra`.
struct Builder<'j> {
    json: &'j str,
    extra: String,
}

impl Builder<'_> {
    fn span(&mut self, text: Option<Text<'_>>) -> Result<Span, serde_json::Error> {
        let Some(Text(text)) = text else { return Ok(Span::default()) };
        if let Cow::Borrowed(s) = text {
            let base = self.json.as_ptr() as usize;
            if let Some(at) = (s.as_ptr() as usize).checked_sub(base)
                && at.checked_add(s.len()).is_some_and(|end| end <= self.json.len())
            {
                return Ok(Span { start: offset(at)?, end: offset(at + s.len())? });
            }
        }
        let start = self.json.len() + self.extra.len();
        self.extra.push_str(&text);
        Ok(Span { start: offset(start)?, end: offset(start + text.len())? })
    }
}

/// A JSON string, borrowed from the input unless it holds escapes.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The kept metadata fields, borrowed from the JSON.
#[derive(Default)]
struct Meta<'a> {
    namespace: Option<Text<'a>>,
    name: Option<Text<'a>>,
    resource_version: Option<Text<'a>>,
    uid: Option<Text<'a>>,
    labels: Vec<(Text<'a>, Text<'a>)>,
}

/// The top-level keys read; the others are skipped without decoding.
enum HeadField {
    ApiVersion,
    Kind,
    Metadata,
    Other,
}

impl<'de> Deserialize<'de> for HeadField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = HeadField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeadField, E> {
                Ok(match v {
                    "apiVersion" => HeadField::ApiVersion,
                    "kind" => HeadField::Kind,
                    "metadata" => HeadField::Metadata,
                    _ => HeadField::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

/// Reads an object of `K` as the typed decoding would (the same checks of `apiVersion` and
/// `kind`, the same messages), keeping only the metadata.
struct HeadVisitor<K>(PhantomData<fn() -> K>);

impl<'de, K: Resource> Visitor<'de> for HeadVisitor<K> {
    type Value = Option<Meta<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(K::KIND)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut meta = None;
        while let Some(field) = map.next_key::<HeadField>()? {
            match field {
                HeadField::ApiVersion => {
                    let Text(v) = map.next_value()?;
                    if v != K::API_VERSION {
                        return Err(de::Error::invalid_value(Unexpected::Str(&v), &K::API_VERSION));
                    }
                }
                HeadField::Kind => {
                    let Text(v) = map.next_value()?;
                    if v != K::KIND {
                        return Err(de::Error::invalid_value(Unexpected::Str(&v), &K::KIND));
                    }
                }
                HeadField::Metadata => meta = map.next_value::<Option<Meta<'de>>>()?,
                HeadField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(meta)
    }
}

/// The `metadata` keys read.
enum MetaField {
    Namespace,
    Name,
    ResourceVersion,
    Uid,
    Labels,
    Other,
}

impl<'de> Deserialize<'de> for MetaField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = MetaField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MetaField, E> {
                Ok(match v {
                    "namespace" => MetaField::Namespace,
                    "name" => MetaField::Name,
                    "resourceVersion" => MetaField::ResourceVersion,
                    "uid" => MetaField::Uid,
                    "labels" => MetaField::Labels,
                    _ => MetaField::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Meta<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MetaVisitor;
        impl<'de> Visitor<'de> for MetaVisitor {
            type Value = Meta<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("ObjectMeta")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Meta<'de>, A::Error> {
                let mut meta = Meta::default();
                while let Some(field) = map.next_key::<MetaField>()? {
                    match field {
                        MetaField::Namespace => meta.namespace = map.next_value()?,
                        MetaField::Name => meta.name = map.next_value()?,
                        MetaField::ResourceVersion => meta.resource_version = map.next_value()?,
                        MetaField::Uid => meta.uid = map.next_value()?,
                        MetaField::Labels => {
                            meta.labels =
                                map.next_value::<Option<Labels<'de>>>()?.unwrap_or_default().0;
                        }
                        MetaField::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(meta)
            }
        }
        deserializer.deserialize_map(MetaVisitor)
    }
}

/// `metadata.labels`; a repeated key keeps its last value, as a map would.
#[derive(Default)]
struct Labels<'a>(Vec<(Text<'a>, Text<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Labels<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels<'de>, A::Error> {
                let mut labels: Vec<(Text<'de>, Text<'de>)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<Text<'de>, Text<'de>>()? {
                    match labels.iter_mut().find(|(k, _)| k.0 == key.0) {
                        Some(entry) => entry.1 = value,
                        None => labels.push((key, value)),
                    }
                }
                Ok(Labels(labels))
            }
        }
        deserializer.deserialize_map(LabelsVisitor)
    }
}

#[cfg(test)]
#[path = "compact_tests.rs"]
mod tests;
