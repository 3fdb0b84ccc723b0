//! Patch machinery for the PATCH verb and client-side apply: JSON patch (RFC 6902), JSON merge
//! patch (RFC 7396) and strategic merge patch, mirroring k8s.io/apimachinery's
//! `pkg/util/strategicpatch`, `pkg/util/mergepatch` and `pkg/util/jsonmergepatch`.

mod errors;
mod json;
mod meta;
mod sort;
mod strategic;
mod strategies;

pub use errors::PatchError;
pub use json::{
    PatchType, apply_json_patch, apply_merge_patch, create_merge_patch,
    create_three_way_json_merge_patch, has_conflicts,
};
pub use meta::{
    FieldType, Lookup, LookupPatchMeta, PatchMeta, PatchSchema, PatchSchemaBuilder, Strategy,
};
pub use strategic::{
    Precondition, create_three_way_merge_patch, create_three_way_merge_patch_with_preconditions,
    create_two_way_merge_patch, create_two_way_merge_patch_with_preconditions,
    merge_strategic_merge_patches, merging_maps_have_conflicts, strategic_merge_patch,
    strategic_merge_patch_bytes,
};

#[cfg(test)]
mod test_cases;
#[cfg(test)]
mod tests;
