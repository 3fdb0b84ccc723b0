//! The protobuf wire format: varints, field keys and length-delimited values.

use super::ProtobufError;

/// Wire type of varint fields.
pub(super) const VARINT: u8 = 0;
/// Wire type of 64-bit fields.
pub(super) const FIXED64: u8 = 1;
/// Wire type of length-delimited fields.
pub(super) const LEN: u8 = 2;
/// Wire type of 32-bit fields.
pub(super) const FIXED32: u8 = 5;

/// One field occurrence as read from the wire.
#[derive(Debug, Clone, Copy)]
pub(super) enum WireValue<'a> {
    /// A varint.
    Varint(u64),
    /// A 64-bit little-endian value.
    Fixed64(u64),
    /// A length-delimited value.
    Bytes(&'a [u8]),
    /// A 32-bit value (no built-in message has one; it is skipped).
    Fixed32,
}

/// Reads fields from a message's bytes.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over one message.
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Whether every byte has been read.
    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Reads a varint.
    pub(super) fn varint(&mut self) -> Result<u64, ProtobufError> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(ProtobufError::Malformed("unexpected EOF".into()));
            };
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(ProtobufError::Malformed("integer overflow".into()));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(ProtobufError::Malformed("integer overflow".into()))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtobufError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(ProtobufError::Malformed("unexpected EOF".into()));
        };
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next field, or None at the end of the message.
    pub(super) fn next_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, ProtobufError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let tag = key >> 3;
        if tag == 0 || tag > u64::from(u32::MAX >> 3) {
            return Err(ProtobufError::Malformed(format!("illegal tag {tag}")));
        }
        let value = match (key & 7) as u8 {
            VARINT => WireValue::Varint(self.varint()?),
            FIXED64 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                WireValue::Fixed64(u64::from_le_bytes(a))
            }
            LEN => {
                let len = self.varint()?;
                let len = usize::try_from(len)
                    .map_err(|_| ProtobufError::Malformed("invalid length".into()))?;
                WireValue::Bytes(self.take(len)?)
            }
            FIXED32 => {
                self.take(4)?;
                WireValue::Fixed32
            }
            other => return Err(ProtobufError::Malformed(format!("illegal wireType {other}"))),
        };
        Ok(Some((tag as u32, value)))
    }
}

/// Appends a varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a field key.
pub(super) fn put_key(out: &mut Vec<u8>, tag: u32, wire: u8) {
    put_varint(out, (u64::from(tag) << 3) | u64::from(wire));
}

/// Appends a length-delimited field.
pub(super) fn put_bytes(out: &mut Vec<u8>, tag: u32, data: &[u8]) {
    put_key(out, tag, LEN);
    put_varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// Appends a varint field.
pub(super) fn put_varint_field(out: &mut Vec<u8>, tag: u32, v: u64) {
    put_key(out, tag, VARINT);
    put_varint(out, v);
}
