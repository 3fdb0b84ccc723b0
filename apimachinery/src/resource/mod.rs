//! Resource quantities (`500m`, `1.5Gi`, `1e3`) with exact fixed-point arithmetic, parsed,
//! compared and printed exactly as k8s.io/apimachinery's `resource.Quantity`.
//!
//! Values are never held as floating point: a quantity is an `i64 × 10^scale` when that fits,
//! and an arbitrary-precision decimal otherwise. Parsing remembers which suffix family was used
//! ([`Format`]) so printing can answer in kind, always in canonical form (`1.5Gi` prints as
//! `1536Mi`, `0.1` as `100m`), except that an input that already looks canonical is echoed as
//! written, as upstream does.

mod amount;
mod dec;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use self::amount::IntAmount;
use self::dec::Dec;

/// A base-10 exponent used to read or set a quantity at a given precision (see
/// [`Quantity::scaled_value`]).
pub type Scale = i32;

/// 10^-9.
pub const NANO: Scale = -9;
/// 10^-6.
pub const MICRO: Scale = -6;
/// 10^-3.
pub const MILLI: Scale = -3;
/// 10^3.
pub const KILO: Scale = 3;
/// 10^6.
pub const MEGA: Scale = 6;
/// 10^9.
pub const GIGA: Scale = 9;
/// 10^12.
pub const TERA: Scale = 12;
/// 10^15.
pub const PETA: Scale = 15;
/// 10^18.
pub const EXA: Scale = 18;

/// The largest value whose [`Quantity::milli_value`] cannot overflow.
pub const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;

/// How a quantity is printed: which suffix family its canonical form uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// `12e6`.
    DecimalExponent,
    /// `12Mi` (powers of 1024).
    BinarySI,
    /// `12M` (powers of 1000).
    #[default]
    DecimalSI,
}

impl Format {
    /// The upstream name of the format (`DecimalSI`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::DecimalExponent => "DecimalExponent",
            Format::BinarySI => "BinarySI",
            Format::DecimalSI => "DecimalSI",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a quantity (upstream's three parse errors, same messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ParseQuantityError {
    /// The string is not a number followed by a suffix.
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    FormatWrong,
    /// The number part has no digits.
    #[error("unable to parse numeric part of quantity")]
    Numeric,
    /// The suffix is not one of the known ones.
    #[error("unable to parse quantity's suffix")]
    Suffix,
}

#[derive(Clone, Debug)]
enum Amount {
    Int(IntAmount),
    Dec(Dec),
}

impl Default for Amount {
    fn default() -> Self {
        Amount::Int(IntAmount::default())
    }
}

impl Amount {
    fn to_dec(&self) -> Dec {
        match self {
            Amount::Int(i) => i.to_dec(),
            Amount::Dec(d) => d.clone(),
        }
    }

    fn as_scale(&self, scale: Scale) -> (Amount, bool) {
        match self {
            Amount::Int(i) => {
                let (r, exact) = i.as_scale(scale);
                (Amount::Int(r), exact)
            }
            Amount::Dec(d) => {
                let (r, exact) = d.round_up(scale.wrapping_neg());
                (Amount::Dec(r), exact)
            }
        }
    }

    fn canonical(&self) -> (String, i64) {
        match self {
            Amount::Int(i) => i.canonical().unwrap_or_else(|| i.to_dec().canonical()),
            Amount::Dec(d) => d.canonical(),
        }
    }

    fn canonical_base1024(&self) -> (String, i64) {
        match self {
            Amount::Int(i) => {
                i.canonical_base1024().unwrap_or_else(|| i.to_dec().canonical_base1024())
            }
            Amount::Dec(d) => d.canonical_base1024(),
        }
    }
}

/// A fixed-point number with a preferred print format: Kubernetes' resource quantity.
///
/// Equality, ordering and hashing go by value (`1Gi == 1024Mi`), ignoring the format.
#[derive(Clone, Default)]
pub struct Quantity {
    amount: Amount,
    format: Format,
    /// The parsed input, kept when it already looked canonical (upstream echoes it verbatim).
    cached: Option<String>,
}

/// What the scanner found: sign, the number as written, its integer and fraction digits
/// (leading zeros gone; `"0"` when none are left), and the suffix.
struct Parts<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn scan(s: &str) -> Result<Parts<'_>, ParseQuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut parts = Parts { positive: true, value: "", num: "", denom: "", suffix: "" };
    let mut pos = 0;
    match b.first() {
        Some(b'-') => {
            parts.positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        parts.num = "0";
        parts.value = "0";
        return Ok(parts);
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos >= end {
        parts.num = &s[num_start..];
        parts.value = s;
        return Ok(parts);
    }
    parts.num = if pos == num_start { "0" } else { &s[num_start..pos] };
    if b[pos] == b'.' {
        pos += 1;
        let denom_start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        parts.denom = &s[denom_start..pos];
        if pos >= end {
            parts.value = s;
            return Ok(parts);
        }
    }
    parts.value = &s[..pos];
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(ParseQuantityError::FormatWrong);
    }
    parts.suffix = &s[suffix_start..];
    Ok(parts)
}

/// Base, exponent and format a suffix stands for.
fn interpret_suffix(suffix: &str) -> Option<(u32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSI));
    let binary = |e| Some((2, e, Format::BinarySI));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let rest = suffix.strip_prefix('e').or_else(|| suffix.strip_prefix('E'))?;
            // Upstream reads an int64 and narrows it to int32.
            let parsed: i64 = rest.parse().ok()?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
    }
}

/// The suffix printed for a base-10 exponent; unlisted exponents print without one, as upstream.
fn decimal_suffix(exponent: i64, format: Format) -> Cow<'static, str> {
    if format == Format::DecimalExponent {
        return if exponent == 0 { Cow::Borrowed("") } else { Cow::Owned(format!("e{exponent}")) };
    }
    Cow::Borrowed(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => "",
    })
}

fn binary_suffix(exponent: i64) -> &'static str {
    match exponent {
        10 => "Ki",
        20 => "Mi",
        30 => "Gi",
        40 => "Ti",
        50 => "Pi",
        60 => "Ei",
        _ => "",
    }
}

/// `10^n` computed as Go's `math.Pow10` does, so float results match upstream bit for bit.
fn go_pow10(n: i64) -> f64 {
    const TAB: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288];
    const NEG32: [f64; 11] =
        [1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320];
    if (0..=308).contains(&n) {
        let n = n as usize;
        return POS32[n / 32] * TAB[n % 32];
    }
    if (-323..=0).contains(&n) {
        let n = (-n) as usize;
        return NEG32[n / 32] / TAB[n % 32];
    }
    if n > 0 { f64::INFINITY } else { 0.0 }
}

impl Quantity {
    /// Parses a quantity (`ParseQuantity`).
    pub fn parse(s: &str) -> Result<Self, ParseQuantityError> {
        if s.is_empty() {
            return Err(ParseQuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok(Self {
                amount: Amount::default(),
                format: Format::DecimalSI,
                cached: Some(s.to_string()),
            });
        }
        let parts = scan(s)?;
        let (base, exponent, mut format) =
            interpret_suffix(parts.suffix).ok_or(ParseQuantityError::Suffix)?;

        if let Some(q) = Self::parse_fast(s, &parts, exponent, format) {
            return Ok(q);
        }

        let mut amount = Dec::parse(parts.value).ok_or(ParseQuantityError::Numeric)?;
        if base == 10 {
            amount.set_scale(amount.scale().wrapping_sub(exponent));
        } else {
            amount.mul_pow2(exponent.unsigned_abs());
        }
        let negative = amount.is_neg();
        let mut amount = amount.abs();
        // Anything below a nano is rounded up to one: asking for some resource gets some.
        if !amount.mag().is_zero() {
            amount = amount.round_up(9).0;
        }
        if format == Format::BinarySI {
            let max = Dec::from_i128(i128::from(i64::MAX), 0);
            if amount.cmp(&max) == Ordering::Greater {
                amount = max;
            }
            if amount.sign() > 0 && amount.cmp(&Dec::from_i128(1, 0)) == Ordering::Less {
                format = Format::DecimalSI;
            }
        }
        if negative {
            amount = amount.neg();
        }
        Ok(Self { amount: Amount::Dec(amount), format, cached: None })
    }

    /// The `i64` path: few enough digits and no sub-nano precision.
    fn parse_fast(s: &str, parts: &Parts<'_>, exponent: i32, format: Format) -> Option<Self> {
        let digits = (parts.num.len() + parts.denom.len()) as i64;
        let (mut scale, precision, mantissa) = match format {
            Format::BinarySI if exponent >= 0 && parts.denom.is_empty() => (
                0i32,
                14 - parts.num.len() as i64 - i64::from(exponent) * 3 / 10,
                1i64.checked_shl(exponent.unsigned_abs())?,
            ),
            Format::BinarySI => (0, -1, 1),
            _ => (exponent, 18 - digits, 1),
        };
        if precision < 0 {
            return None;
        }
        scale = scale.wrapping_sub(parts.denom.len() as i32);
        if scale < NANO {
            return None;
        }
        // The digits of the number and its fraction read as one integer.
        let mut shifted = parts.num.bytes().chain(parts.denom.bytes()).peekable();
        let leading_zero = shifted.peek() == Some(&b'0');
        let mut value: i64 = 0;
        for d in shifted {
            if !d.is_ascii_digit() {
                return None;
            }
            value = value.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
        }
        if digits == 0 {
            return None;
        }
        let mut result = value.checked_mul(mantissa)?;
        if !parts.positive {
            result = -result;
        }
        let canonical = match format {
            Format::BinarySI => exponent % 10 == 0 && value & 0x07 != 0,
            // No three trailing zeros (the last three digits are the value's remainder) and
            // no leading zero.
            _ => scale % 3 == 0 && !(digits >= 3 && value % 1000 == 0) && !leading_zero,
        };
        Some(Self {
            amount: Amount::Int(IntAmount::new(result, scale)),
            format,
            cached: canonical.then(|| s.to_string()),
        })
    }

    /// `value` in `format` (`NewQuantity`).
    pub fn new(value: i64, format: Format) -> Self {
        Self { amount: Amount::Int(IntAmount::new(value, 0)), format, cached: None }
    }

    /// `value / 1000` in `format` (`NewMilliQuantity`).
    pub fn new_milli(value: i64, format: Format) -> Self {
        Self::new_scaled_with_format(value, MILLI, format)
    }

    /// `value × 10^scale` in DecimalSI (`NewScaledQuantity`).
    pub fn new_scaled(value: i64, scale: Scale) -> Self {
        Self::new_scaled_with_format(value, scale, Format::DecimalSI)
    }

    fn new_scaled_with_format(value: i64, scale: Scale, format: Format) -> Self {
        Self { amount: Amount::Int(IntAmount::new(value, scale)), format, cached: None }
    }

    /// The print format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Changes the print format.
    pub fn set_format(&mut self, format: Format) {
        self.format = format;
        self.cached = None;
    }

    /// This quantity printed in another format.
    pub fn with_format(mut self, format: Format) -> Self {
        self.set_format(format);
        self
    }

    /// Sets the value to `value` (`Set`).
    pub fn set(&mut self, value: i64) {
        self.set_scaled(value, 0);
    }

    /// Sets the value to `value / 1000` (`SetMilli`).
    pub fn set_milli(&mut self, value: i64) {
        self.set_scaled(value, MILLI);
    }

    /// Sets the value to `value × 10^scale` (`SetScaled`).
    pub fn set_scaled(&mut self, value: i64, scale: Scale) {
        self.amount = Amount::Int(IntAmount::new(value, scale));
        self.cached = None;
    }

    /// True when the value is zero.
    pub fn is_zero(&self) -> bool {
        self.sign() == 0
    }

    /// -1, 0 or 1 as the value is negative, zero or positive.
    pub fn sign(&self) -> i32 {
        match &self.amount {
            Amount::Int(i) => i.sign(),
            Amount::Dec(d) => d.sign(),
        }
    }

    /// Compares by value.
    pub fn cmp_i64(&self, y: i64) -> Ordering {
        match &self.amount {
            Amount::Int(i) => i.cmp(IntAmount::new(y, 0)),
            Amount::Dec(d) => d.cmp(&Dec::from_i128(i128::from(y), 0)),
        }
    }

    /// The value as an `i64` when it is held as a whole number that fits (`AsInt64`): quantities
    /// kept in arbitrary precision (long inputs, fractional binary values) answer `None` even
    /// when whole, as upstream's fast path does.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.amount {
            Amount::Int(i) => i.as_i64(),
            Amount::Dec(_) => None,
        }
    }

    /// The value rounded up (away from zero) to an integer; may overflow (`Value`).
    pub fn value(&self) -> i64 {
        self.scaled_value(0)
    }

    /// `ceil(value × 1000)`; may overflow, check [`Quantity::value`] against
    /// [`MAX_MILLI_VALUE`] first (`MilliValue`).
    pub fn milli_value(&self) -> i64 {
        self.scaled_value(MILLI)
    }

    /// `ceil(value / 10^scale)`; may overflow (`ScaledValue`). Rounding of negative values
    /// follows upstream, which differs between its two internal representations.
    pub fn scaled_value(&self, scale: Scale) -> i64 {
        match &self.amount {
            Amount::Int(i) => i.as_scaled_i64(scale).unwrap_or(0),
            Amount::Dec(d) => dec_scaled_value(d, scale),
        }
    }

    /// The value as an `f64`, computed as upstream's `AsApproximateFloat64` (mantissa times a
    /// power of ten), so results match bit for bit; out of range gives ±infinity.
    pub fn as_approximate_f64(&self) -> f64 {
        let (base, exponent) = match &self.amount {
            Amount::Int(i) => (i.value as f64, i64::from(i.scale)),
            Amount::Dec(d) => (d.unscaled_f64(), -i64::from(d.scale())),
        };
        if exponent == 0 { base } else { base * go_pow10(exponent) }
    }

    /// The value as the nearest `f64` (`AsFloat64Slow`).
    pub fn as_f64_slow(&self) -> f64 {
        self.amount.to_dec().to_f64()
    }

    /// Rounds up (away from zero) to a multiple of `10^scale`; false when precision was lost
    /// (`RoundUp`).
    pub fn round_up(&mut self, scale: Scale) -> bool {
        if let Amount::Int(i) = &self.amount
            && i.scale >= scale
        {
            return true;
        }
        self.cached = None;
        let (amount, exact) = self.amount.as_scale(scale);
        self.amount = amount;
        exact
    }

    /// Multiplies by `y`; false when the result's mantissa no longer fits an `i64` (`Mul`).
    pub fn mul(&mut self, y: i64) -> bool {
        self.cached = None;
        if let Amount::Int(i) = &mut self.amount
            && i.mul(y)
        {
            return true;
        }
        let d = self.amount.to_dec().mul_i64(y);
        let fits = d.unscaled_i128().is_some_and(|v| i64::try_from(v).is_ok());
        self.amount = Amount::Dec(d);
        fits
    }

    /// Adds `y` in place; a zero quantity takes `y`'s format (`Add`).
    fn add_quantity(&mut self, y: &Quantity) {
        self.cached = None;
        if let (Amount::Int(a), Amount::Int(b)) = (&mut self.amount, &y.amount) {
            if a.value == 0 {
                self.format = y.format;
            }
            if a.add(*b) {
                return;
            }
        } else if self.is_zero() {
            self.format = y.format;
        }
        self.amount = Amount::Dec(self.amount.to_dec().add(&y.amount.to_dec()));
    }

    /// Subtracts `y` in place; a zero quantity takes `y`'s format (`Sub`).
    fn sub_quantity(&mut self, y: &Quantity) {
        self.cached = None;
        if self.is_zero() {
            self.format = y.format;
        }
        if let (Amount::Int(a), Amount::Int(b)) = (&mut self.amount, &y.amount)
            && a.sub(*b)
        {
            return;
        }
        self.amount = Amount::Dec(self.amount.to_dec().add(&y.amount.to_dec().neg()));
    }

    /// Negates in place (`Neg`).
    fn negate(&mut self) {
        self.cached = None;
        match &mut self.amount {
            Amount::Int(i) => i.value = i.value.wrapping_neg(),
            Amount::Dec(d) => *d = d.neg(),
        }
    }

    /// The canonical form (`CanonicalizeBytes`), ignoring any remembered input text.
    pub fn canonical_string(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let mut format = self.format;
        let mut rounded = None;
        if format == Format::BinarySI {
            if self.cmp_i64(-1024) == Ordering::Greater && self.cmp_i64(1024) == Ordering::Less {
                format = Format::DecimalSI;
            } else {
                let (r, exact) = self.amount.as_scale(0);
                if exact {
                    rounded = Some(r);
                } else {
                    format = Format::DecimalSI;
                }
            }
        }
        match rounded {
            Some(r) => {
                let (number, exponent) = r.canonical_base1024();
                format!("{number}{}", binary_suffix(exponent.saturating_mul(10)))
            }
            None => {
                let (number, exponent) = self.amount.canonical();
                format!("{number}{}", decimal_suffix(exponent, format))
            }
        }
    }

    fn hash_key(&self) -> Option<(bool, dec::BigUint, i64)> {
        if self.is_zero() { None } else { Some(self.amount.to_dec().normalized()) }
    }
}

/// Upstream's `scaledValue` for the arbitrary-precision form, including its rounding quirks.
fn dec_scaled_value(d: &Dec, scale: Scale) -> i64 {
    let dif = i64::from(d.scale()) + i64::from(scale);
    let unscaled = d.unscaled_i64_wrapping();
    match dif.cmp(&0) {
        Ordering::Equal => unscaled,
        Ordering::Less => {
            let factor = if -dif <= 18 { 10i64.pow((-dif) as u32) } else { i64::MIN };
            unscaled.wrapping_mul(factor)
        }
        Ordering::Greater => {
            let below_max = d.is_neg() || d.mag() < &dec::BigUint::from_u128(i64::MAX as u128);
            if below_max && dif < 19 {
                let divide = 10i64.pow(dif as u32);
                let result = unscaled / divide;
                if unscaled % divide != 0 { result + 1 } else { result }
            } else {
                let (q, inexact) = d.mag().div_pow10(dif as u64);
                let q = q.low_u64() as i64;
                if d.is_neg() { q.wrapping_neg() } else { q.wrapping_add(i64::from(inexact)) }
            }
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => f.write_str(&self.canonical_string()),
        }
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Quantity").field(&self.to_string()).field(&self.format).finish()
    }
}

impl FromStr for Quantity {
    type Err = ParseQuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.amount, &other.amount) {
            (Amount::Int(a), Amount::Int(b)) => a.cmp(*b),
            (a, b) => a.to_dec().cmp(&b.to_dec()),
        }
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_key().hash(state);
    }
}

impl std::ops::AddAssign<&Quantity> for Quantity {
    fn add_assign(&mut self, rhs: &Quantity) {
        self.add_quantity(rhs);
    }
}

impl std::ops::AddAssign for Quantity {
    fn add_assign(&mut self, rhs: Quantity) {
        self.add_quantity(&rhs);
    }
}

impl std::ops::SubAssign<&Quantity> for Quantity {
    fn sub_assign(&mut self, rhs: &Quantity) {
        self.sub_quantity(rhs);
    }
}

impl std::ops::SubAssign for Quantity {
    fn sub_assign(&mut self, rhs: Quantity) {
        self.sub_quantity(&rhs);
    }
}

impl std::ops::Add<&Quantity> for &Quantity {
    type Output = Quantity;

    fn add(self, rhs: &Quantity) -> Quantity {
        let mut out = self.clone();
        out.add_quantity(rhs);
        out
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;

    fn add(mut self, rhs: Quantity) -> Quantity {
        self.add_quantity(&rhs);
        self
    }
}

impl std::ops::Sub<&Quantity> for &Quantity {
    type Output = Quantity;

    fn sub(self, rhs: &Quantity) -> Quantity {
        let mut out = self.clone();
        out.sub_quantity(rhs);
        out
    }
}

impl std::ops::Sub for Quantity {
    type Output = Quantity;

    fn sub(mut self, rhs: Quantity) -> Quantity {
        self.sub_quantity(&rhs);
        self
    }
}

impl std::ops::Neg for Quantity {
    type Output = Quantity;

    fn neg(mut self) -> Quantity {
        self.negate();
        self
    }
}

impl std::ops::Neg for &Quantity {
    type Output = Quantity;

    fn neg(self) -> Quantity {
        -self.clone()
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

struct QuantityVisitor;

impl QuantityVisitor {
    fn parse<E: de::Error>(text: &str) -> Result<Quantity, E> {
        Quantity::parse(text.trim()).map_err(E::custom)
    }
}

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a quantity string or number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
        Self::parse(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
        Self::parse(&v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Quantity, E> {
        Self::parse(if v { "true" } else { "false" })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Quantity, E> {
        Ok(Quantity::default())
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string (surrounding whitespace ignored), a number, or null (zero), as upstream's
    /// `UnmarshalJSON`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

impl schemars::JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        <ApiQuantity as schemars::JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <ApiQuantity as schemars::JsonSchema>::json_schema(generator)
    }
}

impl From<&Quantity> for ApiQuantity {
    fn from(q: &Quantity) -> Self {
        ApiQuantity(q.to_string())
    }
}

impl From<Quantity> for ApiQuantity {
    fn from(q: Quantity) -> Self {
        ApiQuantity(q.to_string())
    }
}

impl TryFrom<&ApiQuantity> for Quantity {
    type Error = ParseQuantityError;

    fn try_from(q: &ApiQuantity) -> Result<Self, Self::Error> {
        Quantity::parse(&q.0)
    }
}

impl TryFrom<ApiQuantity> for Quantity {
    type Error = ParseQuantityError;

    fn try_from(q: ApiQuantity) -> Result<Self, Self::Error> {
        Quantity::parse(&q.0)
    }
}
