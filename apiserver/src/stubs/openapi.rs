//! OpenAPI documents (an empty index until the documents are generated).

/// The OpenAPI documents the server publishes.
#[derive(Debug, Default)]
pub struct OpenApi;

impl OpenApi {
    /// Builds the documents.
    pub fn new() -> Self {
        OpenApi
    }
}

/// Answers `/openapi/...`: content type, body, ETag.
pub fn serve(
    _api: &OpenApi,
    path: &str,
    _query: &str,
    _accept: &str,
) -> Option<(String, Vec<u8>, Option<String>)> {
    match path {
        "/openapi/v3" | "/openapi/v3/" => {
            Some(("application/json".into(), br#"{"paths":{}}"#.to_vec(), None))
        }
        _ => None,
    }
}
