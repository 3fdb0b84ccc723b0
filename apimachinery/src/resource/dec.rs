//! Arbitrary-precision decimal arithmetic for quantities too large or too precise for an `i64`
//! mantissa (upstream falls back to `inf.Dec` for these).

use std::cmp::Ordering;
use std::fmt;

/// One limb holds nine decimal digits.
const BASE: u64 = 1_000_000_000;
const BASE_DIGITS: u64 = 9;

/// Rescaling a value to more fractional digits multiplies its mantissa by a power of ten. Past this
/// many digits the (value-preserving) rescale is skipped, so that hostile exponents such as
/// `1e999999999` cannot make a single operation allocate gigabytes.
pub(crate) const MAX_RESCALE_DIGITS: i64 = 4096;

/// An unsigned integer of any size, little-endian in base 10^9.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct BigUint {
    limbs: Vec<u32>,
}

fn pow10_u32(n: u64) -> u32 {
    const P: [u32; 10] =
        [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
    P.get(n as usize).copied().unwrap_or(1)
}

impl BigUint {
    pub(crate) fn from_u128(mut v: u128) -> Self {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push((v % BASE as u128) as u32);
            v /= BASE as u128;
        }
        Self { limbs }
    }

    /// Parses a run of ASCII digits (the caller guarantees there are only digits).
    pub(crate) fn from_digits(digits: &[u8]) -> Self {
        let mut limbs = Vec::with_capacity(digits.len() / 9 + 1);
        let mut end = digits.len();
        while end > 0 {
            let start = end.saturating_sub(BASE_DIGITS as usize);
            let limb = digits[start..end]
                .iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0') % 10));
            limbs.push(limb);
            end = start;
        }
        let mut out = Self { limbs };
        out.normalize();
        out
    }

    fn normalize(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    pub(crate) fn to_u128(&self) -> Option<u128> {
        let mut acc: u128 = 0;
        for &limb in self.limbs.iter().rev() {
            acc = acc.checked_mul(BASE as u128)?.checked_add(u128::from(limb))?;
        }
        Some(acc)
    }

    /// The value modulo 2^64 (what Go's `big.Int.Int64` reads).
    pub(crate) fn low_u64(&self) -> u64 {
        self.limbs
            .iter()
            .rev()
            .fold(0u64, |acc, &limb| acc.wrapping_mul(BASE).wrapping_add(u64::from(limb)))
    }

    /// Number of decimal digits (0 for zero).
    pub(crate) fn num_digits(&self) -> u64 {
        match self.limbs.last() {
            None => 0,
            Some(&top) => {
                let mut d = 1;
                let mut t = top;
                while t >= 10 {
                    t /= 10;
                    d += 1;
                }
                (self.limbs.len() as u64 - 1) * BASE_DIGITS + d
            }
        }
    }

    pub(crate) fn add(&self, other: &Self) -> Self {
        let n = self.limbs.len().max(other.limbs.len());
        let mut limbs = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let a = u64::from(self.limbs.get(i).copied().unwrap_or(0));
            let b = u64::from(other.limbs.get(i).copied().unwrap_or(0));
            let s = a + b + carry;
            limbs.push((s % BASE) as u32);
            carry = s / BASE;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
        Self { limbs }
    }

    /// `self - other`; `self` must not be smaller than `other`.
    pub(crate) fn sub(&self, other: &Self) -> Self {
        let mut limbs = Vec::with_capacity(self.limbs.len());
        let mut borrow = 0i64;
        for i in 0..self.limbs.len() {
            let a = i64::from(self.limbs[i]);
            let b = i64::from(other.limbs.get(i).copied().unwrap_or(0));
            let mut d = a - b - borrow;
            if d < 0 {
                d += BASE as i64;
                borrow = 1;
            } else {
                borrow = 0;
            }
            limbs.push(d as u32);
        }
        let mut out = Self { limbs };
        out.normalize();
        out
    }

    pub(crate) fn mul_small(&mut self, m: u32) {
        if m == 0 {
            self.limbs.clear();
            return;
        }
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let p = u64::from(*limb) * u64::from(m) + carry;
            *limb = (p % BASE) as u32;
            carry = p / BASE;
        }
        while carry > 0 {
            self.limbs.push((carry % BASE) as u32);
            carry /= BASE;
        }
    }

    pub(crate) fn mul_pow10(&mut self, n: u64) {
        if self.is_zero() || n == 0 {
            return;
        }
        let whole = (n / BASE_DIGITS) as usize;
        if whole > 0 {
            let mut limbs = vec![0u32; whole];
            limbs.append(&mut self.limbs);
            self.limbs = limbs;
        }
        self.mul_small(pow10_u32(n % BASE_DIGITS));
    }

    pub(crate) fn mul_pow2(&mut self, mut n: u32) {
        while n > 0 {
            let step = n.min(30);
            self.mul_small(1u32 << step);
            n -= step;
        }
    }

    pub(crate) fn divmod_small(&self, d: u32) -> (Self, u32) {
        let d = u64::from(d.max(1));
        let mut limbs = vec![0u32; self.limbs.len()];
        let mut rem = 0u64;
        for i in (0..self.limbs.len()).rev() {
            let cur = rem * BASE + u64::from(self.limbs[i]);
            limbs[i] = (cur / d) as u32;
            rem = cur % d;
        }
        let mut out = Self { limbs };
        out.normalize();
        (out, rem as u32)
    }

    /// `self / 10^n`, truncated, and whether anything non-zero was dropped.
    pub(crate) fn div_pow10(&self, n: u64) -> (Self, bool) {
        if n == 0 {
            return (self.clone(), false);
        }
        if n > self.num_digits() {
            return (Self::default(), !self.is_zero());
        }
        let whole = (n / BASE_DIGITS) as usize;
        let dropped = self.limbs.iter().take(whole).any(|&l| l != 0);
        let shifted = Self { limbs: self.limbs.iter().skip(whole).copied().collect() };
        let (q, r) = shifted.divmod_small(pow10_u32(n % BASE_DIGITS));
        (q, dropped || r != 0)
    }

    /// Divides out `factor` as often as it goes evenly: `self == result * factor^times`.
    pub(crate) fn remove_factors(&self, factor: u32) -> (Self, u64) {
        let mut cur = self.clone();
        let mut times = 0;
        if factor == 10 {
            // Whole zero limbs first, so long runs of zeros are cheap.
            let zeros = cur.limbs.iter().take_while(|&&l| l == 0).count();
            if zeros > 0 && zeros < cur.limbs.len() {
                cur.limbs.drain(..zeros);
                times += zeros as u64 * BASE_DIGITS;
            }
        }
        while !cur.is_zero() {
            let (q, r) = cur.divmod_small(factor);
            if r != 0 {
                break;
            }
            cur = q;
            times += 1;
        }
        (cur, times)
    }
}

impl Ord for BigUint {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

impl PartialOrd for BigUint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for BigUint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut it = self.limbs.iter().rev();
        match it.next() {
            None => f.write_str("0"),
            Some(top) => {
                write!(f, "{top}")?;
                for limb in it {
                    write!(f, "{limb:09}")?;
                }
                Ok(())
            }
        }
    }
}

/// A signed decimal `±mag × 10^(−scale)` (the same orientation as `inf.Dec`'s scale).
#[derive(Clone, Debug, Default)]
pub(crate) struct Dec {
    neg: bool,
    mag: BigUint,
    scale: i32,
}

impl Dec {
    pub(crate) fn new(neg: bool, mag: BigUint, scale: i32) -> Self {
        let neg = neg && !mag.is_zero();
        Self { neg, mag, scale }
    }

    pub(crate) fn from_i128(v: i128, scale: i32) -> Self {
        Self::new(v < 0, BigUint::from_u128(v.unsigned_abs()), scale)
    }

    /// Parses `[+-]digits[.digits]` the way `inf.Dec.SetString` does; `None` without any digit.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let (neg, rest) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        let mut digits = Vec::with_capacity(rest.len());
        let mut dot: Option<usize> = None;
        for &c in rest {
            match c {
                b'0'..=b'9' => digits.push(c),
                b'.' if dot.is_none() => dot = Some(digits.len()),
                _ => return None,
            }
        }
        if digits.is_empty() {
            return None;
        }
        let scale = dot.map_or(0, |d| (digits.len() - d) as i32);
        Some(Self::new(neg, BigUint::from_digits(&digits), scale))
    }

    pub(crate) fn is_neg(&self) -> bool {
        self.neg
    }

    pub(crate) fn mag(&self) -> &BigUint {
        &self.mag
    }

    pub(crate) fn scale(&self) -> i32 {
        self.scale
    }

    pub(crate) fn set_scale(&mut self, scale: i32) {
        self.scale = scale;
    }

    pub(crate) fn mul_pow2(&mut self, n: u32) {
        self.mag.mul_pow2(n);
    }

    pub(crate) fn mul_i64(&self, y: i64) -> Self {
        let mut mag = self.mag.clone();
        let abs = y.unsigned_abs();
        // Two steps keep each factor inside a u32.
        mag.mul_small((abs & 0xFFFF_FFFF) as u32);
        let mut hi = self.mag.clone();
        hi.mul_small((abs >> 32) as u32);
        hi.mul_pow2(32);
        Self::new(self.neg != (y < 0), mag.add(&hi), self.scale)
    }

    pub(crate) fn sign(&self) -> i32 {
        if self.mag.is_zero() {
            0
        } else if self.neg {
            -1
        } else {
            1
        }
    }

    pub(crate) fn neg(&self) -> Self {
        Self::new(!self.neg, self.mag.clone(), self.scale)
    }

    pub(crate) fn abs(&self) -> Self {
        Self::new(false, self.mag.clone(), self.scale)
    }

    /// The mantissa rescaled to `scale`, or `None` when that would exceed the rescale limit.
    fn mag_at(&self, scale: i32) -> Option<BigUint> {
        let diff = i64::from(scale) - i64::from(self.scale);
        if diff > MAX_RESCALE_DIGITS && !self.mag.is_zero() {
            return None;
        }
        let mut m = self.mag.clone();
        m.mul_pow10(diff.max(0) as u64);
        Some(m)
    }

    fn cmp_mag(&self, other: &Self) -> Ordering {
        match (self.mag.is_zero(), other.mag.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // Position of the leading digit decides unless both lead at the same place.
        let ea = self.mag.num_digits() as i64 - i64::from(self.scale);
        let eb = other.mag.num_digits() as i64 - i64::from(other.scale);
        if ea != eb {
            return ea.cmp(&eb);
        }
        let scale = self.scale.max(other.scale);
        match (self.mag_at(scale), other.mag_at(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => Ordering::Equal,
        }
    }

    pub(crate) fn cmp(&self, other: &Self) -> Ordering {
        match self.sign().cmp(&other.sign()) {
            Ordering::Equal => {}
            o => return o,
        }
        let o = self.cmp_mag(other);
        if self.neg { o.reverse() } else { o }
    }

    /// `self + other` at the larger of the two scales. Operands more than
    /// [`MAX_RESCALE_DIGITS`] apart cannot be aligned; the larger one is returned unchanged.
    pub(crate) fn add(&self, other: &Self) -> Self {
        if other.mag.is_zero() && other.scale <= self.scale {
            return self.clone();
        }
        let scale = self.scale.max(other.scale);
        let (a, b) = match (self.mag_at(scale), other.mag_at(scale)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return if self.cmp_mag(other) == Ordering::Less {
                    other.clone()
                } else {
                    self.clone()
                };
            }
        };
        if self.neg == other.neg {
            return Self::new(self.neg, a.add(&b), scale);
        }
        match a.cmp(&b) {
            Ordering::Less => Self::new(other.neg, b.sub(&a), scale),
            _ => Self::new(self.neg, a.sub(&b), scale),
        }
    }

    /// Rounds away from zero to `scale` fractional digits (`inf.RoundUp`) and reports whether
    /// the value was kept exactly. Rescaling past the limit keeps the (equal) current form.
    pub(crate) fn round_up(&self, scale: i32) -> (Self, bool) {
        let diff = i64::from(self.scale) - i64::from(scale);
        if diff <= 0 {
            return match self.mag_at(scale) {
                Some(m) => (Self::new(self.neg, m, scale), true),
                None => (self.clone(), true),
            };
        }
        let (mut q, inexact) = self.mag.div_pow10(diff as u64);
        if inexact {
            q = q.add(&BigUint::from_u128(1));
        }
        (Self::new(self.neg, q, scale), !inexact)
    }

    /// Canonical base-10 digits and an exponent that is a multiple of three.
    pub(crate) fn canonical(&self) -> (String, i64) {
        let (mut m, times) = self.mag.remove_factors(10);
        let mut exponent = -i64::from(self.scale) + times as i64;
        while exponent % 3 != 0 {
            m.mul_small(10);
            exponent -= 1;
        }
        let sign = if self.neg && !m.is_zero() { "-" } else { "" };
        (format!("{sign}{m}"), exponent)
    }

    /// Canonical digits and exponent in base 1024, after rounding up to an integer.
    pub(crate) fn canonical_base1024(&self) -> (String, i64) {
        let (rounded, _) = self.round_up(0);
        let (m, times) = rounded.mag.remove_factors(1024);
        let sign = if rounded.neg && !m.is_zero() { "-" } else { "" };
        (format!("{sign}{m}"), times as i64)
    }

    /// The mantissa as Go's `big.Int.Int64` reads it (low 64 bits, sign applied).
    pub(crate) fn unscaled_i64_wrapping(&self) -> i64 {
        let v = self.mag.low_u64() as i64;
        if self.neg { v.wrapping_neg() } else { v }
    }

    /// The mantissa, if it fits an `i128`.
    pub(crate) fn unscaled_i128(&self) -> Option<i128> {
        let m = i128::try_from(self.mag.to_u128()?).ok()?;
        Some(if self.neg { -m } else { m })
    }

    /// The mantissa as the nearest `f64`.
    pub(crate) fn unscaled_f64(&self) -> f64 {
        let m: f64 = self.mag.to_string().parse().unwrap_or(f64::INFINITY);
        if self.neg { -m } else { m }
    }

    /// The whole value as the nearest `f64`.
    pub(crate) fn to_f64(&self) -> f64 {
        let text =
            format!("{}{}e{}", if self.neg { "-" } else { "" }, self.mag, -i64::from(self.scale));
        text.parse().unwrap_or(if self.neg { f64::NEG_INFINITY } else { f64::INFINITY })
    }

    /// The value with trailing zeros moved into the scale, for hashing.
    pub(crate) fn normalized(&self) -> (bool, BigUint, i64) {
        let (m, times) = self.mag.remove_factors(10);
        (self.neg, m, i64::from(self.scale) - times as i64)
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mag.to_string();
        let sign = if self.neg { "-" } else { "" };
        if self.scale <= 0 {
            let zeros = if self.mag.is_zero() { 0 } else { (-i64::from(self.scale)) as usize };
            write!(f, "{sign}{digits}{}", "0".repeat(zeros))
        } else {
            let s = self.scale as usize;
            if digits.len() > s {
                let (int, frac) = digits.split_at(digits.len() - s);
                write!(f, "{sign}{int}.{frac}")
            } else {
                write!(f, "{sign}0.{}{digits}", "0".repeat(s - digits.len()))
            }
        }
    }
}
