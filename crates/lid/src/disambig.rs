//! Second-stage language identification inside groups of confusable languages.
//!
//! lid.176 confuses close languages (Nynorsk/Bokmål/Danish, Galician/Portuguese/Spanish,
//! Occitan/Catalan, Croatian/Serbian/Bosnian, Slovak/Czech). When its top label falls in such a
//! group, [`Disambiguator::refine`] decides within the group with a log-linear score per
//! candidate language `L`:
//!
//! `score(L) = ln(p_lid(L) + 0.01) + Σ weights of the evidence for L in the text`
//!
//! where the evidence is words (dictionary forms one member has and the others lack, and
//! hand-written function words), word endings and letters, all read from the data files in
//! `languages/lid/disambig/` (embedded at build time). See `docs/lid.md`.

use crate::ngram::{NgramProfiles, RerankParams};
use crate::script::{dominant_script, Script};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a (64-bit) for the word tables: short keys, no untrusted-key concerns (the keys are our
/// own data; lookups only read), several times faster than the default SipHash here.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordMap = HashMap<Box<str>, Vec<(u8, f32)>, BuildHasherDefault<Fnv>>;

/// The group evidence's buffers, reused per thread (no allocation per text once grown).
#[derive(Default)]
struct Scratch {
    /// The text's lowercased words, each followed by a space.
    buf: String,
    /// (start, end) of each word in `buf`.
    spans: Vec<(usize, usize)>,
    /// (word, infix pattern) pairs found.
    infix_hits: Vec<(usize, usize)>,
}

/// Buffers grown past this (bytes of text) are released after use.
const SCRATCH_MAX_BYTES: usize = 1 << 20;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The embedded group definitions and hand-written markers.
pub static MARKERS_TSV: &str = include_str!("../../../languages/lid/disambig/markers.tsv");
/// The embedded generated word lists (`make_disambig.py`), one per group.
pub static WORDS_TSV: &[&str] = &[
    include_str!("../../../languages/lid/disambig/words-no.tsv"),
    include_str!("../../../languages/lid/disambig/words-ibero.tsv"),
    include_str!("../../../languages/lid/disambig/words-cssk.tsv"),
];

/// Floor added to lid.176's probability before the logarithm: a member absent from the top-k
/// needs ≈ 4.6 more evidence than the top label to win.
const EPS: f32 = 0.01;
/// A label in a group's `extra` list opens the group when a member has at least this
/// probability in the top-k.
const EXTRA_MIN_PROB: f32 = 0.10;
/// Weight of lid.176's log-probability against the evidence inside a group.
const LID_WEIGHT: f32 = 1.0;
/// The score reported for an answer decided by a `force` line (at least this, lid.176's own
/// probability of the language when higher): above the default `lid.threshold` of 0.65.
const FORCED_SCORE: f32 = 0.8;

/// Under [`ShPolicy::Standard`], Latin Serbo-Croatian text without any marker of a standard is
/// still `hr` or `sr` when that member holds at least this share of lid.176's mass on the
/// group's members (`hr`, `sr`, `bs`, `sh`): lid.176's own split counts as identification when
/// it is decisive. Chosen on the dev half of `benches/lid_eval` (docs/lid.md): lower shares
/// answered more Croatian segments but lost as many Serbian ones to wrong splits.
const SH_DECISIVE_SHARE: f32 = 0.9;

/// Errors in the disambiguation data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A line of a data file could not be read.
    #[error("disambiguation data, line {line}: {message}")]
    Line {
        /// 1-based line number in its file.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What happens to Serbo-Croatian (`hr`, `sr`, Bosnian, `sh`): see `docs/lid.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShPolicy {
    /// `hr` and `sr` when the standard is identifiable, `sh` for the rest: Bosnian (and
    /// Montenegrin, which reads as Bosnian here) and standard-neutral Latin text, i.e. text in
    /// which no marker of any standard occurs. Cyrillic Serbo-Croatian is `sr`. The default
    /// (Salamandra's Serbo-Croatian bucket is `sh`).
    #[default]
    Standard,
    /// Decide between `hr`, `sr` and Bosnian by evidence; `sh` is never answered (lid.176's
    /// `sh` answers are decided too), Bosnian is reported as its `output` line says (`other`).
    Split,
    /// Like `Split`, but `sh` stays a candidate with lid.176's probability and no evidence of
    /// its own: it is kept when lid.176 says `sh` and the text has no Croatian/Serbian markers.
    Keep,
    /// All of the group reported as `sh` (one Serbo-Croatian bucket; the script tells Cyrillic
    /// from Latin).
    Group,
}

/// The result of [`Disambiguator::refine`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refined<'a> {
    /// The language code (or `other`).
    pub lang: &'a str,
    /// The probability lid.176 gave the group's candidates together, times the winner's share
    /// of the second-stage score (a softmax); lid.176's own probability outside groups.
    pub score: f32,
    /// The dominant script of the text.
    pub script: Script,
    /// The group that decided, if any.
    pub group: Option<&'a str>,
}

#[derive(Debug, Default)]
struct Group {
    name: String,
    members: Vec<String>,
    output: Vec<String>,
    scripts: Vec<Vec<Script>>,
    extra: Vec<String>,
    /// After an n-gram rerank, split the members' mass as lid.176 did (`split NAME lid`).
    lid_split: bool,
    /// word -> (member, weight)
    words: WordMap,
    suffixes: Vec<(String, usize, u8, f32)>,
    /// `after` lines: (previous word, ending, minimum length in characters, member, weight): a
    /// word right after the previous word that ends with the ending (Nynorsk a-infinitives
    /// after `å` and the modal verbs).
    afters: Vec<(String, String, usize, u8, f32)>,
    infixes: Vec<(String, u8, f32)>,
    /// All of `infixes` in one automaton (built after loading): one pass per word.
    infix_ac: Option<aho_corasick::AhoCorasick>,
    chars: Vec<(char, u8, f32)>,
    /// model label -> member, for labels no language profile claims (`label` lines)
    labels: Vec<(String, u8)>,
}

/// A `force` line: the language, the letters only it writes (lowercase), and the minimum share
/// of words.
#[derive(Debug)]
struct Force {
    lang: String,
    letters: Vec<char>,
    share: f32,
}

/// The second stage: groups, their word lists and markers. `Send + Sync`; build once.
#[derive(Debug)]
pub struct Disambiguator {
    groups: Vec<Group>,
    forces: Vec<Force>,
    /// Bit `i`: the character of letter-table slot `i` (`letters::slot`) lowercases to a
    /// `force` letter. Built after loading; characters outside the table take the slow test.
    force_slots: Vec<u64>,
    sh_policy: ShPolicy,
    /// Character n-gram profiles that rerank uncertain lid.176 answers before the groups.
    ngrams: Option<(NgramProfiles, RerankParams)>,
}

impl Disambiguator {
    /// The disambiguator built from the embedded data (`languages/lid/disambig/`), with the
    /// embedded n-gram profiles (`languages/lid/ngrams/`) and default [`RerankParams`].
    pub fn embedded() -> Result<Disambiguator, DataError> {
        let profiles = NgramProfiles::embedded().map_err(|e| DataError::Line {
            line: 0,
            message: e.to_string(),
        })?;
        Ok(Disambiguator::from_data(MARKERS_TSV, WORDS_TSV)?
            .with_ngrams(profiles, RerankParams::default()))
    }

    /// The same data with n-gram profiles reranking uncertain lid.176 answers (see
    /// [`NgramProfiles::rerank`]) before the groups decide.
    pub fn with_ngrams(mut self, profiles: NgramProfiles, params: RerankParams) -> Disambiguator {
        self.ngrams = Some((profiles, params));
        self
    }

    /// The same data without n-gram profiles.
    pub fn without_ngrams(mut self) -> Disambiguator {
        self.ngrams = None;
        self
    }

    /// Builds from a markers file (groups, outputs, scripts, hand-written markers) and any number
    /// of word lists (`lang<TAB>word<TAB>weight`, the group given by the `# ... group 'NAME'`
    /// header line).
    pub fn from_data(markers: &str, words: &[&str]) -> Result<Disambiguator, DataError> {
        let mut d = Disambiguator {
            groups: Vec::new(),
            forces: Vec::new(),
            force_slots: Vec::new(),
            sh_policy: ShPolicy::default(),
            ngrams: None,
        };
        for (i, line) in markers.lines().enumerate() {
            d.markers_line(line).map_err(|message| DataError::Line {
                line: i + 1,
                message,
            })?;
        }
        for file in words {
            let mut group = None;
            for (i, line) in file.lines().enumerate() {
                let err = |message: String| DataError::Line {
                    line: i + 1,
                    message,
                };
                if let Some(rest) = line.strip_prefix("#") {
                    if group.is_none() {
                        if let Some(name) = rest.split('\'').nth(1) {
                            group = Some(d.group_index(name).map_err(err)?);
                        }
                    }
                    continue;
                }
                if line.trim().is_empty() {
                    continue;
                }
                let g = group.ok_or_else(|| err("word line before the group header".into()))?;
                let f: Vec<&str> = line.split('\t').collect();
                let [lang, word, weight] = f[..] else {
                    return Err(err(format!("expected 3 fields: {line:?}")));
                };
                let w = weight
                    .parse::<f32>()
                    .map_err(|e| err(format!("weight {weight:?}: {e}")))?;
                d.add_word(g, lang, word, w).map_err(err)?;
            }
        }
        for g in &mut d.groups {
            if !g.infixes.is_empty() {
                let ac = aho_corasick::AhoCorasick::new(g.infixes.iter().map(|(s, _, _)| s))
                    .map_err(|e| DataError::Line {
                        line: 0,
                        message: format!("group {:?}: infixes: {e}", g.name),
                    })?;
                g.infix_ac = Some(ac);
            }
        }
        if !d.forces.is_empty() {
            d.force_slots = vec![0u64; crate::letters::SLOTS.div_ceil(64)];
            for i in 0..crate::letters::SLOTS {
                if crate::letters::char_of_slot(i).is_some_and(|c| d.is_force_letter(c)) {
                    d.force_slots[i / 64] |= 1 << (i % 64);
                }
            }
        }
        Ok(d)
    }

    /// The same data with another [`ShPolicy`].
    pub fn with_sh_policy(mut self, policy: ShPolicy) -> Disambiguator {
        self.sh_policy = policy;
        self
    }

    /// The group member a model label means when no language profile claims it (`label` lines
    /// of the data: lid.176's `__label__bs` is Bosnian, a member of `sc`). Callers that map
    /// labels to codes use this code for such labels before [`Disambiguator::refine`].
    pub fn member_of_label(&self, label: &str) -> Option<&str> {
        self.groups.iter().find_map(|g| {
            g.labels
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, m)| g.members[*m as usize].as_str())
        })
    }

    /// Whether `a` and `b` are members (or outputs) of one confusable group: the group
    /// evidence decides between them, a vote of the document's pieces does not.
    pub fn same_group(&self, a: &str, b: &str) -> bool {
        self.groups.iter().any(|g| {
            let has = |x: &str| g.members.iter().chain(&g.output).any(|m| m == x);
            has(a) && has(b)
        }) || (a == "sh" && self.same_group("hr", b))
            || (b == "sh" && self.same_group(a, "hr"))
    }

    /// The group names, in data order.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|g| g.name.as_str())
    }

    fn group_index(&self, name: &str) -> Result<usize, String> {
        self.groups
            .iter()
            .position(|g| g.name == name)
            .ok_or_else(|| format!("unknown group {name:?}"))
    }

    fn member(&self, g: usize, lang: &str) -> Result<u8, String> {
        self.groups[g]
            .members
            .iter()
            .position(|m| m == lang)
            .map(|i| i as u8)
            .ok_or_else(|| {
                format!(
                    "{lang:?} is not a member of group {:?}",
                    self.groups[g].name
                )
            })
    }

    fn add_word(&mut self, g: usize, lang: &str, word: &str, w: f32) -> Result<(), String> {
        let m = self.member(g, lang)?;
        let entry = self.groups[g].words.entry(word.into()).or_default();
        match entry.iter_mut().find(|(mm, _)| *mm == m) {
            Some(e) => e.1 = e.1.max(w),
            None => entry.push((m, w)),
        }
        Ok(())
    }

    fn markers_line(&mut self, line: &str) -> Result<(), String> {
        if line.starts_with('#') || line.trim().is_empty() {
            return Ok(());
        }
        let f: Vec<&str> = line.split('\t').collect();
        let (kind, name) = match f[..] {
            [kind, name, _, ..] => (kind, name),
            _ => return Err(format!("too few fields: {line:?}")),
        };
        if kind == "force" {
            let subs: Vec<String> = f[2]
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(str::to_lowercase)
                .collect();
            let share = f
                .get(3)
                .ok_or("missing share")?
                .parse::<f32>()
                .map_err(|e| format!("share: {e}"))?;
            let mut letters = Vec::new();
            for x in &subs {
                let mut cs = x.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) if !c.is_ascii() && c.is_alphabetic() => letters.push(c),
                    _ => return Err(format!("force letters are single non-ASCII letters: {x:?}")),
                }
            }
            if letters.is_empty() || !(0.0..=1.0).contains(&share) {
                return Err(format!("bad force line: {line:?}"));
            }
            self.forces.push(Force {
                lang: name.to_string(),
                letters,
                share,
            });
            return Ok(());
        }
        if kind == "group" {
            if self.group_index(name).is_ok() {
                return Err(format!("group {name:?} defined twice"));
            }
            let members: Vec<String> = f[2..].iter().map(|s| s.to_string()).collect();
            if members.len() > 250 {
                return Err("too many members".into());
            }
            self.groups.push(Group {
                name: name.to_string(),
                output: members.clone(),
                scripts: vec![Vec::new(); members.len()],
                members,
                ..Group::default()
            });
            return Ok(());
        }
        let g = self.group_index(name)?;
        let weight = |s: Option<&&str>| -> Result<f32, String> {
            let s = s.ok_or("missing weight")?;
            s.parse::<f32>().map_err(|e| format!("weight {s:?}: {e}"))
        };
        match kind {
            "extra" => self.groups[g]
                .extra
                .extend(f[2..].iter().map(|s| s.to_string())),
            "split" => match f[2] {
                "lid" => self.groups[g].lid_split = true,
                "ngrams" => self.groups[g].lid_split = false,
                other => return Err(format!("split is lid or ngrams, not {other:?}")),
            },
            "output" => {
                let m = self.member(g, f[2])?;
                let code = f.get(3).ok_or("missing output code")?;
                self.groups[g].output[m as usize] = code.to_string();
            }
            "script" => {
                let m = self.member(g, f[2])?;
                let scripts = f[3..]
                    .iter()
                    .map(|s| Script::from_code(s).ok_or(format!("unknown script {s:?}")))
                    .collect::<Result<Vec<_>, _>>()?;
                self.groups[g].scripts[m as usize] = scripts;
            }
            "word" => {
                let word = f.get(3).ok_or("missing word")?;
                let w = weight(f.get(4))?;
                self.add_word(g, f[2], word, w)?;
            }
            "suffix" => {
                let m = self.member(g, f[2])?;
                let suf = f.get(3).ok_or("missing suffix")?;
                let w = weight(f.get(4))?;
                let min = suf.chars().count() + 2;
                self.groups[g].suffixes.push((suf.to_string(), min, m, w));
            }
            "after" => {
                let m = self.member(g, f[2])?;
                let prev = f.get(3).ok_or("missing previous word")?;
                let suf = f.get(4).ok_or("missing ending")?;
                let w = weight(f.get(5))?;
                let min = suf.chars().count() + 3;
                self.groups[g]
                    .afters
                    .push((prev.to_string(), suf.to_string(), min, m, w));
            }
            "infix" => {
                let m = self.member(g, f[2])?;
                let sub = f.get(3).ok_or("missing infix")?;
                let w = weight(f.get(4))?;
                self.groups[g].infixes.push((sub.to_string(), m, w));
            }
            "label" => {
                let m = self.member(g, f[2])?;
                for l in &f[3..] {
                    self.groups[g].labels.push((l.to_string(), m));
                }
            }
            "char" => {
                let m = self.member(g, f[2])?;
                let mut cs = f.get(3).ok_or("missing char")?.chars();
                let (Some(c), None) = (cs.next(), cs.next()) else {
                    return Err(format!("not one character: {line:?}"));
                };
                if c.is_ascii() {
                    return Err(format!("letter markers are non-ASCII: {line:?}"));
                }
                let w = weight(f.get(4))?;
                self.groups[g].chars.push((c, m, w));
            }
            _ => return Err(format!("unknown line kind {kind:?}")),
        }
        Ok(())
    }

    /// Refines lid.176's answer. `predictions` are lid.176's top-k labels already mapped to
    /// language codes, best first, with their probabilities (k = 5 is what the measurements
    /// use). Outside the groups the top prediction is returned unchanged (`other` with score 0
    /// for an empty list).
    ///
    /// ```
    /// let d = garbell_lid::Disambiguator::embedded().unwrap();
    /// let r = d.refine("Eg veit ikkje kva du meiner med det.", &[("no", 0.6), ("nn", 0.3)]);
    /// assert_eq!(r.lang, "nn");
    /// ```
    pub fn refine<'a>(&'a self, text: &str, predictions: &[(&'a str, f32)]) -> Refined<'a> {
        // One pass for the script and for a `force` letter (every one is non-ASCII): the word
        // count of `forced` runs only when one occurs.
        let mut force_letter = false;
        let script = if self.forces.is_empty() {
            dominant_script(text)
        } else {
            crate::script::dominant_script_with(text, |c| {
                force_letter = force_letter
                    || match crate::letters::slot(u32::from(c)) {
                        Some(i) => self.force_slots[i / 64] >> (i % 64) & 1 != 0,
                        None => self.is_force_letter(c),
                    };
            })
        };
        let original = predictions;
        let reranked = self
            .ngrams
            .as_ref()
            .and_then(|(ng, params)| ng.rerank(text, predictions, *params));
        let predictions: &[(&'a str, f32)] = reranked.as_deref().unwrap_or(predictions);
        let Some(&(top, top_p)) = predictions.first() else {
            return Refined {
                lang: "other",
                score: 0.0,
                script,
                group: None,
            };
        };
        let prob = |lang: &str| -> f32 {
            predictions
                .iter()
                .filter(|(l, _)| *l == lang)
                .map(|(_, p)| *p)
                .sum()
        };
        if let Some(f) = force_letter.then(|| self.forced(text)).flatten() {
            return Refined {
                lang: &f.lang,
                score: prob(&f.lang).clamp(FORCED_SCORE, 1.0),
                script,
                group: None,
            };
        }
        let unchanged = Refined {
            lang: top,
            score: top_p.min(1.0),
            script,
            group: None,
        };
        let Some(g) = self.groups.iter().find(|g| {
            g.members.iter().any(|m| m == top)
                || (g.extra.iter().any(|e| e == top)
                    && g.members.iter().any(|m| prob(m) >= EXTRA_MIN_PROB))
        }) else {
            return unchanged;
        };
        let n = g.members.len();
        let top_is_member = g.members.iter().any(|m| m == top);
        // A `split NAME lid` group: the n-gram profiles chose the group, but inside it lid.176's
        // own split of the members' mass stands (profiles that cannot tell the members apart).
        let split: Option<Vec<f32>> = match (&reranked, g.lid_split) {
            (Some(_), true) => {
                let mass: f32 = g.members.iter().map(|m| prob(m)).sum();
                let own: Vec<f32> = g
                    .members
                    .iter()
                    .map(|m| {
                        original
                            .iter()
                            .filter(|(l, _)| l == m)
                            .map(|(_, p)| *p)
                            .sum::<f32>()
                    })
                    .collect();
                let total: f32 = own.iter().sum();
                Some(if total > 0.0 {
                    own.iter().map(|p| mass * p / total).collect()
                } else {
                    vec![mass / n as f32; n]
                })
            }
            _ => None,
        };
        let member_prob = |i: usize| match &split {
            Some(s) => s[i],
            None => prob(&g.members[i]),
        };
        // Candidate scores: members, then the top label when it is an `extra`.
        let mut score: Vec<f32> = (0..n)
            .map(|i| LID_WEIGHT * (member_prob(i) + EPS).ln())
            .collect();
        let mut allowed: Vec<bool> = (0..n)
            .map(|i| g.scripts[i].is_empty() || g.scripts[i].contains(&script))
            .collect();
        if g.name == "sc" && self.sh_policy != ShPolicy::Keep {
            // (`sh` is reported by the policy below, never as lid.176's own candidate.)
            if let Some(i) = g.members.iter().position(|m| m == "sh") {
                allowed[i] = false;
            }
        }
        if !top_is_member {
            score.push(LID_WEIGHT * (top_p + EPS).ln());
            allowed.push(true);
        }
        let is_sc = g.name == "sc";
        // Inside `sc` under `Standard`: was any marker of any standard found?
        let base: Option<Vec<f32>> =
            (is_sc && self.sh_policy == ShPolicy::Standard).then(|| score.clone());
        self.evidence(g, text, &mut score);
        let mut best: Option<usize> = None;
        for (i, s) in score.iter().enumerate() {
            if allowed[i] && best.is_none_or(|b| *s > score[b]) {
                best = Some(i);
            }
        }
        let Some(best) = best else {
            return unchanged;
        };
        // No marker of any standard: `sh`, unless lid.176's own split of the group is decisive
        // (the winner, hr or sr, holds at least `SH_DECISIVE_SHARE` of the members' mass).
        let neutral = base.as_ref().is_some_and(|b| {
            script != Script::Cyrillic && b.iter().zip(&score).take(n).all(|(x, y)| x == y)
        }) && !(best < n && {
            let mass: f32 = (0..n).map(member_prob).sum();
            mass > 0.0 && member_prob(best) >= SH_DECISIVE_SHARE * mass
        });
        // The code each candidate is reported as.
        let report = |i: usize| -> &'a str {
            if i >= n {
                return top;
            }
            let m = g.members[i].as_str();
            match (self.sh_policy, is_sc, m) {
                (ShPolicy::Group, true, _) => "sh",
                (ShPolicy::Standard, true, "bs" | "sh") => "sh",
                (ShPolicy::Standard, true, "hr" | "sr") if neutral => "sh",
                _ => g.output[i].as_str(),
            }
        };
        let max = score[best];
        let lang = report(best);
        // The winner's share, plus the shares of the candidates reported as the same code (all
        // of them for `sh` under `Group`), of lid.176's mass on the candidates.
        let mut total = 0.0f32;
        let mut same = 0.0f32;
        for (i, (s, a)) in score.iter().zip(&allowed).enumerate() {
            if *a {
                let e = (s - max).exp();
                total += e;
                if i == best || report(i) == lang {
                    same += e;
                }
            }
        }
        let mass: f32 = g.members.iter().map(|m| prob(m)).sum::<f32>()
            + if top_is_member { 0.0 } else { top_p };
        Refined {
            lang,
            score: (mass.min(1.0) * same / total).min(1.0),
            script,
            group: Some(&g.name),
        }
    }

    /// Whether `c` lowercases to a letter of some `force` line.
    fn is_force_letter(&self, c: char) -> bool {
        let lc = crate::letters::lowercase_first(c);
        self.forces.iter().any(|f| f.letters.contains(&lc))
    }

    /// The first `force` line whose strings occur in at least one word and at least its share
    /// of the words of `text`. `refine` calls it only when its script pass met a `force`
    /// letter, so the text is known to hold one.
    fn forced(&self, text: &str) -> Option<&Force> {
        let mut words = 0usize;
        let mut hits = vec![0usize; self.forces.len()];
        let mut hit_in_word = vec![false; self.forces.len()];
        let mut in_word = false;
        let mut end_word = |hit_in_word: &mut [bool], words: &mut usize| {
            *words += 1;
            for (h, w) in hits.iter_mut().zip(hit_in_word.iter_mut()) {
                *h += usize::from(*w);
                *w = false;
            }
        };
        for c in text.chars() {
            if crate::letters::is_letter(c) {
                in_word = true;
                if !c.is_ascii() {
                    let lc = crate::letters::lowercase_first(c);
                    for (f, w) in self.forces.iter().zip(hit_in_word.iter_mut()) {
                        *w |= f.letters.contains(&lc);
                    }
                }
            } else if in_word {
                in_word = false;
                end_word(&mut hit_in_word, &mut words);
            }
        }
        if in_word {
            end_word(&mut hit_in_word, &mut words);
        }
        self.forces
            .iter()
            .zip(&hits)
            .find(|(f, h)| **h >= 1 && **h as f32 >= f.share * words as f32)
            .map(|(f, _)| f)
    }

    /// Adds the weights of the text's words, endings and letters to each member's score.
    ///
    /// One pass over the text adds the letter markers and writes the lowercased words into one
    /// buffer (separated by spaces); the infix automaton then runs once over that buffer, not
    /// once per word; last, each word adds its whole-word, ending and infix weights, word by
    /// word. The sums are made in the order of the earlier per-word version (letters first,
    /// then per word: word, endings, infixes by pattern), so the floats — and the answers —
    /// are the same.
    fn evidence(&self, g: &Group, text: &str, score: &mut [f32]) {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                buf,
                spans,
                infix_hits,
            } = &mut *scratch;
            buf.clear();
            spans.clear();
            infix_hits.clear();
            Self::evidence_into(g, text, score, buf, spans, infix_hits);
            // A huge document does not keep its buffer for the rest of the run.
            if buf.capacity() > SCRATCH_MAX_BYTES {
                *buf = String::new();
                *spans = Vec::new();
            }
        });
    }

    /// [`Self::evidence`] with its buffers (cleared) passed in.
    fn evidence_into(
        g: &Group,
        text: &str,
        score: &mut [f32],
        buf: &mut String,
        spans: &mut Vec<(usize, usize)>,
        infix_hits: &mut Vec<(usize, usize)>,
    ) {
        let mut start = 0usize;
        let mut flush = |buf: &mut String, start: &mut usize| {
            if buf.len() > *start {
                spans.push((*start, buf.len()));
                buf.push(' ');
                *start = buf.len();
            }
        };
        for c in text.chars() {
            if c.is_ascii() {
                // (Every letter marker is non-ASCII.)
                if c.is_ascii_alphabetic() {
                    buf.push(c.to_ascii_lowercase());
                } else {
                    flush(buf, &mut start);
                }
                continue;
            }
            if !g.chars.is_empty() {
                // (A character whose lowercase is several characters starts with an ASCII one,
                // which no marker is: comparing `c` alone decides it.)
                let lc = crate::letters::lowercase_first(c);
                for &(mc, m, w) in &g.chars {
                    if c == mc || lc == mc {
                        score[m as usize] += w;
                    }
                }
            }
            if crate::letters::is_letter(c) {
                crate::letters::lowercase(c, |l| buf.push(l));
            } else if c == '·' && buf.len() > start && buf.ends_with('l') {
                buf.push(c);
            } else {
                flush(buf, &mut start);
            }
        }
        flush(buf, &mut start);
        // (word, infix) pairs, each once however often the infix occurs in the word.
        if let Some(ac) = &g.infix_ac {
            for mat in ac.find_overlapping_iter(buf.as_str()) {
                let w = spans.partition_point(|&(_, e)| e <= mat.start());
                if spans
                    .get(w)
                    .is_some_and(|&(a, e)| a <= mat.start() && mat.end() <= e)
                {
                    infix_hits.push((w, mat.pattern().as_usize()));
                }
            }
            infix_hits.sort_unstable();
            infix_hits.dedup();
        }
        let mut hits = infix_hits.iter().peekable();
        let mut prev = "";
        for (wi, &(a, e)) in spans.iter().enumerate() {
            let word = &buf[a..e];
            if !g.afters.is_empty() {
                for (p, suf, min, m, w) in &g.afters {
                    if p == prev && word.ends_with(suf.as_str()) && word.chars().count() >= *min {
                        score[usize::from(*m)] += w;
                    }
                }
                prev = word;
            }
            if let Some(ws) = g.words.get(word) {
                for &(m, w) in ws {
                    score[usize::from(m)] += w;
                }
            }
            if !g.suffixes.is_empty() {
                let len = word.chars().count();
                let last = word.as_bytes().last().copied();
                for (suf, min, m, w) in &g.suffixes {
                    if len >= *min
                        && suf.as_bytes().last().copied() == last
                        && word.ends_with(suf.as_str())
                    {
                        score[usize::from(*m)] += w;
                    }
                }
            }
            while let Some(&(_, i)) = hits.next_if(|&&(w, _)| w == wi) {
                let (_, m, w) = &g.infixes[i];
                score[usize::from(*m)] += w;
            }
        }
    }
}
