//! Media types and content negotiation as kube-apiserver does it (`handlers/negotiation` over
//! goautoneg): `Content-Type`/`Accept` parsing, choosing the response serializer, and the
//! `as=Table;g=meta.k8s.io;v=v1` style conversion targets.

use std::fmt;

use crate::schema::GroupVersionKind;

/// `application/json`.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// `application/yaml`.
pub const CONTENT_TYPE_YAML: &str = "application/yaml";
/// `application/vnd.kubernetes.protobuf`.
pub const CONTENT_TYPE_PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
/// `application/cbor`.
pub const CONTENT_TYPE_CBOR: &str = "application/cbor";
/// `application/json-patch+json`.
pub const CONTENT_TYPE_JSON_PATCH: &str = "application/json-patch+json";
/// `application/merge-patch+json`.
pub const CONTENT_TYPE_MERGE_PATCH: &str = "application/merge-patch+json";
/// `application/strategic-merge-patch+json`.
pub const CONTENT_TYPE_STRATEGIC_MERGE_PATCH: &str = "application/strategic-merge-patch+json";
/// `application/apply-patch+yaml`.
pub const CONTENT_TYPE_APPLY_PATCH_YAML: &str = "application/apply-patch+yaml";

/// A parsed media type (Go's `mime.ParseMediaType`): lower-cased type, subtype and parameter
/// names; parameter values as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// `application`.
    pub type_: String,
    /// `json`.
    pub subtype: String,
    /// Parameters in order.
    pub params: Vec<(String, String)>,
}

impl MediaType {
    /// `type/subtype` without parameters.
    pub fn essence(&self) -> String {
        if self.subtype.is_empty() {
            self.type_.clone()
        } else {
            format!("{}/{}", self.type_, self.subtype)
        }
    }
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A media type string is malformed (Go's `mime` error texts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MediaTypeError(pub String);

fn is_token_char(c: char) -> bool {
    c.is_ascii_graphic()
        && !matches!(
            c,
            '(' | ')'
                | '<'
                | '>'
                | '@'
                | ','
                | ';'
                | ':'
                | '\\'
                | '"'
                | '/'
                | '['
                | ']'
                | '?'
                | '='
        )
}

fn consume_token(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_token_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

fn consume_value(s: &str) -> Option<(String, &str)> {
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, &rest[i + 1..])),
                '\\' => {
                    let (_, n) = chars.next()?;
                    out.push(n);
                }
                '\r' | '\n' => return None,
                c => out.push(c),
            }
        }
        None
    } else {
        let (tok, rest) = consume_token(s);
        if tok.is_empty() { None } else { Some((tok.to_string(), rest)) }
    }
}

/// Parses a `Content-Type`-style media type with parameters.
pub fn parse_media_type(v: &str) -> Result<MediaType, MediaTypeError> {
    let (base, mut rest) = match v.find(';') {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let base = base.trim().to_ascii_lowercase();
    let (t, after) = consume_token(&base);
    if t.is_empty() {
        return Err(MediaTypeError("mime: no media type".into()));
    }
    let Some(after) = after.strip_prefix('/') else {
        return Err(MediaTypeError("mime: expected slash after first token".into()));
    };
    let (st, after) = consume_token(after);
    if st.is_empty() {
        return Err(MediaTypeError("mime: expected token after slash".into()));
    }
    if !after.is_empty() {
        return Err(MediaTypeError("mime: unexpected content after media subtype".into()));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            break;
        }
        let Some(r) = rest.strip_prefix(';') else {
            return Err(MediaTypeError("mime: invalid media parameter".into()));
        };
        let r = r.trim_start_matches([' ', '\t']);
        if r.is_empty() {
            // A trailing semicolon is tolerated.
            break;
        }
        let (name, r) = consume_token(r);
        let r = r.trim_start_matches([' ', '\t']);
        let Some(r) = r.strip_prefix('=') else {
            return Err(MediaTypeError("mime: invalid media parameter".into()));
        };
        let r = r.trim_start_matches([' ', '\t']);
        let Some((value, r)) = consume_value(r) else {
            return Err(MediaTypeError("mime: invalid media parameter".into()));
        };
        if name.is_empty() {
            return Err(MediaTypeError("mime: invalid media parameter".into()));
        }
        let name = name.to_ascii_lowercase();
        if params.iter().any(|(k, _)| *k == name) {
            return Err(MediaTypeError("mime: duplicate parameter name".into()));
        }
        params.push((name, value));
        rest = r;
    }
    Ok(MediaType { type_: t.to_string(), subtype: st.to_string(), params })
}

/// One clause of an `Accept` header (goautoneg's parsing).
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptClause {
    /// Type, possibly `*`.
    pub type_: String,
    /// Subtype, possibly `*`.
    pub subtype: String,
    /// Quality (1 by default; 0 when unparsable).
    pub q: f64,
    /// Parameters other than `q`, in order.
    pub params: Vec<(String, String)>,
}

/// Parses an `Accept` header into clauses ordered by preference exactly as goautoneg does
/// (q first, then concrete types before wildcards; clauses without a slash other than `*` are
/// dropped).
pub fn parse_accept(header: &str) -> Vec<AcceptClause> {
    let mut out = Vec::new();
    for part in header.split(',') {
        let part = part.trim_matches(' ');
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or("");
        let sp: Vec<&str> = range.split('/').collect();
        let type_ = sp.first().copied().unwrap_or("").trim_matches(' ').to_string();
        let subtype = match sp.len() {
            1 if type_ == "*" => "*".to_string(),
            2 => sp[1].trim_matches(' ').to_string(),
            _ => continue,
        };
        let mut clause = AcceptClause { type_, subtype, q: 1.0, params: Vec::new() };
        for param in pieces {
            let Some((k, v)) = param.split_once('=') else { continue };
            let k = k.trim_matches(' ');
            if k == "q" {
                // Go parses as float32 and ignores errors (leaving 0).
                clause.q = v.parse::<f32>().map(f64::from).unwrap_or(0.0);
            } else {
                let v = v.trim_matches(' ').to_string();
                match clause.params.iter_mut().find(|(ek, _)| ek == k) {
                    Some(e) => e.1 = v,
                    None => clause.params.push((k.to_string(), v)),
                }
            }
        }
        out.push(clause);
    }
    // goautoneg sorts with this (non-strict) ordering; Go's sort runs insertion sort on short
    // slices, which this reproduces.
    let less = |a: &AcceptClause, b: &AcceptClause| {
        a.q > b.q || (a.type_ != "*" && b.type_ == "*") || (a.subtype != "*" && b.subtype == "*")
    };
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && less(&out[j], &out[j - 1]) {
            out.swap(j, j - 1);
            j -= 1;
        }
    }
    out
}

/// A serializer the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerializerInfo {
    /// Full media type, e.g. `application/json`.
    pub media_type: String,
    /// Type part.
    pub media_type_type: String,
    /// Subtype part.
    pub media_type_subtype: String,
    /// Whether it can frame a watch stream.
    pub streaming: bool,
}

impl SerializerInfo {
    /// Describes a serializer; the type and subtype are split from `media_type`.
    pub fn new(media_type: &str, streaming: bool) -> Self {
        let essence = parse_media_type(media_type)
            .map(|m| m.essence())
            .unwrap_or_else(|_| media_type.to_string());
        let (t, st) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
        Self {
            media_type: media_type.to_string(),
            media_type_type: t.to_string(),
            media_type_subtype: st.to_string(),
            streaming,
        }
    }
}

/// The serializers kube-apiserver offers for built-in resources, in its order.
pub fn standard_serializers() -> Vec<SerializerInfo> {
    vec![
        SerializerInfo::new(CONTENT_TYPE_JSON, true),
        SerializerInfo::new(CONTENT_TYPE_YAML, false),
        SerializerInfo::new(CONTENT_TYPE_PROTOBUF, true),
    ]
}

/// The media types (and streaming media types) of a serializer list, as in error messages.
pub fn media_types_for_serializers(infos: &[SerializerInfo]) -> (Vec<String>, Vec<String>) {
    let types = infos.iter().map(|i| i.media_type.clone()).collect();
    let stream = infos
        .iter()
        .filter(|i| i.streaming)
        .map(|i| format!("{};stream=watch", i.media_type))
        .collect();
    (types, stream)
}

/// What an endpoint permits during negotiation.
pub trait EndpointRestrictions {
    /// Whether the response may be converted to `target` (None: no conversion) in this format.
    fn allows_media_type_transform(
        &self,
        mime_type: &str,
        mime_subtype: &str,
        target: Option<&GroupVersionKind>,
    ) -> bool;
    /// Whether `sv=` may name this version.
    fn allows_server_version(&self, version: &str) -> bool;
    /// Whether `stream=` may name this schema.
    fn allows_stream_schema(&self, schema: &str) -> bool;
}

/// Upstream's `DefaultEndpointRestrictions`: no conversions, only `stream=watch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultEndpointRestrictions;

impl EndpointRestrictions for DefaultEndpointRestrictions {
    fn allows_media_type_transform(
        &self,
        _: &str,
        _: &str,
        target: Option<&GroupVersionKind>,
    ) -> bool {
        target.is_none()
    }
    fn allows_server_version(&self, _: &str) -> bool {
        false
    }
    fn allows_stream_schema(&self, s: &str) -> bool {
        s == "watch"
    }
}

/// A resource endpoint's restrictions (upstream's `RequestScope`).
#[derive(Debug, Clone, Default)]
pub struct ResourceEndpointRestrictions {
    /// Whether the resource can be printed as a Table.
    pub table_convertor: bool,
    /// When non-empty, plain responses are limited to these serializers (e.g. CRDs).
    pub standard_serializers: Vec<SerializerInfo>,
    /// The meta group version the server speaks (`v1`), for `sv=`.
    pub meta_version: String,
}

impl EndpointRestrictions for ResourceEndpointRestrictions {
    fn allows_media_type_transform(
        &self,
        t: &str,
        st: &str,
        target: Option<&GroupVersionKind>,
    ) -> bool {
        let Some(gvk) = target else {
            return self.standard_serializers.is_empty()
                || self
                    .standard_serializers
                    .iter()
                    .any(|i| i.media_type_type == t && i.media_type_subtype == st);
        };
        if gvk.group != "meta.k8s.io" || (gvk.version != "v1" && gvk.version != "v1beta1") {
            return false;
        }
        match gvk.kind.as_str() {
            "Table" => self.table_convertor && t == "application" && (st == "json" || st == "yaml"),
            "PartialObjectMetadata" | "PartialObjectMetadataList" => true,
            _ => false,
        }
    }
    fn allows_server_version(&self, v: &str) -> bool {
        v == self.meta_version
    }
    fn allows_stream_schema(&self, s: &str) -> bool {
        s == "watch"
    }
}

/// The outcome of negotiation: the serializer to use and the options the client asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaTypeOptions {
    /// `pretty=1` was requested.
    pub pretty: bool,
    /// `stream=` value (`watch`), if any.
    pub stream: String,
    /// The requested conversion (`as=`, `g=`, `v=`), if any.
    pub convert: Option<GroupVersionKind>,
    /// `sv=` value.
    pub use_server_version: String,
    /// `export=1` was requested.
    pub export: bool,
    /// `profile=` value.
    pub profile: String,
    /// Parameter names that were not understood.
    pub unrecognized: Vec<String>,
    /// The chosen serializer.
    pub accepted: SerializerInfo,
}

/// What the response body should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseTarget {
    /// The object itself.
    Object,
    /// A `Table` in the given meta version.
    Table {
        /// `v1` or `v1beta1`.
        version: String,
    },
    /// `PartialObjectMetadata` in the given meta version.
    PartialObjectMetadata {
        /// `v1` or `v1beta1`.
        version: String,
    },
    /// `PartialObjectMetadataList` in the given meta version.
    PartialObjectMetadataList {
        /// `v1` or `v1beta1`.
        version: String,
    },
}

impl MediaTypeOptions {
    /// The response target, as upstream's `targetEncodingForTransform` decides it.
    pub fn target(&self) -> ResponseTarget {
        let Some(gvk) = &self.convert else { return ResponseTarget::Object };
        if gvk.group != "meta.k8s.io" || (gvk.version != "v1" && gvk.version != "v1beta1") {
            return ResponseTarget::Object;
        }
        let version = gvk.version.clone();
        match gvk.kind.as_str() {
            "Table" => ResponseTarget::Table { version },
            "PartialObjectMetadata" => ResponseTarget::PartialObjectMetadata { version },
            "PartialObjectMetadataList" => ResponseTarget::PartialObjectMetadataList { version },
            _ => ResponseTarget::Object,
        }
    }
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Negotiation failed; each maps to an HTTP status with upstream's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// 406: nothing in `Accept` can be produced.
    #[error("only the following media types are accepted: {}", .0.join(", "))]
    NotAcceptable(Vec<String>),
    /// 406: the conversion target cannot be produced in the requested format.
    #[error("only the following media types are accepted when converting to {target}: {}", .accepted.join(", "))]
    NotAcceptableConversion {
        /// The conversion target.
        target: String,
        /// Acceptable media types.
        accepted: Vec<String>,
    },
    /// 415: the request body's media type is not understood.
    #[error("the body of the request was in an unknown format - accepted media types include: {}", .0.join(", "))]
    UnsupportedMediaType(Vec<String>),
}

impl NegotiationError {
    /// HTTP status code: 415 for an unknown request body, 406 otherwise.
    pub fn code(&self) -> u16 {
        match self {
            NegotiationError::UnsupportedMediaType(_) => 415,
            _ => 406,
        }
    }

    /// The API error (and so the `Status` body) the apiserver returns for this failure.
    pub fn to_status_error(&self) -> crate::errors::StatusError {
        use crate::errors::{StatusError, StatusReason};
        match self {
            NegotiationError::NotAcceptable(accepted) => {
                StatusError::new_not_acceptable(&as_strs(accepted))
            }
            NegotiationError::UnsupportedMediaType(accepted) => {
                StatusError::new_unsupported_media_type(&as_strs(accepted))
            }
            NegotiationError::NotAcceptableConversion { .. } => {
                StatusError::failure(406, StatusReason::NotAcceptable, self.to_string(), None)
            }
        }
    }
}

fn accept_options(
    params: &[(String, String)],
    accepts: &SerializerInfo,
    endpoint: &dyn EndpointRestrictions,
) -> Option<MediaTypeOptions> {
    let mut o = MediaTypeOptions {
        pretty: false,
        stream: String::new(),
        convert: None,
        use_server_version: String::new(),
        export: false,
        profile: String::new(),
        unrecognized: Vec::new(),
        accepted: accepts.clone(),
    };
    for (k, v) in params {
        match k.as_str() {
            "as" => o.convert.get_or_insert_with(GroupVersionKind::default).kind = v.clone(),
            "g" => o.convert.get_or_insert_with(GroupVersionKind::default).group = v.clone(),
            "v" => o.convert.get_or_insert_with(GroupVersionKind::default).version = v.clone(),
            "stream" => {
                if !v.is_empty() && (!accepts.streaming || !endpoint.allows_stream_schema(v)) {
                    return None;
                }
                o.stream = v.clone();
            }
            "sv" => {
                if !v.is_empty() && !endpoint.allows_server_version(v) {
                    return None;
                }
                o.use_server_version = v.clone();
            }
            "export" => o.export = v == "1",
            "pretty" => o.pretty = v == "1",
            "profile" => o.profile = v.clone(),
            _ => o.unrecognized.push(k.clone()),
        }
    }
    if !endpoint.allows_media_type_transform(
        &accepts.media_type_type,
        &accepts.media_type_subtype,
        o.convert.as_ref(),
    ) {
        return None;
    }
    Some(o)
}

/// Picks the first acceptable (clause, serializer) pair; an empty header picks the first
/// serializer. None when nothing matches.
pub fn negotiate_media_type_options(
    header: &str,
    accepted: &[SerializerInfo],
    endpoint: &dyn EndpointRestrictions,
) -> Option<MediaTypeOptions> {
    if header.is_empty()
        && let Some(first) = accepted.first()
    {
        return accept_options(&[], first, &AllowAll).map(|mut o| {
            o.accepted = first.clone();
            o
        });
    }
    for clause in parse_accept(header) {
        for info in accepted {
            let matches = (clause.type_ == info.media_type_type
                && (clause.subtype == info.media_type_subtype || clause.subtype == "*"))
                || (clause.type_ == "*" && clause.subtype == "*");
            if matches && let Some(o) = accept_options(&clause.params, info, endpoint) {
                return Some(o);
            }
        }
    }
    None
}

struct AllowAll;
impl EndpointRestrictions for AllowAll {
    fn allows_media_type_transform(&self, _: &str, _: &str, _: Option<&GroupVersionKind>) -> bool {
        true
    }
    fn allows_server_version(&self, _: &str) -> bool {
        true
    }
    fn allows_stream_schema(&self, _: &str) -> bool {
        true
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Whether the response should be pretty-printed without being asked in `Accept`: the
/// `pretty` query parameter, or a curl/Wget/browser user agent.
pub fn is_pretty_print(raw_query: &str, user_agent: &str) -> bool {
    if raw_query.contains("pretty") {
        let value = raw_query
            .split('&')
            .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
            .find(|(k, _)| *k == "pretty")
            .map(|(_, v)| v);
        if let Some(v) = value
            && !v.is_empty()
        {
            return parse_go_bool(v).unwrap_or(false);
        }
    }
    user_agent.starts_with("curl")
        || user_agent.starts_with("Wget")
        || user_agent.starts_with("Mozilla/5.0")
}

/// Chooses the response serializer for a request's `Accept` header; 406 when nothing matches.
/// `pretty` is set when the header or [`is_pretty_print`] asks for it.
pub fn negotiate_output_media_type(
    accept: &str,
    supported: &[SerializerInfo],
    endpoint: &dyn EndpointRestrictions,
    pretty_request: bool,
) -> Result<MediaTypeOptions, NegotiationError> {
    match negotiate_media_type_options(accept, supported, endpoint) {
        Some(mut o) => {
            o.pretty = o.pretty || pretty_request;
            Ok(o)
        }
        None => Err(NegotiationError::NotAcceptable(media_types_for_serializers(supported).0)),
    }
}

/// Chooses the serializer for a watch stream; 406 (listing streaming types) when none fits.
pub fn negotiate_output_media_type_stream(
    accept: &str,
    supported: &[SerializerInfo],
    endpoint: &dyn EndpointRestrictions,
) -> Result<MediaTypeOptions, NegotiationError> {
    match negotiate_media_type_options(accept, supported, endpoint) {
        Some(o) if o.accepted.streaming => Ok(o),
        _ => Err(NegotiationError::NotAcceptable(media_types_for_serializers(supported).1)),
    }
}

/// Chooses the serializer for a request body's `Content-Type` (empty means the first
/// serializer); 415 when it is unknown.
pub fn negotiate_input_serializer(
    content_type: &str,
    streaming: bool,
    supported: &[SerializerInfo],
) -> Result<SerializerInfo, NegotiationError> {
    let ct = if content_type.is_empty() {
        supported.first().map(|s| s.media_type.as_str()).unwrap_or("")
    } else {
        content_type
    };
    if let Ok(mt) = parse_media_type(ct) {
        let essence = mt.essence();
        if let Some(info) = supported.iter().find(|i| i.media_type == essence) {
            return Ok(info.clone());
        }
        if let Some(info) = supported.iter().find(|i| i.media_type.is_empty()) {
            return Ok(info.clone());
        }
    }
    let (types, stream) = media_types_for_serializers(supported);
    Err(NegotiationError::UnsupportedMediaType(if streaming { stream } else { types }))
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.essence())?;
        for (k, v) in &self.params {
            write!(f, ";{k}={v}")?;
        }
        Ok(())
    }
}
