//! Parallel decompression of a multistream bzip2 file (Wikimedia's `pages-articles-multistream`
//! dumps: a concatenation of independent bzip2 streams of 100 pages each), yielding exactly the
//! bytes a sequential multistream decoder yields.
//!
//! A splitter thread reads the compressed file in order and cuts it at stream headers: the
//! 4-byte `BZh1`..`BZh9` followed by the 48-bit block magic `0x314159265359` (a stream
//! starts on a byte boundary; block magics inside a stream are not byte-aligned but can appear
//! there by chance). Helper threads decompress the pieces; the reader hands their output out in
//! order. A piece is accepted only when it decodes as exactly one complete stream using all of
//! its bytes — so every accepted cut is a real stream boundary. At the first piece that does
//! not (a false header found inside a stream, damage, garbage between streams, a stream longer
//! than [`MAX_PIECE`] compressed bytes: a single-stream `.bz2`), parallel reading stops and the
//! rest of the file, from that piece's start (a real stream boundary), is read by the
//! sequential decoder, which reports any damage exactly as it would have. The
//! `-index.txt.bz2` file of a dump is not needed: its offsets are the stream headers this scan
//! finds and checks.
//!
//! Memory: at most `2 × helpers + 2` pieces (compressed, and their output) in flight.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

/// A stream of more compressed bytes than this ends parallel reading (the rest is sequential).
pub(crate) const MAX_PIECE: usize = 64 << 20;
/// A stream decompressing to more bytes than this ends parallel reading.
const MAX_OUTPUT: usize = 1 << 30;
/// The block magic that follows a stream's 4-byte header.
const BLOCK_MAGIC: &[u8] = &[0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
/// Read size of the splitter.
const READ: usize = 1 << 20;

/// What the reader receives, by sequence number.
enum Out {
    /// Piece `seq`, starting at compressed offset `start`: its output, or `None` when it is not
    /// exactly one complete stream.
    Piece { start: u64, data: Option<Vec<u8>> },
    /// No more pieces: the end of the file, or (`Some(offset)`) the rest from that offset is
    /// to be read sequentially.
    End(Option<u64>),
    /// Reading the file failed at this offset.
    Failed(io::Error),
}

/// A piece to decompress.
struct Piece {
    seq: u64,
    start: u64,
    data: Vec<u8>,
}

enum Mode {
    Parallel {
        results: Receiver<(u64, Out)>,
        tokens: SyncSender<()>,
    },
    Sequential(Box<dyn Read + Send>),
    Done,
}

/// The decompressed content of a (multistream) bzip2 file, decompressed ahead in parallel.
pub(crate) struct ParallelBz2 {
    file: File,
    mode: Mode,
    next: u64,
    waiting: BTreeMap<u64, Out>,
    current: Vec<u8>,
    pos: usize,
    /// Pieces decompressed by the helpers and handed out (the rest was read sequentially).
    pieces: u64,
}

impl ParallelBz2 {
    /// Starts reading `file` (at offset 0, starting with a bzip2 header) with `helpers`
    /// decompressing threads.
    pub(crate) fn new(file: File, helpers: usize) -> io::Result<Self> {
        let helpers = helpers.max(1);
        let ahead = 2 * helpers + 2;
        let split_file = file.try_clone()?;
        let (tokens_tx, tokens_rx) = sync_channel::<()>(ahead);
        for _ in 0..ahead {
            // Cannot fail: the channel has room for `ahead` tokens.
            let _ = tokens_tx.try_send(());
        }
        let (pieces_tx, pieces_rx) = channel::<Piece>();
        let pieces_rx = Arc::new(Mutex::new(pieces_rx));
        let (results_tx, results_rx) = channel::<(u64, Out)>();
        for _ in 0..helpers {
            let rx = Arc::clone(&pieces_rx);
            let tx = results_tx.clone();
            std::thread::Builder::new()
                .name("bz2-helper".into())
                .spawn(move || help(&rx, &tx))?;
        }
        std::thread::Builder::new()
            .name("bz2-splitter".into())
            .spawn(move || split(split_file, &tokens_rx, &pieces_tx, &results_tx))?;
        Ok(ParallelBz2 {
            file,
            mode: Mode::Parallel {
                results: results_rx,
                tokens: tokens_tx,
            },
            next: 0,
            waiting: BTreeMap::new(),
            current: Vec::new(),
            pos: 0,
            pieces: 0,
        })
    }

    /// Reads the rest of the file from compressed offset `at` with the sequential decoder (the
    /// threads stop when the channels drop).
    fn sequential_from(&mut self, at: u64) -> io::Result<()> {
        self.mode = Mode::Done;
        let mut file = self.file.try_clone()?;
        file.seek(SeekFrom::Start(at))?;
        let dec = bzip2::bufread::MultiBzDecoder::new(io::BufReader::with_capacity(
            crate::reader::CHUNK,
            file,
        ));
        self.mode = Mode::Sequential(Box::new(dec));
        Ok(())
    }

    /// Makes the next piece current; false at the end.
    fn advance(&mut self) -> io::Result<bool> {
        loop {
            let Mode::Parallel { results, tokens } = &self.mode else {
                return Ok(!matches!(self.mode, Mode::Done));
            };
            let out = match self.waiting.remove(&self.next) {
                Some(out) => out,
                None => match results.recv() {
                    Ok((seq, out)) => {
                        self.waiting.insert(seq, out);
                        continue;
                    }
                    // The threads ended without an end marker (they panicked).
                    Err(_) => return Err(io::Error::other("parallel bzip2 decompression stopped")),
                },
            };
            match out {
                Out::Piece {
                    data: Some(data), ..
                } => {
                    self.next += 1;
                    self.pieces += 1;
                    let _ = tokens.send(());
                    self.current = data;
                    self.pos = 0;
                    return Ok(true);
                }
                Out::Piece { start, data: None } => {
                    self.sequential_from(start)?;
                    return Ok(true);
                }
                Out::End(Some(at)) => {
                    self.sequential_from(at)?;
                    return Ok(true);
                }
                Out::End(None) => {
                    self.mode = Mode::Done;
                    return Ok(false);
                }
                Out::Failed(e) => {
                    self.mode = Mode::Done;
                    return Err(e);
                }
            }
        }
    }
}

impl Read for ParallelBz2 {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pos < self.current.len() {
                let n = (self.current.len() - self.pos).min(out.len());
                out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Mode::Sequential(dec) = &mut self.mode {
                return dec.read(out);
            }
            if !self.advance()? {
                return Ok(0);
            }
        }
    }
}

/// Where the first stream header at or after `from` (at least 1: `buf[0]` is the current
/// stream's) starts in `buf`.
fn find_header(buf: &[u8], from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(BLOCK_MAGIC);
    let mut at = from.max(1) + 4;
    while at < buf.len() {
        let i = at + finder.find(&buf[at..])?;
        if starts_stream(&buf[i - 4..]) {
            return Some(i - 4);
        }
        at = i + 1;
    }
    None
}

/// The splitter: cuts the file into pieces at stream headers and hands them to the helpers,
/// one token per piece (tokens come back as the reader consumes pieces).
fn split(
    mut file: File,
    tokens: &Receiver<()>,
    pieces: &Sender<Piece>,
    results: &Sender<(u64, Out)>,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut base = 0u64; // file offset of buf[0]
    let mut eof = false;
    let mut seq = 0u64;
    let fail = |seq, e| {
        let _ = results.send((seq, Out::Failed(e)));
    };
    while !eof && buf.len() < 10 {
        match fill(&mut file, &mut buf) {
            Ok(0) => eof = true,
            Ok(_) => {}
            Err(e) => return fail(seq, e),
        }
    }
    if !starts_stream(&buf) {
        // Not a bzip2 stream at the start: the sequential decoder reports it.
        let _ = results.send((seq, Out::End(Some(0))));
        return;
    }
    // No header starts in buf[1..searched].
    let mut searched = 1usize;
    loop {
        let cut = match find_header(&buf, searched.saturating_sub(10)) {
            Some(i) => i,
            None if eof => buf.len(),
            None => {
                if buf.len() > MAX_PIECE {
                    let _ = results.send((seq, Out::End(Some(base))));
                    return;
                }
                searched = buf.len();
                match fill(&mut file, &mut buf) {
                    Ok(0) => eof = true,
                    Ok(_) => {}
                    Err(e) => return fail(seq, e),
                }
                continue;
            }
        };
        if cut == 0 {
            let _ = results.send((seq, Out::End(None)));
            return;
        }
        if tokens.recv().is_err() {
            return; // The reader is gone.
        }
        let rest = buf.split_off(cut);
        let piece = Piece {
            seq,
            start: base,
            data: std::mem::replace(&mut buf, rest),
        };
        base += cut as u64;
        seq += 1;
        searched = 1;
        if pieces.send(piece).is_err() {
            return;
        }
    }
}

/// True when `buf` starts with a bzip2 stream header (`BZh1`..`BZh9`).
pub(crate) fn starts_stream(buf: &[u8]) -> bool {
    buf.len() >= 4 && buf.starts_with(b"BZh") && (b'1'..=b'9').contains(&buf[3])
}

/// Appends up to [`READ`] bytes of `file` to `buf`; the number read.
fn fill(file: &mut File, buf: &mut Vec<u8>) -> io::Result<usize> {
    let len = buf.len();
    buf.resize(len + READ, 0);
    loop {
        match file.read(&mut buf[len..]) {
            Ok(n) => {
                buf.truncate(len + n);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
}

/// A helper: decompresses pieces until there are none.
fn help(pieces: &Mutex<Receiver<Piece>>, results: &Sender<(u64, Out)>) {
    loop {
        let piece = {
            let rx = pieces.lock().unwrap_or_else(|p| p.into_inner());
            match rx.recv() {
                Ok(p) => p,
                Err(_) => return,
            }
        };
        let data = decompress_one(&piece.data);
        let out = Out::Piece {
            start: piece.start,
            data,
        };
        if results.send((piece.seq, out)).is_err() {
            return;
        }
    }
}

/// The output of `data` when it is exactly one complete bzip2 stream.
fn decompress_one(data: &[u8]) -> Option<Vec<u8>> {
    let mut d = bzip2::Decompress::new(false);
    let mut out = Vec::with_capacity(data.len().saturating_mul(5).min(MAX_OUTPUT));
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(1 << 16));
        }
        let used = usize::try_from(d.total_in()).ok()?;
        let before = (d.total_in(), d.total_out());
        match d.decompress_vec(data.get(used..)?, &mut out) {
            Ok(bzip2::Status::StreamEnd) => {
                return (usize::try_from(d.total_in()).ok()? == data.len()).then_some(out);
            }
            Ok(_) => {
                if (d.total_in(), d.total_out()) == before && out.len() < out.capacity() {
                    return None; // No progress: the piece ends inside the stream.
                }
                if out.len() > MAX_OUTPUT {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;
    use std::io::Write;

    fn bz(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Everything read before the end or the first error, and whether there was an error.
    fn drain(r: &mut dyn Read) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, false),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(_) => return (out, true),
            }
        }
    }

    /// What the parallel reader reads, and how many pieces the helpers decompressed.
    fn read_counted(bytes: &[u8], helpers: usize) -> ((Vec<u8>, bool), u64) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bz2");
        std::fs::write(&p, bytes).unwrap();
        let mut r = ParallelBz2::new(File::open(&p).unwrap(), helpers).unwrap();
        let read = drain(&mut r);
        (read, r.pieces)
    }

    fn read_all(bytes: &[u8], helpers: usize) -> (Vec<u8>, bool) {
        read_counted(bytes, helpers).0
    }

    fn sequential(bytes: &[u8]) -> (Vec<u8>, bool) {
        drain(&mut bzip2::read::MultiBzDecoder::new(bytes))
    }

    #[test]
    fn multistream_gives_the_sequential_bytes() {
        let mut file = Vec::new();
        let mut want = Vec::new();
        for i in 0..200 {
            let s = format!("<page>{i} {}</page>\n", "text ".repeat(i * 7 % 300));
            file.extend_from_slice(&bz(s.as_bytes()));
            want.extend_from_slice(s.as_bytes());
        }
        for helpers in [1, 2, 4] {
            // Every stream decompressed by the helpers, none by the sequential fallback.
            assert_eq!(read_counted(&file, helpers), ((want.clone(), false), 200));
        }
    }

    #[test]
    fn a_header_planted_inside_a_stream_falls_back_to_sequential() {
        // Stored bytes that contain a stream header followed by the block magic: compressed,
        // random-looking data; the header is planted in a stream of its own content.
        let mut file = bz(b"first stream\n");
        let mut planted = Vec::new();
        for i in 0..2000u32 {
            planted.extend_from_slice(&i.to_le_bytes());
        }
        let mut second = bz(&planted);
        // Plant a fake header in the middle of the second stream's compressed bytes.
        let mid = second.len() / 2;
        second.splice(mid..mid, b"BZh91AY&SY".iter().copied());
        file.extend_from_slice(&second);
        file.extend_from_slice(&bz(b"third\n"));
        // The sequential decoder fails on the damaged stream; the parallel reader must fail the
        // same way after the same bytes.
        let seq = sequential(&file);
        assert!(seq.1 && seq.0.starts_with(b"first stream\n"));
        // The first stream in parallel, then the sequential decoder from the second's start.
        assert_eq!(read_counted(&file, 2), (seq, 1));
    }

    #[test]
    fn damage_and_garbage_match_the_sequential_decoder() {
        let mut good = Vec::new();
        for i in 0..20 {
            good.extend_from_slice(&bz(format!("stream {i}\n").as_bytes()));
        }
        // Trailing garbage, a cut file, a flipped byte.
        let mut garbage = good.clone();
        garbage.extend_from_slice(b"not bzip2 at all");
        let cut = good[..good.len() - 7].to_vec();
        let mut flipped = good.clone();
        let at = flipped.len() / 2;
        flipped[at] ^= 0x40;
        for case in [garbage, cut, flipped, b"BZh9".to_vec(), Vec::new()] {
            assert_eq!(read_all(&case, 3), sequential(&case));
        }
    }
}
