//! Reading one string member of a JSON document without decoding the rest: the document is
//! checked for well-formedness as it is skipped over, strings eight bytes at a time. Watch
//! caches use it to index stored objects by a field on every write; lists use [`members`] to
//! serve stored objects without decoding them.

/// The string at `path` (object members from the top) of the JSON document `data`, as a JSON
/// pointer finds it in the parsed document: `""` when a member on the path is absent or null.
/// `None` when the document is not well-formed JSON, or the scan cannot tell the value without
/// more: something on the path is neither an object nor null, the leaf is neither a string nor
/// null, or a member on the path is repeated.
pub fn string_at(data: &[u8], path: &[&str]) -> Option<String> {
    let mut s = Scanner { data, pos: 0 };
    let found = s.find(path)?;
    s.ws();
    (s.pos == data.len()).then(|| found.unwrap_or_default())
}

/// One member of a JSON object, as [`members`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name, unescaped.
    pub name: String,
    /// Where the member starts (its name's opening quote).
    pub start: usize,
    /// Where its value starts and ends (one past its last byte).
    pub value: std::ops::Range<usize>,
}

/// The members of the JSON object `data`, in document order, when `data` is one well-formed
/// JSON object (surrounding whitespace allowed) whose member names are all distinct; `None`
/// otherwise. Values are checked and skipped, not decoded.
pub fn members(data: &[u8]) -> Option<Vec<Member>> {
    let mut s = Scanner { data, pos: 0 };
    s.eat(b'{')?;
    let mut out: Vec<Member> = Vec::new();
    s.ws();
    if s.peek()? == b'}' {
        s.pos += 1;
    } else {
        loop {
            s.ws();
            let start = s.pos;
            let name = s.string()?.decode()?;
            s.eat(b':')?;
            s.ws();
            let from = s.pos;
            s.value()?;
            if out.iter().any(|m| m.name == name) {
                return None;
            }
            out.push(Member { name, start, value: from..s.pos });
            s.ws();
            match s.peek()? {
                b',' => s.pos += 1,
                b'}' => {
                    s.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    s.ws();
    (s.pos == data.len()).then_some(out)
}

/// The first byte from `at` on that ends or interrupts a string's plain run: a quote, a
/// backslash or a control character. Eight bytes are tested at a time.
fn special(data: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Flags (in its high bit) the lowest byte of `w` below `n`, and maybe bytes above it.
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    while let Some(word) = data.get(at..at + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let hits = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    data.get(at..)?.iter().position(|b| matches!(b, b'"' | b'\\' | 0..0x20)).map(|i| at + i)
}

struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
}

/// A string as it sits in the document: its raw bytes between the quotes, and whether it has
/// escapes to undo.
struct Raw<'a> {
    bytes: &'a [u8],
    escaped: bool,
}

impl Raw<'_> {
    fn is(&self, name: &str) -> bool {
        if self.escaped {
            self.decode().is_some_and(|s| s == name)
        } else {
            self.bytes == name.as_bytes()
        }
    }

    fn decode(&self) -> Option<String> {
        if self.escaped {
            let quoted = [b"\"", self.bytes, b"\""].concat();
            serde_json::from_slice(&quoted).ok()
        } else {
            std::str::from_utf8(self.bytes).ok().map(str::to_string)
        }
    }
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// The value at `path` from here (`Some(None)`: absent or null on the way), leaving the
    /// scanner after the value that holds it.
    fn find(&mut self, path: &[&str]) -> Option<Option<String>> {
        self.ws();
        let Some((name, rest)) = path.split_first() else {
            return match self.peek()? {
                b'"' => self.string()?.decode().map(Some),
                b'n' => self.literal(b"null").map(|_| None),
                _ => None,
            };
        };
        match self.peek()? {
            b'n' => return self.literal(b"null").map(|_| None),
            b'{' => self.pos += 1,
            _ => return None,
        }
        let mut found = None;
        let mut seen = false;
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(None);
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            if key.is(name) {
                if seen {
                    return None;
                }
                seen = true;
                found = self.find(rest)?;
            } else {
                self.value()?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(found);
                }
                _ => return None,
            }
        }
    }

    /// A string starting at the quote; the scanner moves past its closing quote.
    fn string(&mut self) -> Option<Raw<'a>> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            let i = special(self.data, at)?;
            match self.data[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Some(Raw { bytes: &self.data[start..i], escaped });
                }
                b'\\' => {}
                // A control character, which JSON strings may not hold as it is.
                _ => return None,
            }
            escaped = true;
            match *self.data.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at = i + 2,
                b'u' => {
                    let hex = self.data.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    at = i + 6;
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.data.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    fn number(&mut self) -> Option<()> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.peek().is_some_and(|b| b.is_ascii_digit()) {
                s.pos += 1;
            }
            s.pos > from
        };
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self).then_some(())?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            digits(self).then_some(())?;
        }
        (self.pos > start).then_some(())
    }

    /// Skips one value of any kind, checking its form.
    fn value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => self.container(b'}', true),
            b'[' => self.container(b']', false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn container(&mut self, close: u8, object: bool) -> Option<()> {
        self.pos += 1;
        self.ws();
        if self.peek()? == close {
            self.pos += 1;
            return Some(());
        }
        loop {
            if object {
                self.ws();
                self.string()?;
                self.eat(b':')?;
            }
            self.value()?;
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn members_are_found_with_their_spans() {
        let doc = br#" {"kind":"Pod", "metadata":{"name":"a\"b","x":[1,{"y":null}]},"n":-1.5e3} "#;
        let got = members(doc).unwrap();
        let names: Vec<&str> = got.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["kind", "metadata", "n"]);
        let text = |m: &Member| std::str::from_utf8(&doc[m.value.clone()]).unwrap().to_string();
        assert_eq!(text(&got[0]), r#""Pod""#);
        assert_eq!(text(&got[1]), r#"{"name":"a\"b","x":[1,{"y":null}]}"#);
        assert_eq!(text(&got[2]), "-1.5e3");
        assert_eq!(&doc[got[1].start..got[1].start + 10], br#""metadata""#);
        let inner = members(&doc[got[1].value.clone()]).unwrap();
        assert_eq!(inner[0].name, "name");
        assert_eq!(members(b"{}"), Some(vec![]));
        assert_eq!(members(br#"{"\u0061":1}"#).unwrap()[0].name, "a");
    }

    #[test]
    fn members_refuse_what_is_not_one_clean_object() {
        for bad in [
            &b"[]"[..],
            b"{",
            br#"{"a":1,"a":2}"#,
            br#"{"a":1}{}"#,
            br#"{"a":tru}"#,
            br#"{"a":1,}"#,
            br#"{"a" 1}"#,
            b"",
        ] {
            assert_eq!(members(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    /// What the scan must agree with: the parsed document's member, or the parse failing.
    fn check(data: &[u8], path: &[&str]) -> Option<String> {
        let scan = string_at(data, path);
        match serde_json::from_slice::<serde_json::Value>(data) {
            Err(_) => assert_eq!(scan, None, "{}", String::from_utf8_lossy(data)),
            Ok(doc) => {
                if let Some(got) = &scan {
                    let pointer: String = path.iter().map(|p| format!("/{p}")).collect();
                    let want = doc.pointer(&pointer).and_then(|v| v.as_str()).unwrap_or("");
                    assert_eq!(got, want, "{}", String::from_utf8_lossy(data));
                }
            }
        }
        scan
    }

    fn node_name(data: &[u8]) -> Option<String> {
        check(data, &["spec", "nodeName"])
    }

    fn pod() -> Vec<u8> {
        serde_json::to_vec_pretty(&json!({
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": "p", "labels": {"spec": "x", "a\"b": "c\\d"}, "generation": 1,
                         "annotations": {"note": "tab\tand \u{e9} and \u{1F600}"}},
            "spec": {"containers": [{"name": "c", "args": ["-x", "{\"nodeName\": 1}"],
                                     "resources": {"limits": {"cpu": 1.5e3}}, "tty": false}],
                     "nodeName": "node-1", "priority": -10, "hostNetwork": true, "x": null},
            "status": {"phase": "Pending", "conditions": []}
        }))
        .unwrap()
    }

    #[test]
    fn reads_the_member_of_well_formed_documents() {
        let some = |data: &[u8], want: &str| {
            assert_eq!(node_name(data).as_deref(), Some(want), "{}", String::from_utf8_lossy(data))
        };
        some(&pod(), "node-1");
        some(br#"{"spec":{"nodeName":"n\u00e9\/x"}}"#, "n\u{e9}/x");
        some(br#"{"sp\u0065c":{"node\u004eame":"esc"}}"#, "esc");
        some(br#"{"spec":{"nodeName":null}}"#, "");
        some(br#"{"spec":null}"#, "");
        some(br#"{"spec":{}}"#, "");
        some(br#"{}"#, "");
        some(br#" { "metadata" : { "name" : "a" } } "#, "");
        some(br#"{"other":1,"other":2,"spec":{"nodeName":"a"}}"#, "a");
    }

    /// What the scan cannot tell, and documents that are not JSON at all.
    #[test]
    fn gives_up_on_odd_shapes_and_rejects_malformed_documents() {
        let cases: [&[u8]; 20] = [
            br#"{"spec":{"nodeName":"a"},"spec":{"nodeName":"b"}}"#,
            br#"{"spec":{"nodeName":"a","nodeName":"b"}}"#,
            br#"{"spec":5}"#,
            br#"{"spec":{"nodeName":7}}"#,
            br#"{"spec":[]}"#,
            br#"[1,2]"#,
            b"not json",
            b"",
            br#"{"spec":{"nodeName":"a"}} x"#,
            br#"{"spec":{"nodeName":"a"},}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":-}"#,
            br#"{"a":"\q"}"#,
            br#"{"a":"\u12"}"#,
            b"{\"a\":\"raw\x01control\"}",
            br#"{"a":[1,]}"#,
            br#"{"a":tru}"#,
            br#"{"a" 1}"#,
            br#"{"a":{"b":1}"#,
        ];
        for case in cases {
            assert_eq!(node_name(case), None, "{}", String::from_utf8_lossy(case));
        }
    }

    /// Strings of every length up to a few words, with an escape, a control character or
    /// multi-byte text at every position, read as the parser reads them.
    #[test]
    fn strings_across_word_boundaries() {
        for len in 0..40 {
            for at in 0..=len {
                for insert in ["\\\"", "\\u00e9", "\u{e9}", "\u{1F600}", "\u{1}", "\\\\", "\\x"] {
                    let text = format!("{}{insert}{}", "a".repeat(at), "b".repeat(len - at));
                    let doc = format!(r#"{{"pad":"{text}","spec":{{"nodeName":"{text}"}}}}"#);
                    let want: Option<String> = serde_json::from_str::<serde_json::Value>(&doc)
                        .ok()
                        .map(|v| v["spec"]["nodeName"].as_str().unwrap_or_default().to_string());
                    assert_eq!(node_name(doc.as_bytes()), want, "{doc}");
                }
            }
        }
    }

    /// Every cut of a well-formed document is rejected, as the parser rejects it.
    #[test]
    fn truncated_documents_are_rejected() {
        let doc = pod();
        for end in 0..doc.len() {
            assert_eq!(node_name(&doc[..end]), None, "cut at {end}");
        }
    }

    /// Other paths: one member deep, and deeper than the document goes.
    #[test]
    fn other_paths() {
        let doc = pod();
        assert_eq!(string_at(&doc, &["kind"]).as_deref(), Some("Pod"));
        assert_eq!(string_at(&doc, &["status", "phase"]).as_deref(), Some("Pending"));
        assert_eq!(string_at(&doc, &["metadata", "labels", "a\"b"]).as_deref(), Some("c\\d"));
        assert_eq!(string_at(&doc, &["metadata", "missing", "x"]).as_deref(), Some(""));
        assert_eq!(string_at(&doc, &["metadata", "generation"]), None);
        assert_eq!(string_at(&doc, &["spec", "containers", "name"]), None);
    }
}
