//! Parse-tree nodes of the JSONPath template dialect, with upstream's debug rendering.

use std::fmt;

/// One bound of an array selection `[start:end:step]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParamsEntry {
    /// The bound as written (or derived); meaningless when `known` is false.
    pub value: i64,
    /// Whether the bound was given in the template.
    pub known: bool,
    /// Whether the bound was computed from the start index (a plain `[i]`).
    pub derived: bool,
}

impl fmt::Display for ParamsEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{} {} {}}}", self.value, self.known, self.derived)
    }
}

/// A node of a parsed template.
///
/// A template parses to a list of top-level nodes, each either [`Node::Text`] (literal text
/// outside braces) or [`Node::List`] (the steps of one `{...}` action).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A sequence of steps applied one after another.
    List(Vec<Node>),
    /// Literal text, or a quoted string inside an action.
    Text(String),
    /// A map key lookup (`.name`).
    Field(String),
    /// A keyword such as `range` or `end`.
    Identifier(String),
    /// An index or slice selection: start, end, step.
    Array([ParamsEntry; 3]),
    /// A filter `[?(left op right)]`; the operator is `exists` when there is no comparison.
    Filter {
        /// Steps yielding the left operand, applied to each element.
        left: Vec<Node>,
        /// Steps yielding the right operand, applied to each element.
        right: Vec<Node>,
        /// The comparison operator as written, or `exists`.
        operator: String,
    },
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// `*`: every member of a map, array or string.
    Wildcard,
    /// `..`: the value and every container below it.
    Recursive,
    /// `[a,b]`: the results of each branch, concatenated.
    Union(Vec<Vec<Node>>),
    /// `true` or `false`.
    Bool(bool),
}

impl Node {
    /// Upstream's name for this node's type (`NodeText`, `NodeList`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Node::List(_) => "NodeList",
            Node::Text(_) => "NodeText",
            Node::Field(_) => "NodeField",
            Node::Identifier(_) => "NodeIdentifier",
            Node::Array(_) => "NodeArray",
            Node::Filter { .. } => "NodeFilter",
            Node::Int(_) => "NodeInt",
            Node::Float(_) => "NodeFloat",
            Node::Wildcard => "NodeWildcard",
            Node::Recursive => "NodeRecursive",
            Node::Union(_) => "NodeUnion",
            Node::Bool(_) => "NodeBool",
        }
    }
}

/// Renders the node as upstream's `String()` does, which its parser tests compare against.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.type_name();
        match self {
            Node::List(_) | Node::Wildcard | Node::Recursive | Node::Union(_) => f.write_str(name),
            Node::Text(s) | Node::Field(s) | Node::Identifier(s) => write!(f, "{name}: {s}"),
            Node::Array(p) => write!(f, "{name}: [{} {} {}]", p[0], p[1], p[2]),
            Node::Filter { operator, .. } => write!(f, "{name}: NodeList {operator} NodeList"),
            Node::Int(i) => write!(f, "{name}: {i}"),
            Node::Float(x) => write!(f, "{name}: {x:.6}"),
            Node::Bool(b) => write!(f, "{name}: {b}"),
        }
    }
}
