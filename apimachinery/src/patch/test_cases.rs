//! Test tables from upstream's strategicpatch patch_test.go (inputs and expected outputs).

/// One raw test case: YAML documents (empty when absent).
pub(super) struct RawCase {
    pub description: &'static str,
    pub original: &'static str,
    pub modified: &'static str,
    pub current: &'static str,
    pub two_way: &'static str,
    pub three_way: &'static str,
    pub result: &'static str,
    pub two_way_result: &'static str,
    pub expected_error: &'static str,
}

/// Upstream's `createStrategicMergePatchTestCaseData`.
pub(super) const CREATE_CASES_YAML: &str = r#"
testCases:
  - description: nil original
    twoWay:
      name: 1
      value: 1
    modified:
      name: 1
      value: 1
    current:
      name: 1
      other: a
    threeWay:
      value: 1
    result:
      name: 1
      value: 1
      other: a
  - description: nil patch
    original:
      name: 1
    twoWay:
      {}
    modified:
      name: 1
    current:
      name: 1
    threeWay:
      {}
    result:
      name: 1
  - description: add field to map
    original:
      name: 1
    twoWay:
      value: 1
    modified:
      name: 1
      value: 1
    current:
      name: 1
      other: a
    threeWay:
      value: 1
    result:
      name: 1
      value: 1
      other: a
  - description: add field to map with conflict
    original:
      name: 1
    twoWay:
      value: 1
    modified:
      name: 1
      value: 1
    current:
      name: a
      other: a
    threeWay:
      name: 1
      value: 1
    result:
      name: 1
      value: 1
      other: a
  - description: add field and delete field from map
    original:
      name: 1
    twoWay:
      name: null
      value: 1
    modified:
      value: 1
    current:
      name: 1
      other: a
    threeWay:
      name: null
      value: 1
    result:
      value: 1
      other: a
  - description: add field and delete field from map with conflict
    original:
      name: 1
    twoWay:
      name: null
      value: 1
    modified:
      value: 1
    current:
      name: a
      other: a
    threeWay:
      name: null
      value: 1
    result:
      value: 1
      other: a
  - description: delete field from nested map
    original:
      simpleMap:
        key1: 1
        key2: 1
    twoWay:
      simpleMap:
        key2: null
    modified:
      simpleMap:
        key1: 1
    current:
      simpleMap:
        key1: 1
        key2: 1
        other: a
    threeWay:
      simpleMap:
        key2: null
    result:
      simpleMap:
        key1: 1
        other: a
  - description: delete field from nested map with conflict
    original:
      simpleMap:
        key1: 1
        key2: 1
    twoWay:
      simpleMap:
        key2: null
    modified:
      simpleMap:
        key1: 1
    current:
      simpleMap:
        key1: a
        key2: 1
        other: a
    threeWay:
      simpleMap:
        key1: 1
        key2: null
    result:
      simpleMap:
        key1: 1
        other: a
  - description: delete all fields from map
    original:
      name: 1
      value: 1
    twoWay:
      name: null
      value: null
    modified: {}
    current:
      name: 1
      value: 1
      other: a
    threeWay:
      name: null
      value: null
    result:
      other: a
  - description: delete all fields from map with conflict
    original:
      name: 1
      value: 1
    twoWay:
      name: null
      value: null
    modified: {}
    current:
      name: 1
      value: a
      other: a
    threeWay:
      name: null
      value: null
    result:
      other: a
  - description: add field and delete all fields from map
    original:
      name: 1
      value: 1
    twoWay:
      name: null
      value: null
      other: a
    modified:
      other: a
    current:
      name: 1
      value: 1
      other: a
    threeWay:
      name: null
      value: null
    result:
      other: a
  - description: add field and delete all fields from map with conflict
    original:
      name: 1
      value: 1
    twoWay:
      name: null
      value: null
      other: a
    modified:
      other: a
    current:
      name: 1
      value: 1
      other: b
    threeWay:
      name: null
      value: null
      other: a
    result:
      other: a
  - description: replace list of scalars
    original:
      nonMergingIntList:
        - 1
        - 2
    twoWay:
      nonMergingIntList:
        - 2
        - 3
    modified:
      nonMergingIntList:
        - 2
        - 3
    current:
      nonMergingIntList:
        - 1
        - 2
    threeWay:
      nonMergingIntList:
        - 2
        - 3
    result:
      nonMergingIntList:
        - 2
        - 3
  - description: replace list of scalars with conflict
    original:
      nonMergingIntList:
        - 1
        - 2
    twoWay:
      nonMergingIntList:
        - 2
        - 3
    modified:
      nonMergingIntList:
        - 2
        - 3
    current:
      nonMergingIntList:
        - 1
        - 4
    threeWay:
      nonMergingIntList:
        - 2
        - 3
    result:
      nonMergingIntList:
        - 2
        - 3
  - description: delete all maps from merging list
    original:
      mergingList:
        - name: 1
        - name: 2
    twoWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    modified:
      mergingList: []
    current:
      mergingList:
        - name: 1
        - name: 2
    threeWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    result:
      mergingList: []
  - description: delete all maps from merging list with conflict
    original:
      mergingList:
        - name: 1
        - name: 2
    twoWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    modified:
      mergingList: []
    current:
      mergingList:
        - name: 1
          other: a
        - name: 2
          other: b
    threeWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    result:
      mergingList: []
  - description: delete all maps from empty merging list
    original:
      mergingList:
        - name: 1
        - name: 2
    twoWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    modified:
      mergingList: []
    current:
      mergingList: []
    threeWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 2
          $patch: delete
    result:
      mergingList: []
  - description: merge empty merging lists
    original:
      mergingList: []
    twoWay:
      {}
    modified:
      mergingList: []
    current:
      mergingList: []
    threeWay:
      {}
    result:
      mergingList: []
  - description: defined null values should propagate overwrite current fields (with conflict)
    original:
      name: 2
    twoWay:
      name: 1
      value: 1
      other: null
    twoWayResult:
      name: 1
      value: 1
    modified:
      name: 1
      value: 1
      other: null
    current:
      name: a
      other: a
    threeWay:
      name: 1
      value: 1
      other: null
    result:
      name: 1
      value: 1
  - description: defined null values should propagate removing original fields
    original:
      name: original-name
      value: original-value
    current:
      name: original-name
      value: original-value
      other: current-other
    modified:
      name: modified-name
      value: null
    twoWay:
      name: modified-name
      value: null
    twoWayResult:
      name: modified-name
    threeWay:
      name: modified-name
      value: null
    result:
      name: modified-name
      other: current-other
  - description: nil patch with retainKeys map
    original:
      name: a
      retainKeysMap:
        name: foo
    current:
      name: a
      value: b
      retainKeysMap:
        name: foo
    modified:
      name: a
      retainKeysMap:
        name: foo
    twoWay: {}
    threeWay: {}
    result:
      name: a
      value: b
      retainKeysMap:
        name: foo
  - description: retainKeys map with no change should not be present
    original:
      name: a
      retainKeysMap:
        name: foo
    current:
      name: a
      other: c
      retainKeysMap:
        name: foo
    modified:
      name: a
      value: b
      retainKeysMap:
        name: foo
    twoWay:
      value: b
    threeWay:
      value: b
    result:
      name: a
      value: b
      other: c
      retainKeysMap:
        name: foo
"#;

/// Upstream's `customStrategicMergePatchTestCaseData`.
pub(super) const CUSTOM_CASES_YAML: &str = r#"
testCases:
  - description: unique scalars when merging lists
    original:
      mergingIntList:
        - 1
        - 2
    twoWay:
      mergingIntList:
        - 2
        - 3
    modified:
      mergingIntList:
        - 1
        - 2
        - 3
  - description: delete map from nested map
    original:
      simpleMap:
        key1: 1
        key2: 1
    twoWay:
      simpleMap:
        $patch: delete
    modified:
      simpleMap:
        {}
  - description: delete all items from merging list
    original:
      mergingList:
        - name: 1
        - name: 2
    twoWay:
      mergingList:
        - $patch: replace
    modified:
      mergingList: []
  - description: merge empty merging lists
    original:
      mergingList: []
    twoWay:
      mergingList: []
    modified:
      mergingList: []
  - description: delete all keys from map
    original:
      name: 1
      value: 1
    twoWay:
      $patch: replace
    modified: {}
  - description: add key and delete all keys from map
    original:
      name: 1
      value: 1
    twoWay:
      other: a
      $patch: replace
    modified:
      other: a
  - description: delete all duplicate entries in a merging list
    original:
      mergingList:
        - name: 1
        - name: 1
        - name: 2
          value: a
        - name: 3
        - name: 3
    twoWay:
      mergingList:
        - name: 1
          $patch: delete
        - name: 3
          $patch: delete
    modified:
      mergingList:
        - name: 2
          value: a
  - description: retainKeys map can add a field when no retainKeys directive present
    original:
      retainKeysMap:
        name: foo
    twoWay:
      retainKeysMap:
        value: bar
    modified:
      retainKeysMap:
        name: foo
        value: bar
  - description: retainKeys map can change a field when no retainKeys directive present
    original:
      retainKeysMap:
        name: foo
        value: a
    twoWay:
      retainKeysMap:
        value: b
    modified:
      retainKeysMap:
        name: foo
        value: b
  - description: retainKeys map can delete a field when no retainKeys directive present
    original:
      retainKeysMap:
        name: foo
        value: a
    twoWay:
      retainKeysMap:
        value: null
    modified:
      retainKeysMap:
        name: foo
  - description: retainKeys map merge an empty map
    original:
      retainKeysMap:
        name: foo
        value: a
    twoWay:
      retainKeysMap: {}
    modified:
      retainKeysMap:
        name: foo
        value: a
  - description: retainKeys list can add a field when no retainKeys directive present
    original:
      retainKeysMergingList:
      - name: bar
      - name: foo
    twoWay:
      retainKeysMergingList:
      - name: foo
        value: a
    modified:
      retainKeysMergingList:
      - name: bar
      - name: foo
        value: a
  - description: retainKeys list can change a field when no retainKeys directive present
    original:
      retainKeysMergingList:
      - name: bar
      - name: foo
        value: a
    twoWay:
      retainKeysMergingList:
      - name: foo
        value: b
    modified:
      retainKeysMergingList:
      - name: bar
      - name: foo
        value: b
  - description: retainKeys list can delete a field when no retainKeys directive present
    original:
      retainKeysMergingList:
      - name: bar
      - name: foo
        value: a
    twoWay:
      retainKeysMergingList:
      - name: foo
        value: null
    modified:
      retainKeysMergingList:
      - name: bar
      - name: foo
  - description: preserve the order from the patch in a merging list
    original:
      mergingList:
        - name: 1
        - name: 2
          value: b
        - name: 3
    twoWay:
      mergingList:
        - name: 3
          value: c
        - name: 1
          value: a
        - name: 2
          other: x
    modified:
      mergingList:
        - name: 3
          value: c
        - name: 1
          value: a
        - name: 2
          value: b
          other: x
  - description: preserve the order from the patch in a merging list 2
    original:
      mergingList:
        - name: 1
        - name: 2
          value: b
        - name: 3
    twoWay:
      mergingList:
        - name: 3
          value: c
        - name: 1
          value: a
    modified:
      mergingList:
        - name: 2
          value: b
        - name: 3
          value: c
        - name: 1
          value: a
  - description: preserve the order from the patch in a merging int list
    original:
      mergingIntList:
        - 1
        - 2
        - 3
    twoWay:
      mergingIntList:
        - 3
        - 1
        - 2
    modified:
      mergingIntList:
        - 3
        - 1
        - 2
  - description: preserve the order from the patch in a merging int list
    original:
      mergingIntList:
        - 1
        - 2
        - 3
    twoWay:
      mergingIntList:
        - 3
        - 1
    modified:
      mergingIntList:
        - 2
        - 3
        - 1
"#;

/// Upstream's `strategicMergePatchRawTestCases`.
pub(super) const RAW_CASES: &[RawCase] = &[
    RawCase {
        description: r#"nested patch merge with empty list"#,
        original: r#"
name: hi
"#,
        modified: r#"
name: hi
mergingList:
- name: hello
- $patch: delete
  name: doesntexist
"#,
        current: r#"
name: hi
mergingList:
- name: hello2
"#,
        two_way: r#"
mergingList:
- name: hello
- $patch: delete
  name: doesntexist
"#,
        three_way: r#"
$setElementOrder/mergingList:
- name: hello
- name: doesntexist
mergingList:
- name: hello
"#,
        result: r#"
name: hi
mergingList:
- name: hello
- name: hello2
"#,
        two_way_result: r#"
name: hi
mergingList:
- name: hello
"#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete items in lists of scalars"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
mergingIntList:
  - 1
  - 2
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 1
  - 2
  - 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete all duplicate items in lists of scalars"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 3
"#,
        modified: r#"
mergingIntList:
  - 1
  - 2
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 3
  - 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 1
  - 2
  - 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add and delete items in lists of scalars"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
mergingIntList:
  - 1
  - 2
  - 4
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
  - 4
$deleteFromPrimitiveList/mergingIntList:
  - 3
mergingIntList:
  - 4
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
  - 4
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 1
  - 2
  - 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"merge lists of maps"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 4
    value: 4
  - name: 1
  - name: 2
    value: 2
  - name: 3
    value: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        result: r#"
mergingList:
  - name: 4
    value: 4
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"merge lists of maps with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
  - name: 3
    value: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 3
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 3
    value: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 2
    value: 2
  - name: 3
    value: 3
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 3
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        result: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
  - name: 3
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add duplicate field to map in merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        three_way: r#"{}"#,
        result: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add an item that already exists in current object in merging list"#,
        original: r#"
mergingList:
  - name: 1
    value: a
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: a
  - name: 2
  - name: 3
"#,
        current: r#"
mergingList:
  - name: 1
    value: a
    other: x
  - name: 2
  - name: 3
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 3
"#,
        three_way: r#"{}"#,
        result: r#"
mergingList:
  - name: 1
    value: a
    other: x
  - name: 2
  - name: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add duplicate field to map in merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 3
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 2
    value: 2
"#,
        result: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace map field value in merging list"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: a
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: a
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: a
"#,
        result: r#"
mergingList:
  - name: 1
    value: a
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace map field value in merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    value: a
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: 3
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: a
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: a
"#,
        result: r#"
mergingList:
  - name: 1
    value: a
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete map from merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete map from merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete missing map from merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete missing map from merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 3
    other: a
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
mergingList:
  - name: 2
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
  - name: 3
    other: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add map and delete map from merging list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
  - name: 3
"#,
        current: r#"
mergingList:
  - name: 1
  - name: 2
    other: b
  - name: 4
    other: c
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
mergingList:
  - name: 3
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
mergingList:
  - name: 3
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
    other: b
  - name: 4
    other: c
  - name: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add map and delete map from merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 2
  - name: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 4
    other: c
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
mergingList:
  - name: 3
  - name: 1
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
mergingList:
  - name: 2
  - name: 3
  - name: 1
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 4
    other: c
  - name: 2
  - name: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete field from map in merging list"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete field from map in merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    value: a
    other: a
  - name: 2
    value: 2
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete missing field from map in merging list"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete missing field from map in merging list with conflict"#,
        original: r#"
mergingList:
  - name: 1
    value: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    value: null
  - name: 2
    value: 2
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace non merging list nested in merging list"#,
        original: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace non merging list nested in merging list with value conflict"#,
        original: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 1
        value: c
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace non merging list nested in merging list with deletion conflict"#,
        original: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 2
        value: 2
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 1
    nonMergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    nonMergingList:
      - name: 1
        value: 1
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list nested in merging list"#,
        original: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list nested in merging list with value conflict"#,
        original: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 1
        value: a
        other: c
      - name: 2
        value: b
        other: d
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 1
        value: 1
        other: c
      - name: 2
        value: 2
        other: d
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list nested in merging list with deletion conflict"#,
        original: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 2
        value: 2
        other: d
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 1
      - name: 2
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 1
        value: 1
      - name: 2
        value: 2
        other: d
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list nested in merging list with deletion conflict"#,
        original: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergingList:
  - name: 1
    mergingList:
      - name: 2
        value: 2
      - name: 1
        value: 1
  - name: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 2
        value: 2
        other: d
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 2
      - name: 1
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - $setElementOrder/mergingList:
      - name: 2
      - name: 1
    name: 1
    mergingList:
      - name: 1
        value: 1
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
    mergingList:
      - name: 2
        value: 2
        other: d
      - name: 1
        value: 1
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add map to merging list by pointer"#,
        original: r#"
mergeItemPtr:
  - name: 1
"#,
        modified: r#"
mergeItemPtr:
  - name: 1
  - name: 2
"#,
        current: r#"
mergeItemPtr:
  - name: 1
    other: a
  - name: 3
"#,
        two_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - name: 2
"#,
        three_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - name: 2
"#,
        result: r#"
mergeItemPtr:
  - name: 1
    other: a
  - name: 2
  - name: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add map to merging list by pointer with conflict"#,
        original: r#"
mergeItemPtr:
  - name: 1
"#,
        modified: r#"
mergeItemPtr:
  - name: 1
  - name: 2
"#,
        current: r#"
mergeItemPtr:
  - name: 3
"#,
        two_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - name: 2
"#,
        three_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - name: 1
  - name: 2
"#,
        result: r#"
mergeItemPtr:
  - name: 1
  - name: 2
  - name: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list by pointer"#,
        original: r#"
mergeItemPtr:
  - name: 1
    mergeItemPtr:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergeItemPtr:
  - name: 1
    mergeItemPtr:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
"#,
        current: r#"
mergeItemPtr:
  - name: 1
    other: a
    mergeItemPtr:
      - name: 1
        other: a
      - name: 2
        value: 2
        other: b
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - $setElementOrder/mergeItemPtr:
      - name: 1
      - name: 2
    name: 1
    mergeItemPtr:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - $setElementOrder/mergeItemPtr:
      - name: 1
      - name: 2
    name: 1
    mergeItemPtr:
      - name: 1
        value: 1
"#,
        result: r#"
mergeItemPtr:
  - name: 1
    other: a
    mergeItemPtr:
      - name: 1
        value: 1
        other: a
      - name: 2
        value: 2
        other: b
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add field to map in merging list by pointer with conflict"#,
        original: r#"
mergeItemPtr:
  - name: 1
    mergeItemPtr:
      - name: 1
      - name: 2
        value: 2
  - name: 2
"#,
        modified: r#"
mergeItemPtr:
  - name: 1
    mergeItemPtr:
      - name: 1
        value: 1
      - name: 2
        value: 2
  - name: 2
"#,
        current: r#"
mergeItemPtr:
  - name: 1
    other: a
    mergeItemPtr:
      - name: 1
        value: a
      - name: 2
        value: 2
        other: b
  - name: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - $setElementOrder/mergeItemPtr:
      - name: 1
      - name: 2
    name: 1
    mergeItemPtr:
      - name: 1
        value: 1
"#,
        three_way: r#"
$setElementOrder/mergeItemPtr:
  - name: 1
  - name: 2
mergeItemPtr:
  - $setElementOrder/mergeItemPtr:
      - name: 1
      - name: 2
    name: 1
    mergeItemPtr:
      - name: 1
        value: 1
"#,
        result: r#"
mergeItemPtr:
  - name: 1
    other: a
    mergeItemPtr:
      - name: 1
        value: 1
      - name: 2
        value: 2
        other: b
  - name: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"merge lists of scalars"#,
        original: r#"
mergingIntList:
- 1
- 2
"#,
        modified: r#"
mergingIntList:
- 1
- 2
- 3
"#,
        current: r#"
mergingIntList:
- 1
- 2
- 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
- 1
- 2
- 3
mergingIntList:
- 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
- 1
- 2
- 3
mergingIntList:
- 3
"#,
        result: r#"
mergingIntList:
- 1
- 2
- 3
- 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add duplicate field to map in merging int list"#,
        original: r#"
mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
  - 3
mergingIntList:
  - 3
"#,
        three_way: r#"{}"#,
        result: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add an item in a list of primitives and preserve order"#,
        original: r#"
mergingIntList:
- 1
- 2
"#,
        modified: r#"
mergingIntList:
- 3
- 1
- 2
"#,
        current: r#"
mergingIntList:
- 1
- 4
- 2
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
- 3
- 1
- 2
mergingIntList:
- 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
- 3
- 1
- 2
mergingIntList:
- 3
"#,
        result: r#"
mergingIntList:
- 3
- 1
- 4
- 2
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete an item in a list of primitives and preserve order"#,
        original: r#"
mergingIntList:
- 1
- 2
- 3
"#,
        modified: r#"
mergingIntList:
- 2
- 1
"#,
        current: r#"
mergingIntList:
- 1
- 2
- 3
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
- 2
- 1
$deleteFromPrimitiveList/mergingIntList:
- 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
- 2
- 1
$deleteFromPrimitiveList/mergingIntList:
- 3
"#,
        result: r#"
mergingIntList:
- 2
- 1
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add an item in a list and preserve order"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 3
    value: 3
  - name: 1
  - name: 2
    value: 2
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 3
  - name: 1
  - name: 2
mergingList:
  - name: 3
    value: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 3
  - name: 1
  - name: 2
mergingList:
  - name: 3
    value: 3
"#,
        result: r#"
mergingList:
  - name: 3
    value: 3
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add multiple items in a list and preserve order"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 1
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 3
    value: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 4
  - name: 2
  - name: 3
mergingList:
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 4
  - name: 2
  - name: 3
mergingList:
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        result: r#"
mergingList:
  - name: 1
    other: a
  - name: 4
    value: 4
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete an item in a list and preserve order"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
    value: 3
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 2
    value: 2
  - name: 1
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
mergingList:
  - name: 3
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
mergingList:
  - name: 3
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 2
    value: 2
    other: b
  - name: 1
    other: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"change an item in a list and preserve order"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
    value: 3
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 2
    value: 2
  - name: 3
    value: x
  - name: 1
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
  - name: 1
mergingList:
  - name: 3
    value: x
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 3
  - name: 1
mergingList:
  - name: 3
    value: x
"#,
        result: r#"
mergingList:
  - name: 2
    value: 2
    other: b
  - name: 3
    value: x
  - name: 1
    other: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add and delete an item in a list and preserve order"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
    value: 3
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 1
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
    other: b
  - name: 3
    value: 3
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 1
mergingList:
  - name: 4
    value: 4
  - name: 3
    $patch: delete
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 1
mergingList:
  - name: 4
    value: 4
  - name: 3
    $patch: delete
"#,
        result: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
    other: b
  - name: 1
    other: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a list"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
    value: 3
  - name: 4
    value: 4
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 1
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 3
    value: 3
  - name: 4
    value: 4
  - name: 2
    value: 2
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 3
  - name: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 3
  - name: 1
"#,
        result: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 1
    other: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a list with server-only items"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
    value: 3
  - name: 4
    value: 4
  - name: 2
    value: 2
"#,
        modified: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 1
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 3
    value: 3
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 9
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 3
  - name: 1
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 4
  - name: 2
  - name: 3
  - name: 1
"#,
        result: r#"
mergingList:
  - name: 4
    value: 4
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 1
    other: a
  - name: 9
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a list with server-only items 2"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 4
    value: 4
"#,
        modified: r#"
mergingList:
  - name: 2
    value: 2
  - name: 1
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
  - name: 9
  - name: 3
    value: 3
  - name: 4
    value: 4
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
  - name: 4
  - name: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
  - name: 4
  - name: 3
"#,
        result: r#"
mergingList:
  - name: 2
    value: 2
  - name: 1
    other: a
  - name: 9
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a list with server-only items 3"#,
        original: r#"
mergingList:
  - name: 1
  - name: 2
    value: 2
  - name: 3
    value: 3
  - name: 4
    value: 4
"#,
        modified: r#"
mergingList:
  - name: 2
    value: 2
  - name: 1
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        current: r#"
mergingList:
  - name: 1
    other: a
  - name: 2
    value: 2
  - name: 7
  - name: 9
  - name: 8
  - name: 3
    value: 3
  - name: 4
    value: 4
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
  - name: 4
  - name: 3
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 2
  - name: 1
  - name: 4
  - name: 3
"#,
        result: r#"
mergingList:
  - name: 2
    value: 2
  - name: 1
    other: a
  - name: 7
  - name: 9
  - name: 8
  - name: 4
    value: 4
  - name: 3
    value: 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add an item in a int list and preserve order"#,
        original: r#"
mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
mergingIntList:
  - 3
  - 1
  - 2
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 3
  - 1
  - 2
mergingIntList:
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 3
  - 1
  - 2
mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 3
  - 1
  - 2
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add multiple items in a int list and preserve order"#,
        original: r#"
mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
mergingIntList:
  - 1
  - 4
  - 2
  - 3
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 4
  - 2
  - 3
mergingIntList:
  - 4
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 4
  - 2
  - 3
mergingIntList:
  - 4
  - 3
"#,
        result: r#"
mergingIntList:
  - 1
  - 4
  - 2
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete an item in a int list and preserve order"#,
        original: r#"
mergingIntList:
  - 1
  - 3
  - 2
"#,
        modified: r#"
mergingIntList:
  - 2
  - 1
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 2
  - 1
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"add and delete an item in a int list and preserve order"#,
        original: r#"
mergingIntList:
  - 1
  - 3
  - 2
"#,
        modified: r#"
mergingIntList:
  - 4
  - 2
  - 1
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 1
mergingIntList:
  - 4
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 1
mergingIntList:
  - 4
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        result: r#"
mergingIntList:
  - 4
  - 2
  - 1
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a int list"#,
        original: r#"
mergingIntList:
  - 1
  - 3
  - 4
  - 2
"#,
        modified: r#"
mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        current: r#"
mergingIntList:
  - 1
  - 3
  - 4
  - 2
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        result: r#"
mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a int list with server-only items"#,
        original: r#"
mergingIntList:
  - 1
  - 3
  - 4
  - 2
"#,
        modified: r#"
mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        current: r#"
mergingIntList:
  - 1
  - 3
  - 4
  - 2
  - 9
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 4
  - 2
  - 3
  - 1
"#,
        result: r#"
mergingIntList:
  - 4
  - 2
  - 3
  - 1
  - 9
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a int list with server-only items 2"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        modified: r#"
mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 9
  - 3
  - 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        result: r#"
mergingIntList:
  - 2
  - 1
  - 9
  - 4
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"set elements order in a int list with server-only items 3"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        modified: r#"
mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        current: r#"
mergingIntList:
  - 1
  - 2
  - 7
  - 9
  - 8
  - 3
  - 4
"#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        three_way: r#"
$setElementOrder/mergingIntList:
  - 2
  - 1
  - 4
  - 3
"#,
        result: r#"
mergingIntList:
  - 2
  - 1
  - 7
  - 9
  - 8
  - 4
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map should clear defaulted field"#,
        original: r#"{}"#,
        modified: r#"
retainKeysMap:
  other: bar
"#,
        current: r#"
retainKeysMap:
  value: foo
"#,
        two_way: r#"
retainKeysMap:
  other: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - other
  other: bar
"#,
        result: r#"
retainKeysMap:
  other: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map should clear defaulted field with conflict (discriminated union)"#,
        original: r#"{}"#,
        modified: r#"
retainKeysMap:
  name: type2
  other: bar
"#,
        current: r#"
retainKeysMap:
  name: type1
  value: foo
"#,
        two_way: r#"
retainKeysMap:
  name: type2
  other: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - other
  name: type2
  other: bar
"#,
        result: r#"
retainKeysMap:
  name: type2
  other: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds a field"#,
        original: r#"
retainKeysMap:
  name: foo
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds a field and clear a field"#,
        original: r#"
retainKeysMap:
  name: foo
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  other: a
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes a field"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        modified: r#"
retainKeysMap:
  name: foo
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  value: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  value: null
"#,
        result: r#"
retainKeysMap:
  name: foo
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes a field and clears a field"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        modified: r#"
retainKeysMap:
  name: foo
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  other: a
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  value: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  value: null
"#,
        result: r#"
retainKeysMap:
  name: foo
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map clears a field"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  other: a
"#,
        two_way: r#"{}"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map nested map with no change"#,
        original: r#"
retainKeysMap:
  name: foo
  simpleMap:
    key1: a
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
"#,
        current: r#"
retainKeysMap:
  name: foo
  simpleMap:
    key1: a
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds a field in a nested map"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key3: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key2: b
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key2: b
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
    key3: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes a field in a nested map"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
    key3: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key2: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key2: null
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key3: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map changes a field in a nested map"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: x
    key2: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: a
    key2: b
    key3: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key1: x
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key1: x
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: x
    key2: b
    key3: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map changes a field in a nested map with conflict"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: old
    key2: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: modified
    key2: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: new
    key2: b
    key3: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key1: modified
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - simpleMap
    - value
  simpleMap:
    key1: modified
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  simpleMap:
    key1: modified
    key2: b
    key3: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map replaces non-merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: c
  - name: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  nonMergingList:
  - name: a
  - name: c
  - name: b
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  nonMergingList:
  - name: a
  - name: c
  - name: b
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: c
  - name: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map nested non-merging list with no change"#,
        original: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map nested non-merging list with no change with conflict"#,
        original: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
  - name: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - nonMergingList
    - value
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  nonMergingList:
  - name: a
  - name: b
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes nested non-merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  nonMergingList: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  nonMergingList: null
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map delete nested non-merging list with conflict"#,
        original: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  nonMergingList:
  - name: a
  - name: b
  - name: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  nonMergingList: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  nonMergingList: null
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map nested merging int list with no change"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  mergingIntList:
  - 1
  - 2
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
    - value
  $setElementOrder/mergingIntList:
    - 1
    - 2
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds an item in nested merging int list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 4
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
retainKeysMap:
  $setElementOrder/mergingIntList:
    - 1
    - 2
    - 4
  $retainKeys:
    - mergingIntList
    - name
  mergingIntList:
  - 4
"#,
        three_way: r#"
retainKeysMap:
  $setElementOrder/mergingIntList:
    - 1
    - 2
    - 4
  $retainKeys:
    - mergingIntList
    - name
  mergingIntList:
  - 4
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 4
  - 3
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes an item in nested merging int list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 3
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
  $deleteFromPrimitiveList/mergingIntList:
  - 2
  $setElementOrder/mergingIntList:
    - 1
    - 3
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
  $deleteFromPrimitiveList/mergingIntList:
  - 2
  $setElementOrder/mergingIntList:
    - 1
    - 3
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 3
  - 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds an item and deletes an item in nested merging int list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 3
  - 5
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
  - 4
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
  mergingIntList:
  - 5
  $deleteFromPrimitiveList/mergingIntList:
  - 2
  $setElementOrder/mergingIntList:
    - 1
    - 3
    - 5
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingIntList
    - name
  mergingIntList:
  - 5
  $deleteFromPrimitiveList/mergingIntList:
  - 2
  $setElementOrder/mergingIntList:
    - 1
    - 3
    - 5
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 3
  - 5
  - 4
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes nested merging int list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
retainKeysMap:
  name: foo
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingIntList:
  - 1
  - 2
  - 3
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  mergingIntList: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
  mergingIntList: null
"#,
        result: r#"
retainKeysMap:
  name: foo
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map nested merging list with no change"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
  mergingList:
  - name: a
  - name: b
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
  - name: c
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
    - value
  value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
    - value
  $setElementOrder/mergingList:
    - name: a
    - name: b
  value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
  mergingList:
  - name: a
  - name: b
  - name: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map adds an item in nested merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
  - name: c
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
  - name: x
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
    - name: b
    - name: c
  mergingList:
  - name: c
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
    - name: b
    - name: c
  mergingList:
  - name: c
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
  - name: c
  - name: x
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map changes an item in nested merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
    value: foo
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
    value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
    value: foo
  - name: x
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
    - name: b
  mergingList:
  - name: b
    value: bar
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
    - name: b
  mergingList:
  - name: b
    value: bar
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
    value: bar
  - name: x
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes nested merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  mergingList: null
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - name
    - value
  value: bar
  mergingList: null
"#,
        result: r#"
retainKeysMap:
  name: foo
  value: bar
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys map deletes an item in nested merging list"#,
        original: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
"#,
        modified: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
"#,
        current: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: b
  - name: x
"#,
        two_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
  mergingList:
  - name: b
    $patch: delete
"#,
        three_way: r#"
retainKeysMap:
  $retainKeys:
    - mergingList
    - name
  $setElementOrder/mergingList:
    - name: a
  mergingList:
  - name: b
    $patch: delete
"#,
        result: r#"
retainKeysMap:
  name: foo
  mergingList:
  - name: a
  - name: x
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps clears a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
  other: x
"#,
        two_way: r#"{}"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps clears a field with conflict"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: old
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: modified
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: new
  other: x
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: modified
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: modified
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: modified
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps changes a field and clear a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: old
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: new
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: old
  other: x
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: new
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: new
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: new
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps changes a field and clear a field with conflict"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: old
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: new
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: modified
  other: x
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: new
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: new
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: new
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps adds a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: a
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: a
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps adds a field and clear a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  other: x
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: a
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
    - value
  name: foo
  value: a
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps deletes a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
  name: foo
  value: null
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
  name: foo
  value: null
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"retainKeys list of maps deletes a field and clear a field"#,
        original: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
"#,
        modified: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        current: r#"
retainKeysMergingList:
- name: bar
- name: foo
  value: a
  other: x
"#,
        two_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
  name: foo
  value: null
"#,
        three_way: r#"
$setElementOrder/retainKeysMergingList:
  - name: bar
  - name: foo
retainKeysMergingList:
- $retainKeys:
    - name
  name: foo
  value: null
"#,
        result: r#"
retainKeysMergingList:
- name: bar
- name: foo
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"delete and reorder in one list, reorder in another"#,
        original: r#"
mergingList:
- name: a
  value: a
- name: b
  value: b
mergeItemPtr:
- name: c
  value: c
- name: d
  value: d
"#,
        modified: r#"
mergingList:
- name: b
  value: b
mergeItemPtr:
- name: d
  value: d
- name: c
  value: c
"#,
        current: r#"
mergingList:
- name: a
  value: a
- name: b
  value: b
mergeItemPtr:
- name: c
  value: c
- name: d
  value: d
"#,
        two_way: r#"
$setElementOrder/mergingList:
- name: b
$setElementOrder/mergeItemPtr:
- name: d
- name: c
mergingList:
- $patch: delete
  name: a
"#,
        three_way: r#"
$setElementOrder/mergingList:
- name: b
$setElementOrder/mergeItemPtr:
- name: d
- name: c
mergingList:
- $patch: delete
  name: a
"#,
        result: r#"
mergingList:
- name: b
  value: b
mergeItemPtr:
- name: d
  value: d
- name: c
  value: c
"#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
];

/// Upstream's `customStrategicMergePatchRawTestCases`.
pub(super) const CUSTOM_RAW_CASES: &[RawCase] = &[
    RawCase {
        description: r#"$setElementOrder contains item that is not present in the list to be merged"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
"#,
        modified: r#"
mergingList:
  - name: 3
    value: 3
  - name: 1
    value: 1
"#,
        current: r#""#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 3
  - name: 2
  - name: 1
mergingList:
  - name: 3
    value: 3
  - name: 1
    value: 1
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"$setElementOrder contains item that is not present in the int list to be merged"#,
        original: r#"
mergingIntList:
  - 1
  - 3
"#,
        modified: r#"
mergingIntList:
  - 3
  - 1
"#,
        current: r#""#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 3
  - 2
  - 1
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"should check if order in $setElementOrder and patch list match"#,
        original: r#"
mergingList:
  - name: 1
  - name: 3
  - name: 2
"#,
        modified: r#""#,
        current: r#""#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
  - name: 3
mergingList:
  - name: 3
    value: 3
  - name: 1
    value: 1
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#"doesn't match"#,
    },
    RawCase {
        description: r#"$setElementOrder contains item that is not present in the int list to be merged"#,
        original: r#"
mergingIntList:
  - 1
  - 3
  - 2
"#,
        modified: r#""#,
        current: r#""#,
        two_way: r#"
$setElementOrder/mergingIntList:
  - 1
  - 2
  - 3
mergingIntList:
  - 3
  - 1
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#"doesn't match"#,
    },
    RawCase {
        description: r#"missing merge key should error out"#,
        original: r#"
mergingList:
  - name: 1
    value: a
"#,
        modified: r#""#,
        current: r#""#,
        two_way: r#"
mergingList:
  - value: b
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#"does not contain declared merge key"#,
    },
    RawCase {
        description: r#"$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list"#,
        original: r#"
mergingIntList:
  - 1
  - 2
"#,
        modified: r#"
mergingIntList:
  - 1
  - 2
"#,
        current: r#""#,
        two_way: r#"
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"$deleteFromPrimitiveList on empty primitive list should not add the item to the list"#,
        original: r#"
mergingIntList:
"#,
        modified: r#"
mergingIntList:
"#,
        current: r#""#,
        two_way: r#"
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list"#,
        original: r#"
foo:
  - bar
"#,
        modified: r#"
foo:
  - bar
"#,
        current: r#""#,
        two_way: r#"
$deleteFromPrimitiveList/mergingIntList:
  - 3
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"$deleteFromPrimitiveList should delete item from a list with merge patch strategy"#,
        original: r#"
mergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
mergingIntList:
  - 1
  - 3
"#,
        current: r#""#,
        two_way: r#"
$deleteFromPrimitiveList/mergingIntList:
  - 2
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"$deleteFromPrimitiveList should delete item from a list without merge patch strategy"#,
        original: r#"
nonMergingIntList:
  - 1
  - 2
  - 3
"#,
        modified: r#"
nonMergingIntList:
  - 1
  - 3
"#,
        current: r#""#,
        two_way: r#"
$deleteFromPrimitiveList/nonMergingIntList:
  - 2
"#,
        three_way: r#""#,
        result: r#""#,
        two_way_result: r#""#,
        expected_error: r#""#,
    },
];

/// Upstream's `replaceRawExtensionPatchTestCases`.
pub(super) const RAW_EXTENSION_CASES: &[RawCase] = &[
    RawCase {
        description: r#"replace RawExtension field, rest unchanched"#,
        original: r#"
name: my-object
value: some-value
other: current-other
replacingItem:
  Some: Generic
  Yaml: Inside
  The: RawExtension
  Field: Period
"#,
        modified: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        current: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Some: Generic
  Yaml: Inside
  The: RawExtension
  Field: Period
"#,
        two_way: r#"
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        three_way: r#"
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        result: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        two_way_result: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        expected_error: r#""#,
    },
    RawCase {
        description: r#"replace RawExtension field and merge list"#,
        original: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
replacingItem:
  Some: Generic
  Yaml: Inside
  The: RawExtension
  Field: Period
"#,
        modified: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        current: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 3
replacingItem:
  Some: Generic
  Yaml: Inside
  The: RawExtension
  Field: Period
"#,
        two_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 2
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        three_way: r#"
$setElementOrder/mergingList:
  - name: 1
  - name: 2
mergingList:
  - name: 2
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        result: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
  - name: 3
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        two_way_result: r#"
name: my-object
value: some-value
other: current-other
mergingList:
  - name: 1
  - name: 2
replacingItem:
  Newly: Modified
  Yaml: Inside
  The: RawExtension
"#,
        expected_error: r#""#,
    },
];
