//! Mixed documents: the language of the running text, not of the names, code and quotes in it.
//!
//! A Czech package description that names the "Resource Description Framework", a Welsh string
//! with `removeEventListener()`, a German manual page that quotes English option text: lid.176
//! reads the document as one bag of character n-grams, and English names and identifiers, which
//! its English training text is full of, can outweigh the running text. [`running_text_vote`]
//! decides such a document by its parts instead:
//!
//! 1. the document is cut into pieces: lines, and long lines into sentences;
//! 2. each piece keeps only its *running words* ([`is_running_word`]): words of letters, not
//!    identifiers (`removeEventListener`, `snake_case`, `file.txt`, `--option`, `ALLCAPS`);
//! 3. each piece with at least [`MIN_PIECE_WORDS`] running words is identified alone (from its
//!    running words), and its language gains the piece's running-word count;
//! 4. the language with the most running words is the document's, when it holds more than the
//!    whole-document answer does.
//!
//! The vote is the caller's to trigger (it costs one identification per piece): garbell runs it
//! when lid.176's answer has a competitor in its top-5 (see `docs/lid.md`).

/// A piece needs at least this many running words to vote (shorter ones are too short to
/// identify; they still count in the document's total).
pub const MIN_PIECE_WORDS: usize = 3;
/// Lines with more running words than this are cut into sentences.
const SENTENCE_SPLIT_WORDS: usize = 25;

/// Whether a whitespace-separated token (surrounding punctuation already stripped) is a word of
/// running text: at least two letters, only letters (with `'`, `’` or `-` inside), and no
/// capital after the first letter (identifiers like `removeEventListener`, acronyms like `RDF`).
pub fn is_running_word(word: &str) -> bool {
    let mut letters = 0usize;
    let mut hyphens = 0usize;
    let mut prev_joiner = true; // no joiner first
    for (i, c) in word.chars().enumerate() {
        let (letter, upper) = crate::letters::letter_upper(c);
        if letter {
            if i > 0 && upper {
                return false;
            }
            letters += 1;
            prev_joiner = false;
        } else if matches!(c, '\'' | '’' | '-') && !prev_joiner {
            prev_joiner = true;
            hyphens += usize::from(c == '-');
            if hyphens > 1 {
                return false; // package and option names: foomatic-db-engine
            }
        } else {
            return false;
        }
    }
    letters >= 2 && !prev_joiner
}

/// Punctuation that may surround a word of running text (stripped before [`is_running_word`]).
fn is_wrapping(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '“'
            | '”'
            | '„'
            | '‘'
            | '’'
            | '«'
            | '»'
            | '‹'
            | '›'
            | '('
            | ')'
            | '['
            | ']'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '¡'
            | '¿'
            | '…'
            | '*'
    )
}

/// The running words of `token` (a whitespace-separated token): the token without its
/// surrounding punctuation when that is a running word. A token with code inside (`f()`,
/// `a.b`, `a/b`, `x=1`) is not one.
fn running_word(token: &str) -> Option<&str> {
    if token.starts_with('-') {
        return None; // command-line options
    }
    let w = token.trim_matches(is_wrapping);
    (!w.is_empty() && is_running_word(w)).then_some(w)
}

/// Whether `token` ends a sentence (`.`, `!`, `?`, `…`, possibly inside closing quotes or
/// brackets).
fn ends_sentence(token: &str) -> bool {
    let t = token.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']']);
    t.ends_with(['.', '!', '?', '…'])
        && t.chars().filter(|&c| crate::letters::is_letter(c)).count() > 1
}

/// A piece of a document: its running words joined by single spaces, and their count.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The running words, separated by spaces.
    pub text: String,
    /// How many.
    pub words: usize,
}

/// Symbols of code, command syntax and markup.
fn is_code_symbol(c: char) -> bool {
    matches!(
        c,
        '|' | '{' | '}' | '[' | ']' | '<' | '>' | '=' | '$' | '#' | '/' | '\\' | '&' | '~' | '^'
    )
}

/// Opening quotation marks: the words up to the closing one are a quote.
fn opens_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '„' | '«')
}

/// Closing quotation marks.
fn closes_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '»')
}

/// Walks the tokens of `line` that hold a letter: `f(token, quoted, running word if any)`. Words
/// inside quotation marks are not running words (a quoted name or string is not the text's
/// language).
fn tokens(line: &str, mut f: impl FnMut(&str, bool, Option<&str>)) {
    let mut quoted = false;
    for token in line.split_whitespace() {
        if !token.chars().any(crate::letters::is_letter) {
            // Syntax without letters (`|`, `{`, `=>`, `$`) counts as a token that is not a
            // running word; dashes, numbers and punctuation do not count.
            if token.chars().any(is_code_symbol) {
                f(token, quoted, None);
            }
            continue;
        }
        let opens = token
            .trim_start_matches(['(', '['])
            .chars()
            .next()
            .is_some_and(opens_quote);
        let inside = quoted || opens;
        let closes = token
            .trim_end_matches([',', '.', ';', ':', '!', '?', ')'])
            .chars()
            .next_back()
            .is_some_and(closes_quote)
            && (quoted || token.chars().count() > 1);
        f(
            token,
            inside,
            if inside { None } else { running_word(token) },
        );
        quoted = inside && !closes;
    }
}

/// A line is running text when at least this share of its tokens are running words (lists of
/// commands, option syntax and quoted names are not).
const MIN_LINE_SHARE: f32 = 0.5;

/// The pieces a vote reads, with the document's token and running-word counts; `None` when the
/// document is uncontested and mostly running words (counted first without building the
/// pieces: most documents stop here).
fn vote_pieces(text: &str, contested: bool) -> Option<(Vec<Piece>, usize, usize)> {
    if !contested {
        let (words, tokens) = running_counts(text);
        if words as f32 >= MAX_RUNNING_SHARE * tokens as f32 {
            return None;
        }
    }
    let (pieces, tokens) = pieces(text);
    let words = pieces.iter().map(|p| p.words).sum();
    Some((pieces, tokens, words))
}

/// Cuts `text` into pieces (lines; lines of more than 25 running words into sentences) and keeps
/// each piece's running words; lines where fewer than half the tokens (with a letter) are
/// running words are not running text and give no piece. Also returns the number of tokens
/// with a letter in `text`.
pub fn pieces(text: &str) -> (Vec<Piece>, usize) {
    let mut out = Vec::new();
    let mut all_tokens = 0usize;
    for line in text.split('\n') {
        // (Quoted tokens count for the document, not for the line's share.)
        let (mut toks, mut unquoted, mut running) = (0usize, 0usize, 0usize);
        tokens(line, |_, quoted, w| {
            toks += 1;
            unquoted += usize::from(!quoted);
            running += usize::from(w.is_some());
        });
        all_tokens += toks;
        let toks = unquoted;
        if running == 0 || (running as f32) < MIN_LINE_SHARE * toks as f32 {
            continue;
        }
        let long = running > SENTENCE_SPLIT_WORDS;
        let mut cur = Piece::default();
        tokens(line, |token, _, w| {
            if let Some(w) = w {
                if !cur.text.is_empty() {
                    cur.text.push(' ');
                }
                cur.text.push_str(w);
                cur.words += 1;
            }
            if long && ends_sentence(token) && cur.words > 0 {
                out.push(std::mem::take(&mut cur));
            }
        });
        if cur.words > 0 {
            // Consecutive short lines (a list of UI strings, names) are joined until the piece
            // is long enough to vote.
            match out.last_mut() {
                Some(last) if last.words < MIN_PIECE_WORDS && cur.words < MIN_PIECE_WORDS => {
                    last.text.push(' ');
                    last.text.push_str(&cur.text);
                    last.words += cur.words;
                }
                _ => out.push(cur),
            }
        }
    }
    (out, all_tokens)
}

/// (running words in running-text lines, tokens) of `text`: the counts of [`pieces`] without
/// building them.
fn running_counts(text: &str) -> (usize, usize) {
    let (mut words, mut all_tokens) = (0usize, 0usize);
    for line in text.split('\n') {
        let (mut toks, mut unquoted, mut running) = (0usize, 0usize, 0usize);
        tokens(line, |_, quoted, w| {
            toks += 1;
            unquoted += usize::from(!quoted);
            running += usize::from(w.is_some());
        });
        all_tokens += toks;
        if running > 0 && (running as f32) >= MIN_LINE_SHARE * unquoted as f32 {
            words += running;
        }
    }
    (words, all_tokens)
}

/// Without a rival language in lid.176's answer, the vote runs only when fewer than this share
/// of the document's tokens (with a letter) are running words in running-text lines.
pub const MAX_RUNNING_SHARE: f32 = 0.8;

/// The outcome of [`running_text_vote`].
#[derive(Debug, Clone, PartialEq)]
pub struct Vote<L> {
    /// The language with the most running words.
    pub lang: L,
    /// Its running words' mean identification score, times their share of the document's
    /// running words: a mixed document scores lower than a clean one.
    pub score: f32,
    /// The running words of the document.
    pub words: usize,
    /// The running words of `lang`.
    pub lang_words: usize,
}

/// The language of `text`'s running text, by a vote of its pieces weighted by running words
/// (see the module doc). `identify` answers a piece's language and score; pieces whose score
/// is under `min_score` do not vote. `contested`: lid.176 saw a rival language; otherwise the
/// vote runs only when identifiers, quotes or lists make up more than a fifth of the tokens
/// ([`MAX_RUNNING_SHARE`]). `None` when the vote does not run, fewer than two pieces vote and
/// nothing was dropped, or no piece votes at all.
pub fn running_text_vote<L, F>(
    text: &str,
    min_score: f32,
    contested: bool,
    mut identify: F,
) -> Option<Vote<L>>
where
    L: PartialEq + Clone,
    F: FnMut(&str) -> (L, f32),
{
    let (pieces, tokens, words) = vote_pieces(text, contested)?;
    let voting = pieces.iter().filter(|p| p.words >= MIN_PIECE_WORDS).count();
    if voting == 0 || (voting < 2 && tokens == words) {
        return None;
    }
    // (language, running words, Σ words × score), in first-seen order (ties: the earlier).
    let mut tally: Vec<(L, usize, f32)> = Vec::new();
    for p in pieces.iter().filter(|p| p.words >= MIN_PIECE_WORDS) {
        let (lang, score) = identify(&p.text);
        if score < min_score {
            continue;
        }
        match tally.iter_mut().find(|t| t.0 == lang) {
            Some(t) => {
                t.1 += p.words;
                t.2 += p.words as f32 * score;
            }
            None => tally.push((lang, p.words, p.words as f32 * score)),
        }
    }
    let mut best: Option<&(L, usize, f32)> = None;
    for t in &tally {
        if best.is_none_or(|b| t.1 > b.1) {
            best = Some(t);
        }
    }
    let (lang, n, sum) = best?.clone();
    Some(Vote {
        lang,
        score: (sum / words.max(1) as f32).min(1.0),
        words,
        lang_words: n,
    })
}

/// [`running_text_vote`] for a caller that only uses a vote won by a language `qualifies`
/// accepts with a strict majority of the running words (`2 × lang_words > words`): the same
/// answer in that case, `None` otherwise — found with fewer identifications.
///
/// A strict majority is the vote's unique winner, so the outcome does not depend on the order
/// the pieces are identified in: the largest pieces go first, and the identification stops as
/// soon as no qualifying language can reach a majority with the words still unread (when the
/// voting pieces hold half of the running words or less, nothing is identified). The winner's
/// score is then summed over its pieces in document order, as [`running_text_vote`] sums it, so
/// it is the same float.
pub fn running_text_majority<L, Q, F>(
    text: &str,
    min_score: f32,
    contested: bool,
    qualifies: Q,
    mut identify: F,
) -> Option<Vote<L>>
where
    L: PartialEq + Clone,
    Q: Fn(&L) -> bool,
    F: FnMut(&str) -> (L, f32),
{
    let (pieces, tokens, words) = vote_pieces(text, contested)?;
    let mut order: Vec<usize> = (0..pieces.len())
        .filter(|&i| pieces[i].words >= MIN_PIECE_WORDS)
        .collect();
    let voting = order.len();
    if voting == 0 || (voting < 2 && tokens == words) {
        return None;
    }
    let mut remaining: usize = order.iter().map(|&i| pieces[i].words).sum();
    if 2 * remaining <= words {
        return None;
    }
    // Largest first (stable: ties in document order).
    order.sort_by(|&a, &b| pieces[b].words.cmp(&pieces[a].words));
    // Per piece: its language and score once identified (`None`: not identified or under
    // `min_score`).
    let mut answers: Vec<Option<(L, f32)>> = vec![None; pieces.len()];
    // (qualifying language, running words so far)
    let mut tally: Vec<(L, usize)> = Vec::new();
    for &i in &order {
        let p = &pieces[i];
        remaining -= p.words;
        let (lang, score) = identify(&p.text);
        if score >= min_score {
            if qualifies(&lang) {
                match tally.iter_mut().find(|t| t.0 == lang) {
                    Some(t) => t.1 += p.words,
                    None => tally.push((lang.clone(), p.words)),
                }
            }
            answers[i] = Some((lang, score));
        }
        let lead = tally.iter().map(|t| t.1).max().unwrap_or(0);
        if 2 * (lead + remaining) <= words {
            return None;
        }
    }
    let (lang, n) = tally.into_iter().find(|t| 2 * t.1 > words)?;
    let mut sum = 0.0f32;
    for (p, a) in pieces.iter().zip(&answers) {
        if let Some((l, s)) = a {
            if *l == lang {
                sum += p.words as f32 * s;
            }
        }
    }
    Some(Vote {
        lang,
        score: (sum / words.max(1) as f32).min(1.0),
        words,
        lang_words: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_not_running_words() {
        for w in [
            "removeEventListener",
            "RDF",
            "snake_case",
            "file.txt",
            "a",
            "x1",
            "--all",
        ] {
            assert!(running_word(w).is_none(), "{w}");
        }
        for (t, w) in [
            ("Framework", "Framework"),
            ("«Legg", "Legg"),
            ("l'aplicació,", "l'aplicació"),
            ("e-mail.", "e-mail"),
        ] {
            assert_eq!(running_word(t), Some(w), "{t}");
        }
        assert!(running_word("f()").is_none());
        assert!(running_word("org.gnome.Shell").is_none());
    }

    #[test]
    fn long_lines_are_cut_into_sentences() {
        let long = "Jedna dva tři čtyři pět šest sedm osm devět deset. ".repeat(3);
        let (p, tokens) = pieces(&format!("{long}\nKrátký řádek tady\nx = f(y)"));
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!((p[0].words, tokens), (10, 36)); // `=` counts as a token
        assert_eq!(p[3].text, "Krátký řádek tady");
        assert!(pieces("x = f(y)\n--all").0.is_empty());
    }

    #[test]
    fn running_counts_agree_with_the_pieces() {
        for t in [
            "„Microsoft Office“ klaviatūra\nModi („KaGaPa“ fonetinis)\nŽemutinių sorbų",
            "aptitude - rozhraní k systému\naptitude [<volby>...] {clean | forget-new}",
            &"Jedna dva tři čtyři pět šest sedm osm devět deset. ".repeat(4),
        ] {
            let (p, tokens) = pieces(t);
            let words = p.iter().map(|p| p.words).sum();
            assert_eq!(running_counts(t), (words, tokens), "{t}");
        }
    }

    #[test]
    fn quotes_and_command_lists_are_not_running_text() {
        let (p, tokens) = pieces("„Microsoft Natural Pro“ klaviatūra su „Internet Pro“ mygtukais");
        assert_eq!((p[0].text.as_str(), tokens), ("klaviatūra su mygtukais", 8));
        let (p, _) = pieces("aptitude [<volby>...] {autoclean | clean | forget-new | keep-all}");
        assert!(p.is_empty(), "{p:?}");
        assert!(running_word("foomatic-db-engine").is_none());
        // Short lines are joined until they can vote.
        let (p, _) =
            pieces("„Microsoft Office“ klaviatūra\nModi („KaGaPa“ fonetinis)\nŽemutinių sorbų");
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].text, "klaviatūra Modi fonetinis");
    }

    #[test]
    fn the_language_with_most_running_words_wins() {
        // A toy identifier: a piece is "en" when it has the word "the", else "cs".
        let id = |t: &str| {
            if t.split(' ').any(|w| w == "the") {
                ("en", 0.9)
            } else {
                ("cs", 0.8)
            }
        };
        let text = "Balíček poskytuje knihovnu pro práci s daty\nsee the manual page\n\
                    Program umí číst i zapisovat soubory ve formátu";
        let v = running_text_vote(text, 0.3, true, id).expect("a vote");
        // ("s" and "i" are one letter: not running words.)
        assert_eq!((v.lang, v.words, v.lang_words), ("cs", 17, 13));
        assert!((v.score - 0.8 * 13.0 / 17.0).abs() < 1e-6);
        // Clean running text and no rival: no vote.
        assert!(running_text_vote(text, 0.3, false, id).is_none());
        // One piece and no identifier: nothing to vote about.
        assert!(running_text_vote("Balíček poskytuje knihovnu", 0.3, true, id).is_none());
        // One piece, but an identifier was dropped (and no rival needed): the running words
        // decide.
        let v = running_text_vote(
            "Zavolejte removeEventListener() znovu prosím",
            0.3,
            false,
            id,
        );
        assert_eq!(v.map(|v| v.lang), Some("cs"));
        // Pieces under the minimum score do not vote.
        assert!(running_text_vote(text, 0.95, true, id).is_none());
    }

    #[test]
    fn the_majority_vote_agrees_with_the_full_vote() {
        // A toy identifier by the piece's first letter, with scores that vary by piece.
        let id = |t: &str| -> (char, f32) {
            let c = t.chars().next().unwrap_or('x');
            (c, 0.2 + (t.len() % 7) as f32 / 10.0)
        };
        let words = ["alfa", "anna", "bravo", "bella", "cedro", "casa"];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut agreed = (0, 0);
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..1 + next(6) {
                let lead = words[next(words.len())];
                for w in 0..1 + next(9) {
                    text.push_str(if w == 0 {
                        lead
                    } else {
                        words[next(words.len())]
                    });
                    text.push(' ');
                }
                if next(3) == 0 {
                    text.push_str("fooBar() ");
                }
                text.push('\n');
            }
            for contested in [false, true] {
                for doc in ['a', 'b'] {
                    let qualifies = |l: &char| *l != doc && *l != 'c';
                    let full = running_text_vote(&text, 0.3, contested, id)
                        .filter(|v| qualifies(&v.lang) && 2 * v.lang_words > v.words);
                    let fast = running_text_majority(&text, 0.3, contested, qualifies, id);
                    assert_eq!(full, fast, "{text:?}");
                    agreed.0 += 1;
                    agreed.1 += usize::from(full.is_some());
                }
            }
        }
        // Both outcomes were exercised.
        assert!(agreed.1 > 50 && agreed.1 < agreed.0 - 50, "{agreed:?}");
    }
}
