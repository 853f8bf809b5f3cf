//! A small buffered reader that knows its stream position, can look ahead by any number of bytes
//! and finds lines with a length cap. Both the compressed layer (a gzip member's start offset) and
//! the decompressed layer (line and record offsets) use it.

use crate::{Error, SourceConfig};
use garbell_core::PathError;
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

/// An input file opened by a source: what every source starts with.
pub(crate) struct OpenedInput {
    /// The file, at offset 0.
    pub(crate) file: File,
    /// Its first bytes (up to 8; fewer for a shorter file), for format and compression sniffing.
    pub(crate) magic: Vec<u8>,
    /// The path as written in origins and errors.
    pub(crate) input: Arc<str>,
    /// The file name, for default ids (`<file name>/<record index>`).
    pub(crate) file_name: String,
}

/// An input opened as a stream of bytes, decompressed when its first bytes say so.
pub(crate) struct OpenedStream {
    /// The (decompressed) content.
    pub(crate) reader: Box<dyn Read + Send>,
    /// Whether `reader` decompresses (its errors are then `decompress_error`).
    pub(crate) compressed: bool,
    /// The file's first bytes (before decompression).
    pub(crate) magic: Vec<u8>,
    /// The path as written in origins and errors.
    pub(crate) input: Arc<str>,
    /// The file name, for default ids.
    pub(crate) file_name: String,
}

impl OpenedStream {
    /// The record error kind of a failed read: `decompress_error` or `read_error`.
    pub(crate) fn read_error_kind(&self) -> &'static str {
        if self.compressed {
            "decompress_error"
        } else {
            "read_error"
        }
    }
}

/// [`open_input`], then [`decompressor`]: the content of a plain, gzip, zstd or bzip2 file.
pub(crate) fn open_stream(path: &Path, config: &SourceConfig) -> Result<OpenedStream, Error> {
    let opened = open_input(path, config)?;
    let (reader, compressed): (Box<dyn Read + Send>, bool) =
        match decompressor(opened.file, &opened.magic).map_err(io_error(path))? {
            Ok(decompressed) => (decompressed, true),
            Err(file) => (Box::new(file), false),
        };
    Ok(OpenedStream {
        reader,
        compressed,
        magic: opened.magic,
        input: opened.input,
        file_name: opened.file_name,
    })
}

/// Compression of an input, detected from its first bytes, for a reader that handles the
/// compressed layer itself (WARC reads gzip member by member).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// No known magic bytes.
    None,
    /// `1f 8b`.
    Gzip,
    /// `28 b5 2f fd`.
    Zstd,
}

impl Compression {
    /// The compression a file's first bytes (see [`OpenedInput::magic`]) announce.
    pub(crate) fn of(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// A streaming decompressor for a file by its first bytes: gzip (`1f 8b`, every member), zstd
/// (`28 b5 2f fd`) or bzip2 (`BZh1`..`BZh9`, single or multistream); `None` when the magic is
/// none of them (the caller reads the file as it is).
pub(crate) fn decompressor(
    file: File,
    magic: &[u8],
) -> io::Result<Result<Box<dyn Read + Send>, File>> {
    let buffered = |file| io::BufReader::with_capacity(CHUNK, file);
    Ok(Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered(file)))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::new(file)?)
    } else if crate::bz2par::starts_stream(magic) {
        Box::new(bzip2::bufread::MultiBzDecoder::new(buffered(file)))
    } else {
        return Ok(Err(file));
    }))
}

/// The job-level error for an I/O failure on `path`.
pub(crate) fn io_error(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| PathError::new(path, e).into()
}

/// Checks `config`, opens `path` and reads its first bytes (the file is rewound).
pub(crate) fn open_input(path: &Path, config: &SourceConfig) -> Result<OpenedInput, Error> {
    config.validate()?;
    let io_err = io_error(path);
    let mut file = File::open(path).map_err(&io_err)?;
    let mut magic = vec![0u8; 8];
    let mut n = 0;
    while n < magic.len() {
        match file.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        }
    }
    magic.truncate(n);
    file.seek(SeekFrom::Start(0)).map_err(&io_err)?;
    let input: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.to_string());
    Ok(OpenedInput {
        file,
        magic,
        input,
        file_name,
    })
}

/// Default read size.
pub(crate) const CHUNK: usize = 64 << 10;

/// Where the next line ends, for [`ByteReader::line_end`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// A full line of this many bytes (including the `\n`) is buffered.
    Found(usize),
    /// The stream ends after this many bytes without a `\n` (`> 0`).
    Last(usize),
    /// The line is longer than the cap: nothing was consumed.
    TooLong,
    /// The stream is at its end.
    Eof,
}

/// Buffered reader with position, look-ahead and capped line search.
pub(crate) struct ByteReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Stream offset of `buf[start]`.
    pos: u64,
    eof: bool,
}

impl<R: Read> ByteReader<R> {
    /// A reader at stream offset `pos`.
    pub(crate) fn new(inner: R, pos: u64) -> Self {
        Self::with_buffer(inner, pos, Vec::new())
    }

    /// A reader reusing `buf`'s allocation.
    pub(crate) fn with_buffer(inner: R, pos: u64, mut buf: Vec<u8>) -> Self {
        if buf.len() < CHUNK {
            buf.resize(CHUNK, 0);
        }
        ByteReader {
            inner,
            buf,
            start: 0,
            end: 0,
            pos,
            eof: false,
        }
    }

    /// Gives back the inner reader and the buffer allocation (buffered bytes are lost).
    pub(crate) fn into_parts(self) -> (R, Vec<u8>) {
        (self.inner, self.buf)
    }

    /// Stream offset of the next unconsumed byte.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// The bytes buffered and not consumed yet.
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks `n` buffered bytes as read.
    pub(crate) fn consume_bytes(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.pos += n as u64;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads more bytes into the buffer (compacting or growing it as needed). Returns the number
    /// of bytes added; 0 means the end of the stream.
    pub(crate) fn fill_more(&mut self) -> io::Result<usize> {
        if self.eof {
            return Ok(0);
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                let grow = self.buf.len().max(CHUNK);
                self.buf.resize(self.buf.len() + grow, 0);
            }
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Makes at least `n` bytes available if the stream has them; returns how many are buffered.
    pub(crate) fn ensure(&mut self, n: usize) -> io::Result<usize> {
        while self.end - self.start < n {
            if self.fill_more()? == 0 {
                break;
            }
        }
        Ok(self.end - self.start)
    }

    /// Finds the end of the next line, reading at most about `max` bytes of it into memory.
    pub(crate) fn line_end(&mut self, max: usize) -> io::Result<LineEnd> {
        let mut searched = 0;
        loop {
            let avail = &self.buf[self.start..self.end];
            if let Some(i) = memchr::memchr(b'\n', &avail[searched..]) {
                let len = searched + i + 1;
                return Ok(if len > max.saturating_add(1) {
                    LineEnd::TooLong
                } else {
                    LineEnd::Found(len)
                });
            }
            searched = avail.len();
            if searched > max {
                return Ok(LineEnd::TooLong);
            }
            if self.fill_more()? == 0 {
                return Ok(if searched == 0 {
                    LineEnd::Eof
                } else {
                    LineEnd::Last(searched)
                });
            }
        }
    }

    /// Discards bytes up to and including the next `\n` (or to the end), chunk by chunk. Returns
    /// the number of bytes discarded.
    pub(crate) fn skip_line(&mut self) -> io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let avail = self.buffered();
            if let Some(i) = memchr::memchr(b'\n', avail) {
                self.consume_bytes(i + 1);
                return Ok(skipped + i as u64 + 1);
            }
            let n = avail.len();
            skipped += n as u64;
            self.consume_bytes(n);
            if self.fill_more()? == 0 {
                return Ok(skipped);
            }
        }
    }

    /// Appends up to `n` bytes to `out`; returns how many were appended (fewer at the end).
    pub(crate) fn read_into(&mut self, n: u64, out: &mut Vec<u8>) -> io::Result<u64> {
        let mut left = n;
        while left > 0 {
            if self.start == self.end && self.fill_more()? == 0 {
                break;
            }
            let take = (self.end - self.start).min(usize::try_from(left).unwrap_or(usize::MAX));
            out.extend_from_slice(&self.buf[self.start..self.start + take]);
            self.consume_bytes(take);
            left -= take as u64;
        }
        Ok(n - left)
    }

    /// Discards up to `n` bytes; returns how many were discarded (fewer at the end).
    pub(crate) fn skip(&mut self, n: u64) -> io::Result<u64> {
        let mut left = n;
        while left > 0 {
            if self.start == self.end && self.fill_more()? == 0 {
                break;
            }
            let take = (self.end - self.start).min(usize::try_from(left).unwrap_or(usize::MAX));
            self.consume_bytes(take);
            left -= take as u64;
        }
        Ok(n - left)
    }
}

impl<R: Seek> ByteReader<R> {
    /// Moves to absolute offset `pos` of the underlying stream (which must start at offset 0).
    pub(crate) fn seek_to(&mut self, pos: u64) -> io::Result<()> {
        self.inner.seek(SeekFrom::Start(pos))?;
        self.start = 0;
        self.end = 0;
        self.pos = pos;
        self.eof = false;
        Ok(())
    }
}

impl<R: Read> Read for ByteReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume_bytes(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for ByteReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.fill_more()?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.consume_bytes(n);
    }
}

/// Decodes `bytes` as UTF-8, replacing each invalid sequence with U+FFFD; returns the text and
/// the number of replaced sequences.
pub(crate) fn utf8_lossy_counted(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, usize) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), 0),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 16);
            let mut bad = 0;
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    out.push(char::REPLACEMENT_CHARACTER);
                    bad += 1;
                }
            }
            (std::borrow::Cow::Owned(out), bad)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    #[test]
    fn lines_with_cap_and_position() {
        let data = b"ab\n\ncdefgh\nlast".to_vec();
        let mut r = ByteReader::new(&data[..], 0);
        assert_eq!(r.line_end(10).unwrap(), LineEnd::Found(3));
        r.consume_bytes(3);
        assert_eq!(r.line_end(10).unwrap(), LineEnd::Found(1));
        r.consume_bytes(1);
        assert_eq!(r.pos(), 4);
        assert_eq!(r.line_end(3).unwrap(), LineEnd::TooLong);
        assert_eq!(r.skip_line().unwrap(), 7);
        assert_eq!(r.line_end(10).unwrap(), LineEnd::Last(4));
        r.consume_bytes(4);
        assert_eq!(r.line_end(10).unwrap(), LineEnd::Eof);
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let mut data = vec![b'x'; 3 * CHUNK];
        data.push(b'\n');
        let mut r = ByteReader::new(&data[..], 0);
        assert_eq!(
            r.line_end(4 * CHUNK).unwrap(),
            LineEnd::Found(3 * CHUNK + 1)
        );
        let mut r = ByteReader::new(&data[..], 0);
        assert_eq!(r.line_end(CHUNK).unwrap(), LineEnd::TooLong);
        assert_eq!(r.skip_line().unwrap(), 3 * CHUNK as u64 + 1);
    }

    #[test]
    fn lossy_decoding_counts_replacements() {
        let (s, n) = utf8_lossy_counted(b"a\xffb\xc3(c\xe2\x82");
        assert_eq!(s, "a\u{fffd}b\u{fffd}(c\u{fffd}");
        assert_eq!(n, 3);
        assert_eq!(utf8_lossy_counted("ç".as_bytes()).1, 0);
    }
}
