//! The fast `i64 × 10^scale` representation of a quantity and its overflow-checked arithmetic
//! (upstream's `int64Amount`), including the exact rounding rules upstream applies.

use std::cmp::Ordering;

use super::dec::Dec;

/// `value × 10^scale`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct IntAmount {
    pub(crate) value: i64,
    pub(crate) scale: i32,
}

/// `base × 10^scale`, or `None` on overflow. `scale` must not be negative.
pub(crate) fn positive_scale(base: i64, scale: i64) -> Option<i64> {
    if base == 0 || scale == 0 {
        return Some(base);
    }
    if scale > 18 {
        return None;
    }
    base.checked_mul(10i64.pow(scale as u32))
}

/// `base / 10^scale`, rounded away from zero, and whether it was exact. `scale` must not be
/// negative.
pub(crate) fn negative_scale(base: i64, scale: i64) -> (i64, bool) {
    if scale == 0 {
        return (base, true);
    }
    let (q, r) = if scale > 18 {
        (0, base)
    } else {
        let d = 10i64.pow(scale as u32);
        (base / d, base % d)
    };
    if r == 0 {
        (q, true)
    } else if base > 0 {
        (q + 1, false)
    } else {
        (q - 1, false)
    }
}

/// Divides out `base` while it goes evenly (working on the magnitude, as upstream does).
fn remove_factors(value: i64, base: i64) -> (i64, i64) {
    let negative = value < 0;
    let mut result = if negative { value.wrapping_neg() } else { value };
    let mut times = 0;
    while result >= base && result % base == 0 {
        times += 1;
        result /= base;
    }
    if negative {
        result = result.wrapping_neg();
    }
    (result, times)
}

impl IntAmount {
    pub(crate) fn new(value: i64, scale: i32) -> Self {
        Self { value, scale }
    }

    pub(crate) fn sign(self) -> i32 {
        self.value.signum() as i32
    }

    /// The value at scale 0 when that needs no rounding and fits (negative scales never do).
    pub(crate) fn as_i64(self) -> Option<i64> {
        match self.scale.cmp(&0) {
            Ordering::Equal => Some(self.value),
            Ordering::Less => None,
            Ordering::Greater => positive_scale(self.value, i64::from(self.scale)),
        }
    }

    /// The value at `scale`, rounded away from zero; `None` when scaling up overflows.
    pub(crate) fn as_scaled_i64(self, scale: i32) -> Option<i64> {
        let (have, want) = (i64::from(self.scale), i64::from(scale));
        if have < want {
            Some(negative_scale(self.value, want - have).0)
        } else {
            positive_scale(self.value, have - want)
        }
    }

    pub(crate) fn to_dec(self) -> Dec {
        Dec::from_i128(i128::from(self.value), self.scale.wrapping_neg())
    }

    pub(crate) fn cmp(self, other: Self) -> Ordering {
        if self.scale == other.scale {
            return self.value.cmp(&other.value);
        }
        let diff = i64::from(self.scale) - i64::from(other.scale);
        if diff.abs() <= 18 {
            let p = 10i128.pow(diff.unsigned_abs() as u32);
            let (a, b) = (i128::from(self.value), i128::from(other.value));
            return if diff > 0 { (a * p).cmp(&b) } else { a.cmp(&(b * p)) };
        }
        self.to_dec().cmp(&other.to_dec())
    }

    /// Adds in place; `false` (and `self` untouched) when the result does not fit.
    pub(crate) fn add(&mut self, b: Self) -> bool {
        if b.value == 0 {
            return true;
        }
        if self.value == 0 {
            *self = b;
            return true;
        }
        let diff = i64::from(self.scale) - i64::from(b.scale);
        let sum = match diff.cmp(&0) {
            Ordering::Equal => self.value.checked_add(b.value),
            Ordering::Greater => {
                positive_scale(self.value, diff).and_then(|c| c.checked_add(b.value))
            }
            Ordering::Less => {
                positive_scale(b.value, -diff).and_then(|c| self.value.checked_add(c))
            }
        };
        match sum {
            Some(v) => {
                if diff > 0 {
                    self.scale = b.scale;
                }
                self.value = v;
                true
            }
            None => false,
        }
    }

    pub(crate) fn sub(&mut self, b: Self) -> bool {
        self.add(Self::new(b.value.wrapping_neg(), b.scale))
    }

    /// Multiplies in place; `false` when the result does not fit.
    pub(crate) fn mul(&mut self, b: i64) -> bool {
        if self.value == 0 {
            return true;
        }
        if b == 0 {
            *self = Self::default();
            return true;
        }
        let Some(c) = self.value.checked_mul(b) else {
            return false;
        };
        let fits = match self.scale.cmp(&0) {
            Ordering::Equal => true,
            Ordering::Greater => positive_scale(c, i64::from(self.scale)).is_some(),
            // Upstream gives up (and recomputes exactly) when the product is not a whole
            // number at scale 0.
            Ordering::Less => negative_scale(c, -i64::from(self.scale)).1,
        };
        if fits {
            self.value = c;
        }
        fits
    }

    /// This amount with at least `scale`, rounded away from zero, and whether that was exact.
    pub(crate) fn as_scale(self, scale: i32) -> (Self, bool) {
        if self.scale >= scale {
            return (self, true);
        }
        let (value, exact) = negative_scale(self.value, i64::from(scale) - i64::from(self.scale));
        (Self::new(value, scale), exact)
    }

    /// Canonical base-10 digits with an exponent that is a multiple of three, or `None` when
    /// that needs more than an `i64`.
    pub(crate) fn canonical(self) -> Option<(String, i64)> {
        let (mut amount, times) = remove_factors(self.value, 10);
        let mut exponent = i64::from(self.scale) + times;
        match exponent % 3 {
            1 | -2 => {
                amount = amount.checked_mul(10)?;
                exponent -= 1;
            }
            2 | -1 => {
                amount = amount.checked_mul(100)?;
                exponent -= 2;
            }
            _ => {}
        }
        Some((amount.to_string(), exponent))
    }

    /// Canonical digits and exponent in base 1024 after rounding up to an integer, or `None`
    /// when the integer does not fit an `i64`.
    pub(crate) fn canonical_base1024(self) -> Option<(String, i64)> {
        let value = self.as_scaled_i64(0)?;
        let (amount, times) = remove_factors(value, 1024);
        Some((amount.to_string(), times))
    }
}
