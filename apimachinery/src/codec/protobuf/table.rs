//! The shapes of the generated protobuf field table (`generated.rs`).

/// A message type of the built-in API.
#[derive(Debug)]
pub(super) struct Message {
    /// Fully qualified protobuf name, for error messages.
    pub name: &'static str,
    /// Messages whose JSON form is not an object of their fields.
    pub special: Special,
    /// Fields in JSON order (k8s-openapi's property order).
    pub fields: &'static [Field],
}

/// One field of a message.
#[derive(Debug)]
pub(super) struct Field {
    /// Protobuf field number.
    pub tag: u32,
    /// JSON name.
    pub json: &'static str,
    /// Element type (the value type of a map; keys are always strings).
    pub ty: Ty,
    /// Cardinality.
    pub card: Card,
    /// `OMITEMPTY` and `POINTER` bits.
    pub flags: u8,
}

/// The Go JSON tag has `omitempty`.
pub(super) const OMITEMPTY: u8 = 1;
/// The Go field is a pointer, so it is on the wire only when set, zero or not.
pub(super) const POINTER: u8 = 2;

/// A field's element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    /// `string`.
    String,
    /// `bytes` (base64 in JSON).
    Bytes,
    /// `bool`.
    Bool,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `double`.
    Double,
    /// A message, by index into `MESSAGES`.
    Message(u16),
}

/// How many values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Card {
    /// One value.
    Single,
    /// A list.
    Repeated,
    /// `map<string, T>`.
    Map,
}

/// Messages with a custom JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Special {
    /// An object of its fields.
    None,
    /// `metav1.Time`: RFC 3339 seconds, `null` when zero.
    Time,
    /// `metav1.MicroTime`: RFC 3339 microseconds, `null` when zero.
    MicroTime,
    /// `metav1.Duration`: a Go duration string.
    Duration,
    /// `resource.Quantity`: its string.
    Quantity,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    /// Embedded JSON in field 1 (`RawExtension`, `FieldsV1`, apiextensions `JSON`).
    RawJson,
    /// apiextensions `JSONSchemaPropsOrArray`: a schema or an array of schemas.
    PropsOrArray,
    /// apiextensions `JSONSchemaPropsOrBool`: a schema or a boolean.
    PropsOrBool,
    /// apiextensions `JSONSchemaPropsOrStringArray`: a schema or an array of strings.
    PropsOrStringArray,
    /// A Go `[]string` type wrapped in a message (`Verbs`, `ExtraValue`): an array.
    StringArray,
}

/// Shortens the generated table.
pub(super) const fn f(tag: u32, json: &'static str, ty: Ty, card: Card, flags: u8) -> Field {
    Field { tag, json, ty, card, flags }
}
