//! The error type shared by every patch operation, with upstream's exact messages.

/// Errors raised while creating or applying JSON, merge and strategic merge patches.
///
/// The `Display` text of each variant is the message upstream returns, so it can be placed in
/// a `Status` unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// A document or patch is not a JSON object.
    #[error("invalid JSON document")]
    BadJsonDoc,
    /// A list contains lists, which strategic merge patch cannot merge.
    #[error("lists of lists are not supported")]
    NoListOfLists,
    /// A `$deleteFromPrimitiveList` directive is malformed.
    #[error("invalid patch format of primitive list")]
    BadPatchFormatForPrimitiveList,
    /// A `$retainKeys` directive is malformed or does not cover the patch's fields.
    #[error("invalid patch format of retainKeys")]
    BadPatchFormatForRetainKeys,
    /// A `$setElementOrder` directive is malformed or disagrees with its list.
    #[error("invalid patch format of setElementOrder list")]
    BadPatchFormatForSetElementOrderList,
    /// The patch content does not match its `$retainKeys` list.
    #[error("patch content doesn't match retainKeys list")]
    PatchContentNotMatchRetainKeys,
    /// Strategic merge patch was requested for a type without a schema (e.g. a custom resource).
    #[error("strategic merge patch format is not supported")]
    UnsupportedStrategicMergePatchFormat,
    /// A precondition on a created patch did not hold; the text is the full message.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A three-way patch conflicts with changes made on the server (kubectl apply without
    /// `--overwrite`).
    #[error("patch:\n{patch}\nconflicts with changes made from original to current:\n{current}\n")]
    Conflict {
        /// The computed patch, rendered as YAML.
        patch: String,
        /// The changes from original to current, rendered as YAML.
        current: String,
    },
    /// The schema lookup for a field failed (unknown field, wrong kind of field).
    #[error("{0}")]
    Lookup(String),
    /// The patch or document is malformed in a way upstream reports with a specific message.
    #[error("{0}")]
    Invalid(String),
    /// A JSON patch (RFC 6902) document could not be decoded.
    #[error("{0}")]
    InvalidJsonPatch(String),
    /// A JSON patch (RFC 6902) operation failed against the document.
    #[error("{0}")]
    JsonPatchFailed(String),
}

impl PatchError {
    /// True for a three-way merge conflict (upstream's `mergepatch.IsConflict`).
    pub fn is_conflict(&self) -> bool {
        matches!(self, PatchError::Conflict { .. })
    }

    /// True for a failed precondition (upstream's `mergepatch.IsPreconditionFailed`).
    pub fn is_precondition_failed(&self) -> bool {
        matches!(self, PatchError::PreconditionFailed(_))
    }
}
