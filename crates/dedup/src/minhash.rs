//! MinHash signatures and LSH band hashes.
//!
//! # Hash family
//! * **Shingles**: word n-grams of the [normalized](crate::normalize) text, each the words joined
//!   by one space, hashed to `x = xxh3_64_with_seed(bytes, s)` where `s = splitmix64(seed)`.
//! * **Permutations**: `h_i(x) = (a_i · x + b_i) mod 2^64` for `i` in `0..bands·rows`, with `a_i`
//!   odd. `a_i` and `b_i` are drawn in order from a SplitMix64 stream seeded with `seed`. This is
//!   the multiply-add family of Dietzfelbinger et al. (1997) with the full 64-bit result kept;
//!   since `x` is already a well-mixed xxh3 value and the minimum is decided by the high bits,
//!   it behaves as a min-wise family in practice. The signature is `sig_i = min_x h_i(x)`.
//!   datatrove uses `(a·x + b) mod (2^61 − 1)`; measured on this machine kind, that is about 3×
//!   slower for no better detection (see `shared/design/DEPENDENCIES.md`), and the `tests/`
//!   rates check detection against the theoretical S-curve.
//! * **Bands**: the signature is cut into `bands` consecutive groups of `rows` values; band `j`'s
//!   key is `xxh3_64_with_seed(le_bytes(sig[j·rows .. (j+1)·rows]), seed ^ j)`. Two documents are
//!   candidates when any band key is equal. With Jaccard similarity `J`, the probability is
//!   `1 − (1 − J^rows)^bands` (≈ 0.5 at J ≈ 0.72 for 14 × 8, FineWeb's setting). A 64-bit band
//!   key collides by chance with probability ≈ `n² / 2^65` per band over `n` documents.

use crate::normalize::{Normalizer, TextNormConfig};
use crate::shingle::{for_each_shingle, Scratch};
use crate::verify::{bottom_k, VerifyConfig};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The largest number of rows per band (band keys are hashed from a stack buffer).
pub const MAX_ROWS_PER_BAND: usize = 32;

/// A named starting point for [`MinHashConfig`]; keys given next to `preset` override its
/// values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinHashPreset {
    /// garbell's default: permissive candidates (word 2-grams, 20 bands × 5 rows), every
    /// candidate pair verified on a bottom-k sketch before it joins a cluster
    /// ([`crate::verify`]).
    #[default]
    Garbell,
    /// FineWeb's setting (Penedo et al. 2024, datatrove's `MinhashConfig()`): word 5-grams,
    /// 14 bands × 8 rows, no verification: every candidate pair joins.
    Fineweb,
}

/// Configuration of MinHash signing, LSH banding and candidate verification.
///
/// In chain files (`[dedup.minhash]`) every key is optional: `preset` (default `"garbell"`)
/// gives the values of the keys left out. [`MinHashConfig::default`] is the `garbell` preset,
/// [`MinHashConfig::fineweb`] FineWeb's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "RawMinHashConfig", try_from = "RawMinHashConfig")]
pub struct MinHashConfig {
    /// The preset the other values started from (recorded, no effect of its own).
    pub preset: MinHashPreset,
    /// Words per shingle.
    pub ngram: usize,
    /// Number of LSH bands.
    pub bands: usize,
    /// Hash values per band (at most [`MAX_ROWS_PER_BAND`]).
    pub rows_per_band: usize,
    /// Seed of the shingle hash, the permutations and the band keys. Every task of a corpus must
    /// use the same seed.
    pub seed: u64,
    /// Text normalization before shingling.
    pub normalization: TextNormConfig,
    /// Verification of candidate pairs (`None`: every candidate pair joins, as datatrove).
    /// In chain files `verify = false` turns it off, a table sets its values.
    pub verify: Option<VerifyConfig>,
}

/// The chain-file form of [`MinHashConfig`]: every key optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinHashConfig {
    #[serde(default)]
    preset: MinHashPreset,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ngram: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bands: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rows_per_band: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    normalization: Option<TextNormConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verify: Option<VerifySetting>,
}

/// `verify = true | false` or a `[dedup.minhash.verify]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum VerifySetting {
    On(bool),
    With(VerifyConfig),
}

impl TryFrom<RawMinHashConfig> for MinHashConfig {
    type Error = String;
    fn try_from(r: RawMinHashConfig) -> std::result::Result<Self, String> {
        let base = MinHashConfig::preset(r.preset);
        Ok(MinHashConfig {
            preset: r.preset,
            ngram: r.ngram.unwrap_or(base.ngram),
            bands: r.bands.unwrap_or(base.bands),
            rows_per_band: r.rows_per_band.unwrap_or(base.rows_per_band),
            seed: r.seed.unwrap_or(base.seed),
            normalization: r.normalization.unwrap_or(base.normalization),
            verify: match r.verify {
                None => base.verify,
                Some(VerifySetting::On(false)) => None,
                Some(VerifySetting::On(true)) => Some(VerifyConfig::default()),
                Some(VerifySetting::With(v)) => Some(v),
            },
        })
    }
}

impl From<MinHashConfig> for RawMinHashConfig {
    fn from(c: MinHashConfig) -> Self {
        RawMinHashConfig {
            preset: c.preset,
            ngram: Some(c.ngram),
            bands: Some(c.bands),
            rows_per_band: Some(c.rows_per_band),
            seed: Some(c.seed),
            normalization: Some(c.normalization),
            verify: Some(match c.verify {
                None => VerifySetting::On(false),
                Some(v) => VerifySetting::With(v),
            }),
        }
    }
}

impl Default for MinHashConfig {
    fn default() -> Self {
        MinHashConfig::preset(MinHashPreset::Garbell)
    }
}

impl MinHashConfig {
    /// The values of a preset.
    pub fn preset(preset: MinHashPreset) -> Self {
        match preset {
            MinHashPreset::Garbell => MinHashConfig {
                preset,
                ngram: 2,
                bands: 20,
                rows_per_band: 5,
                seed: 1,
                normalization: TextNormConfig::default(),
                verify: Some(VerifyConfig::default()),
            },
            MinHashPreset::Fineweb => MinHashConfig {
                preset,
                ngram: 5,
                bands: 14,
                rows_per_band: 8,
                seed: 1,
                normalization: TextNormConfig::default(),
                verify: None,
            },
        }
    }

    /// FineWeb's setting: word 5-grams, 14 × 8, datatrove's normalization, no verification.
    pub fn fineweb() -> Self {
        MinHashConfig::preset(MinHashPreset::Fineweb)
    }

    /// Checks the values; [`MinHashConfig::build`] calls it.
    pub fn validate(&self) -> Result<()> {
        if self.ngram == 0 {
            return Err(Error::config("minhash.ngram must be at least 1"));
        }
        if self.bands == 0 {
            return Err(Error::config("minhash.bands must be at least 1"));
        }
        if self.rows_per_band == 0 || self.rows_per_band > MAX_ROWS_PER_BAND {
            return Err(Error::config(format!(
                "minhash.rows_per_band must be in 1..={MAX_ROWS_PER_BAND}"
            )));
        }
        if let Some(v) = &self.verify {
            v.validate()?;
        }
        Ok(())
    }

    /// Number of hash values in a signature (`bands × rows_per_band`).
    pub fn num_hashes(&self) -> usize {
        self.bands * self.rows_per_band
    }

    /// Validates and builds the runtime [`MinHasher`].
    pub fn build(&self) -> Result<MinHasher> {
        self.validate()?;
        let mut state = self.seed;
        let n = self.num_hashes();
        let mut a = Vec::with_capacity(n);
        let mut b = Vec::with_capacity(n);
        for _ in 0..n {
            a.push(splitmix64(&mut state) | 1);
            b.push(splitmix64(&mut state));
        }
        let mut s = self.seed;
        let shingle_seed = splitmix64(&mut s);
        Ok(MinHasher {
            config: self.clone(),
            normalizer: Normalizer::new(&self.normalization),
            a,
            b,
            shingle_seed,
        })
    }
}

/// One step of the SplitMix64 generator (Steele, Lea & Flood 2014).
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A MinHash signature: `bands × rows_per_band` 64-bit minima. Empty when the document had no
/// shingle (fewer words than the n-gram size); empty signatures take no part in LSH.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    values: Vec<u64>,
}

impl Signature {
    /// A signature from raw values (for tests and readers of stored signatures).
    pub fn from_values(values: Vec<u64>) -> Self {
        Signature { values }
    }

    /// The hash values.
    pub fn values(&self) -> &[u64] {
        &self.values
    }

    /// True when the document had no shingle.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Fraction of equal positions: an unbiased estimate of the Jaccard similarity of the two
    /// shingle sets. 0 when either is empty or the lengths differ.
    pub fn jaccard_estimate(&self, other: &Signature) -> f64 {
        if self.is_empty() || self.values.len() != other.values.len() {
            return 0.0;
        }
        let eq = self
            .values
            .iter()
            .zip(&other.values)
            .filter(|(a, b)| a == b)
            .count();
        eq as f64 / self.values.len() as f64
    }
}

/// Runtime MinHash signer built by [`MinHashConfig::build`]. Shared by all threads (`&self`);
/// each thread keeps its own [`Scratch`].
///
/// ```
/// use garbell_dedup::{MinHashConfig, Scratch, Signature};
/// let hasher = MinHashConfig::default().build()?;
/// let mut scratch = Scratch::new();
/// let (mut a, mut b) = (Signature::default(), Signature::default());
/// hasher.sign_into("The quick brown fox jumps over the lazy dog again and again", &mut scratch, &mut a);
/// hasher.sign_into("the quick brown fox jumps over the lazy dog, again and again!", &mut scratch, &mut b);
/// assert_eq!(a, b); // same text after normalization
/// assert!(hasher.band_keys(&a).eq(hasher.band_keys(&b)));
/// # Ok::<(), garbell_dedup::Error>(())
/// ```
#[derive(Debug)]
pub struct MinHasher {
    config: MinHashConfig,
    normalizer: Normalizer,
    a: Vec<u64>,
    b: Vec<u64>,
    shingle_seed: u64,
}

impl MinHasher {
    /// The configuration this signer was built from.
    pub fn config(&self) -> &MinHashConfig {
        &self.config
    }

    /// The normalizer applied before shingling.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Signs `text` into `sig`, reusing `scratch` and `sig`'s buffer (no allocation once they
    /// have grown). Returns the number of shingles; 0 leaves `sig` empty.
    pub fn sign_into(&self, text: &str, scratch: &mut Scratch, sig: &mut Signature) -> usize {
        self.sign_inner(text, scratch, sig, None)
    }

    /// As [`MinHasher::sign_into`], and also writes the document's verification sketch (the
    /// `verify.sketch_size` smallest distinct shingle hashes, ascending; see [`crate::verify`])
    /// into `sketch`. Without `verify` in the configuration `sketch` is left empty.
    pub fn sign_with_sketch(
        &self,
        text: &str,
        scratch: &mut Scratch,
        sig: &mut Signature,
        sketch: &mut Vec<u64>,
    ) -> usize {
        sketch.clear();
        match &self.config.verify {
            Some(v) => self.sign_inner(text, scratch, sig, Some((v.sketch_size, sketch))),
            None => self.sign_inner(text, scratch, sig, None),
        }
    }

    fn sign_inner(
        &self,
        text: &str,
        scratch: &mut Scratch,
        sig: &mut Signature,
        sketch: Option<(usize, &mut Vec<u64>)>,
    ) -> usize {
        self.normalizer.normalize_into(text, &mut scratch.text);
        let n = self.a.len();
        sig.values.clear();
        sig.values.resize(n, u64::MAX);
        let (a, b) = (&self.a[..n], &self.b[..n]);
        let values = &mut sig.values[..n];
        let keep = sketch.is_some();
        let hashes = &mut scratch.hashes;
        hashes.clear();
        let count = for_each_shingle(
            &scratch.text,
            self.config.ngram,
            self.shingle_seed,
            &mut scratch.words,
            |x| {
                if keep {
                    hashes.push(x);
                }
                for i in 0..n {
                    let h = a[i].wrapping_mul(x).wrapping_add(b[i]);
                    if h < values[i] {
                        values[i] = h;
                    }
                }
            },
        );
        if count == 0 {
            sig.values.clear();
        } else if let Some((k, out)) = sketch {
            bottom_k(hashes, k, out);
        }
        count
    }

    /// Signs `text` into a new signature. Prefer [`MinHasher::sign_into`] in loops.
    pub fn sign(&self, text: &str) -> Signature {
        let mut sig = Signature::default();
        self.sign_into(text, &mut Scratch::new(), &mut sig);
        sig
    }

    /// The key of band `band` of `sig` (see the module docs for the formula).
    ///
    /// # Panics
    /// If `band >= bands` or `sig` is empty or of another configuration's length.
    pub fn band_key(&self, sig: &Signature, band: usize) -> u64 {
        let r = self.config.rows_per_band;
        let mut buf = [0u8; 8 * MAX_ROWS_PER_BAND];
        for (k, v) in sig.values[band * r..(band + 1) * r].iter().enumerate() {
            buf[8 * k..8 * k + 8].copy_from_slice(&v.to_le_bytes());
        }
        xxh3_64_with_seed(&buf[..8 * r], self.config.seed ^ band as u64)
    }

    /// The keys of all bands of `sig`, in band order; nothing for an empty signature.
    pub fn band_keys<'a>(&'a self, sig: &'a Signature) -> impl Iterator<Item = u64> + 'a {
        let bands = if sig.values.len() == self.config.num_hashes() {
            self.config.bands
        } else {
            0
        };
        (0..bands).map(move |j| self.band_key(sig, j))
    }

    /// Probability that two documents with Jaccard similarity `j` share at least one band:
    /// `1 − (1 − j^rows)^bands`.
    pub fn candidate_probability(&self, j: f64) -> f64 {
        1.0 - (1.0 - j.powi(self.config.rows_per_band as i32)).powi(self.config.bands as i32)
    }

    /// Signs many texts in parallel with rayon; the output is in input order, so it does not
    /// depend on the number of threads.
    pub fn sign_all<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Signature> {
        use rayon::prelude::*;
        texts
            .par_iter()
            .map_init(Scratch::new, |scratch, t| {
                let mut sig = Signature::default();
                self.sign_into(t.as_ref(), scratch, &mut sig);
                sig
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_documents_have_empty_signatures() {
        let h = MinHashConfig::fineweb().build().expect("valid");
        assert!(h.sign("one two three four").is_empty());
        assert_eq!(h.sign("one two three four five").values().len(), 112);
        assert_eq!(h.band_keys(&Signature::default()).count(), 0);
    }

    #[test]
    fn invalid_configs_are_rejected() {
        for cfg in [
            MinHashConfig {
                ngram: 0,
                ..Default::default()
            },
            MinHashConfig {
                bands: 0,
                ..Default::default()
            },
            MinHashConfig {
                rows_per_band: 33,
                ..Default::default()
            },
            MinHashConfig {
                verify: Some(VerifyConfig {
                    threshold: 1.5,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ] {
            assert!(cfg.build().is_err());
        }
        let r: std::result::Result<MinHashConfig, _> = toml::from_str("bandz = 3");
        assert!(r.is_err());
    }

    #[test]
    fn presets_and_overrides() {
        let fw: MinHashConfig = toml::from_str("preset = \"fineweb\"").expect("valid");
        assert_eq!(fw, MinHashConfig::fineweb());
        assert_eq!((fw.ngram, fw.bands, fw.rows_per_band), (5, 14, 8));
        assert!(fw.verify.is_none());
        let d: MinHashConfig = toml::from_str("").expect("valid");
        assert_eq!(d, MinHashConfig::default());
        assert!(d.verify.is_some());
        let o: MinHashConfig =
            toml::from_str("preset = \"fineweb\"\nbands = 20\nverify = true").expect("valid");
        assert_eq!((o.ngram, o.bands), (5, 20));
        assert_eq!(o.verify, Some(VerifyConfig::default()));
        let off: MinHashConfig = toml::from_str("verify = false").expect("valid");
        assert!(off.verify.is_none());
        let t: MinHashConfig =
            toml::from_str("[verify]\nthreshold = 0.6\nsketch_size = 64").expect("valid");
        assert_eq!(t.verify.as_ref().map(|v| v.sketch_size), Some(64));
        // Serialization round-trips (apply_overrides and the configuration hash rely on it).
        for c in [fw, d, o, off, t] {
            let text = toml::to_string(&c).expect("serializes");
            let back: MinHashConfig = toml::from_str(&text).expect("parses");
            assert_eq!(back, c, "{text}");
        }
        assert!(toml::from_str::<MinHashConfig>("preset = \"datatrove\"").is_err());
        assert!(toml::from_str::<MinHashConfig>("[verify]\nthreshold_ = 0.6").is_err());
    }

    #[test]
    fn sketches_hold_the_smallest_distinct_shingle_hashes() {
        let h = MinHashConfig::default().build().expect("valid");
        let (mut scratch, mut sig, mut sk) = (Scratch::new(), Signature::default(), Vec::new());
        let text = "a b a b a b c d";
        h.sign_with_sketch(text, &mut scratch, &mut sig, &mut sk);
        // distinct 2-grams: "a b", "b a", "b c", "c d"
        assert_eq!(sk.len(), 4);
        assert!(sk.windows(2).all(|w| w[0] < w[1]));
        let mut plain = Signature::default();
        h.sign_into(text, &mut scratch, &mut plain);
        assert_eq!(plain, sig);
        // Letters only: the default normalization maps digits to 0.
        let long: String = (0..1000u32)
            .map(|i| {
                let w: String = [i % 26, i / 26 % 26, i / 676]
                    .iter()
                    .map(|&c| char::from(b'a' + c as u8))
                    .collect();
                format!("{w} ")
            })
            .collect();
        h.sign_with_sketch(&long, &mut scratch, &mut sig, &mut sk);
        assert_eq!(sk.len(), 128);
        let fw = MinHashConfig::fineweb().build().expect("valid");
        fw.sign_with_sketch(&long, &mut scratch, &mut sig, &mut sk);
        assert!(sk.is_empty());
    }

    #[test]
    fn seed_changes_signatures() {
        let t = "a b c d e f g h i j k l m n o p";
        let a = MinHashConfig::default().build().expect("valid").sign(t);
        let b = MinHashConfig {
            seed: 2,
            ..Default::default()
        }
        .build()
        .expect("valid")
        .sign(t);
        assert_ne!(a, b);
    }
}
