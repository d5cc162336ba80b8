//! Reading one member of a remote zip (a wheel's `*.dist-info/METADATA`)
//! with `Range:` requests: the end of central directory record (and its
//! ZIP64 forms), the central directory, then only that member's local header
//! and data, inflated with flate2 and checked against its CRC-32.
//!
//! It owns the zip structure only; where the bytes come from is a
//! [`RangeSource`] (the HTTP client, or memory in the tests), and what the
//! metadata must say is checked by the caller.

use std::io::Read;

/// The first read from the end of a file: enough for the end of central
/// directory record and, for most wheels, the whole central directory and
/// the `.dist-info` files stored just before it.
pub(super) const TAIL_READ: u64 = 64 * 1024;
/// The largest central directory read (torch's is a few MB).
const MAX_CENTRAL_DIRECTORY: u64 = 64 * 1024 * 1024;
/// The largest METADATA accepted, compressed or not.
pub(super) const MAX_METADATA: u64 = 32 * 1024 * 1024;
/// An end of central directory record: 22 bytes plus a comment of at most 65,535.
const EOCD_LEN: usize = 22;
const MAX_EOCD_SEARCH: u64 = EOCD_LEN as u64 + 65_535;

const SIG_EOCD: u32 = 0x0605_4b50;
const SIG_ZIP64_LOCATOR: u32 = 0x0706_4b50;
const SIG_ZIP64_EOCD: u32 = 0x0606_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_LOCAL: u32 = 0x0403_4b50;

/// Why a member could not be read by ranges.
#[derive(Debug)]
pub(super) enum RangeError {
    /// The server answered a range request with the whole file (200).
    Ignored,
    /// The archive is not a zip this reader understands (a broken or unusual
    /// structure, an unsupported compression): read the whole file instead.
    Malformed(String),
    /// The archive is readable and definitely wrong (no METADATA, or more
    /// than one `.dist-info` with one): reading the whole file cannot help.
    Refused(String),
    /// The transfer failed.
    Index(super::IndexError),
}

/// Bytes `[start, start + len)` of a remote file, and its size.
pub(super) trait RangeSource {
    /// Read bytes `[start, end)` (`end` clamped to the file's size by the
    /// caller), or with `start == None` the last `end` bytes (a suffix range).
    /// Returns the offset of the first byte, the file's size and the bytes.
    ///
    /// # Errors
    /// [`RangeError::Ignored`] when the server sends the whole file.
    fn read(&mut self, start: Option<u64>, end: u64) -> Result<(u64, u64, Vec<u8>), RangeError>;
}

/// The parts of a file read so far.
struct Known<'a, S: RangeSource> {
    source: &'a mut S,
    total: u64,
    pieces: Vec<(u64, Vec<u8>)>,
}

impl<S: RangeSource> Known<'_, S> {
    /// Bytes `[start, end)`, read when no piece read so far holds them all.
    fn get(&mut self, start: u64, end: u64) -> Result<&[u8], RangeError> {
        if end > self.total || start > end {
            return Err(malformed(format!(
                "bytes {start}..{end} lie outside the file ({} bytes)",
                self.total
            )));
        }
        let found = self
            .pieces
            .iter()
            .position(|(s, b)| *s <= start && end <= s + b.len() as u64);
        let i = match found {
            Some(i) => i,
            None => {
                let (s, total, bytes) = self.source.read(Some(start), end)?;
                if total != self.total || s != start || bytes.len() as u64 != end - start {
                    return Err(malformed("the server answered another range".into()));
                }
                self.pieces.push((s, bytes));
                self.pieces.len() - 1
            }
        };
        let (s, b) = &self.pieces[i];
        Ok(&b[(start - s) as usize..(end - s) as usize])
    }
}

fn malformed(reason: String) -> RangeError {
    RangeError::Malformed(reason)
}

fn u16_at(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// One central directory entry, as far as reading it needs.
struct Entry {
    name: Vec<u8>,
    flags: u64,
    method: u64,
    crc32: u32,
    compressed: u64,
    uncompressed: u64,
    local_header: u64,
}

/// Whether a member name is `<something>.dist-info/METADATA` at the top level.
fn is_metadata(name: &[u8]) -> bool {
    let mut parts = name.split(|&b| b == b'/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(d), Some(b"METADATA"), None) if d.ends_with(b".dist-info")
    )
}

/// Read `*.dist-info/METADATA` out of the zip behind `source`, whose size is
/// `size` when the index said so (PEP 700).
///
/// # Errors
/// See [`RangeError`]: a server ignoring ranges, a structure this reader does
/// not follow (read the whole file instead), a wheel without exactly one
/// METADATA, or a failed transfer.
pub(super) fn read_metadata<S: RangeSource>(
    source: &mut S,
    size: Option<u64>,
) -> Result<Vec<u8>, RangeError> {
    // The tail: a suffix range, or an explicit one when the size is known.
    let (tail_start, total, tail) = match size {
        Some(size) if size > 0 => source.read(Some(size.saturating_sub(TAIL_READ)), size)?,
        _ => source.read(None, TAIL_READ)?,
    };
    if size.is_some_and(|s| s != total) || tail_start + tail.len() as u64 != total {
        return Err(malformed(format!(
            "the server's size ({total} bytes) is not the index's ({size:?})"
        )));
    }
    let mut known = Known {
        source,
        total,
        pieces: vec![(tail_start, tail)],
    };

    // The end of central directory record, searched backwards.
    let search_from = total.saturating_sub(MAX_EOCD_SEARCH);
    let eocd = find_eocd(known.get(tail_start, total)?).map(|at| tail_start + at as u64);
    let eocd = match eocd {
        Some(at) => at,
        None if search_from < tail_start => {
            let window = known.get(search_from, total)?;
            find_eocd(window)
                .map(|at| search_from + at as u64)
                .ok_or_else(|| malformed("no end of central directory record".into()))?
        }
        None => return Err(malformed("no end of central directory record".into())),
    };
    let record = known.get(eocd, eocd + EOCD_LEN as u64)?.to_vec();
    let (mut entries, mut cd_size, mut cd_offset) = (
        u16_at(&record, 10),
        u32_at(&record, 12),
        u32_at(&record, 16),
    );
    let mut cd_end_limit = eocd;
    if entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        // ZIP64: a locator just before the record points at the ZIP64 record.
        let locator_at = eocd
            .checked_sub(20)
            .ok_or_else(|| malformed("no ZIP64 locator".into()))?;
        let locator = known.get(locator_at, eocd)?.to_vec();
        if u32_at(&locator, 0) != u64::from(SIG_ZIP64_LOCATOR) {
            return Err(malformed("no ZIP64 locator".into()));
        }
        let record_at = u64_at(&locator, 8);
        if record_at.checked_add(56).is_none_or(|end| end > locator_at) {
            return Err(malformed("the ZIP64 record lies outside the file".into()));
        }
        let record = known.get(record_at, record_at + 56)?.to_vec();
        if u32_at(&record, 0) != u64::from(SIG_ZIP64_EOCD) {
            return Err(malformed("no ZIP64 end of central directory record".into()));
        }
        entries = u64_at(&record, 32);
        cd_size = u64_at(&record, 40);
        cd_offset = u64_at(&record, 48);
        cd_end_limit = record_at;
    }
    if cd_size > MAX_CENTRAL_DIRECTORY {
        return Err(malformed(format!("a central directory of {cd_size} bytes")));
    }
    if cd_offset
        .checked_add(cd_size)
        .is_none_or(|end| end > cd_end_limit)
    {
        return Err(malformed(
            "the central directory lies outside the file".into(),
        ));
    }
    let directory = known.get(cd_offset, cd_offset + cd_size)?.to_vec();
    let found = parse_central_directory(&directory, entries)?;
    let entry = found
        .into_iter()
        .next()
        .ok_or_else(|| RangeError::Refused("the wheel has no .dist-info/METADATA".to_string()))?;
    read_member(&mut known, &entry, cd_offset)
}

/// The offset of the end of central directory record in `window` (the last
/// bytes of the file): the last signature whose comment length reaches
/// exactly the end, else the last signature at all.
fn find_eocd(window: &[u8]) -> Option<usize> {
    if window.len() < EOCD_LEN {
        return None;
    }
    let sig = SIG_EOCD.to_le_bytes();
    let candidates = (0..=window.len() - EOCD_LEN)
        .rev()
        .filter(|&i| window[i..i + 4] == sig);
    let mut fallback = None;
    for i in candidates {
        let comment = u16_at(window, i + 20) as usize;
        if i + EOCD_LEN + comment == window.len() {
            return Some(i);
        }
        fallback.get_or_insert(i);
    }
    fallback
}

/// The METADATA entries of a central directory (at most one, else refused).
fn parse_central_directory(directory: &[u8], entries: u64) -> Result<Vec<Entry>, RangeError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut seen = 0u64;
    while at + 46 <= directory.len() && seen < entries {
        if u32_at(directory, at) != u64::from(SIG_CENTRAL) {
            return Err(malformed("a broken central directory entry".into()));
        }
        let name_len = u16_at(directory, at + 28) as usize;
        let extra_len = u16_at(directory, at + 30) as usize;
        let comment_len = u16_at(directory, at + 32) as usize;
        let end = at + 46 + name_len + extra_len + comment_len;
        if end > directory.len() {
            return Err(malformed(
                "a central directory entry runs past its end".into(),
            ));
        }
        let name = &directory[at + 46..at + 46 + name_len];
        if is_metadata(name) {
            let mut entry = Entry {
                name: name.to_vec(),
                flags: u16_at(directory, at + 8),
                method: u16_at(directory, at + 10),
                crc32: u32_at(directory, at + 16) as u32,
                compressed: u32_at(directory, at + 20),
                uncompressed: u32_at(directory, at + 24),
                local_header: u32_at(directory, at + 42),
            };
            let extra = &directory[at + 46 + name_len..at + 46 + name_len + extra_len];
            apply_zip64_extra(&mut entry, extra)?;
            out.push(entry);
            if out.len() > 1 {
                return Err(RangeError::Refused(
                    "the wheel holds more than one `.dist-info` directory".to_string(),
                ));
            }
        }
        at = end;
        seen += 1;
    }
    if seen != entries {
        return Err(malformed(format!(
            "the central directory lists {seen} of {entries} entries"
        )));
    }
    Ok(out)
}

/// Replace the 32-bit fields that say "see ZIP64" by the values of the
/// ZIP64 extra field (id 1), which holds them in this order when they are.
fn apply_zip64_extra(entry: &mut Entry, mut extra: &[u8]) -> Result<(), RangeError> {
    let wants = [
        entry.uncompressed == 0xFFFF_FFFF,
        entry.compressed == 0xFFFF_FFFF,
        entry.local_header == 0xFFFF_FFFF,
    ];
    if !wants.iter().any(|w| *w) {
        return Ok(());
    }
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), u16_at(extra, 2) as usize);
        let Some(data) = extra.get(4..4 + len) else {
            break;
        };
        if id == 1 {
            let mut at = 0;
            let mut next = || -> Result<u64, RangeError> {
                let v = data
                    .get(at..at + 8)
                    .map(|_| u64_at(data, at))
                    .ok_or_else(|| malformed("a short ZIP64 extra field".into()))?;
                at += 8;
                Ok(v)
            };
            if wants[0] {
                entry.uncompressed = next()?;
            }
            if wants[1] {
                entry.compressed = next()?;
            }
            if wants[2] {
                entry.local_header = next()?;
            }
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    Err(malformed("no ZIP64 extra field".into()))
}

/// Read and inflate one member, given its central directory entry.
fn read_member<S: RangeSource>(
    known: &mut Known<'_, S>,
    entry: &Entry,
    cd_offset: u64,
) -> Result<Vec<u8>, RangeError> {
    if entry.flags & 1 != 0 {
        return Err(malformed("METADATA is encrypted".into()));
    }
    if entry.method != 0 && entry.method != 8 {
        return Err(malformed(format!(
            "METADATA uses compression method {}",
            entry.method
        )));
    }
    if entry.compressed > MAX_METADATA || entry.uncompressed > MAX_METADATA {
        return Err(RangeError::Refused(format!(
            "its METADATA is larger than {} MB",
            MAX_METADATA / 1024 / 1024
        )));
    }
    let name_len = entry.name.len() as u64;
    let header_at = entry.local_header;
    // One read for the header and the data, guessing the local extra field
    // is no longer than 64 bytes (it is usually empty); the data start is
    // read from the header itself.
    let guess_end = (header_at + 30 + name_len + 64 + entry.compressed).min(cd_offset);
    if header_at + 30 + name_len > cd_offset {
        return Err(malformed(
            "METADATA's local header lies outside the file".into(),
        ));
    }
    let header = known.get(header_at, guess_end.max(header_at + 30 + name_len))?;
    if u32_at(header, 0) != u64::from(SIG_LOCAL) {
        return Err(malformed(
            "no local header where the central directory says".into(),
        ));
    }
    if header[30..30 + name_len as usize] != entry.name[..] {
        return Err(malformed("the local header names another file".into()));
    }
    let data_at = header_at + 30 + name_len + u16_at(header, 28);
    let data_end = data_at + entry.compressed;
    if data_end > cd_offset {
        return Err(malformed("METADATA's data lies outside the file".into()));
    }
    let data = known.get(data_at, data_end)?;
    let mut out = Vec::with_capacity(entry.uncompressed as usize);
    let read = if entry.method == 8 {
        flate2::read::DeflateDecoder::new(data)
            .take(entry.uncompressed + 1)
            .read_to_end(&mut out)
    } else {
        out.extend_from_slice(data);
        Ok(out.len())
    };
    read.map_err(|e| malformed(format!("METADATA does not inflate: {e}")))?;
    if out.len() as u64 != entry.uncompressed {
        return Err(malformed(format!(
            "METADATA inflates to {} bytes, not {}",
            out.len(),
            entry.uncompressed
        )));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != entry.crc32 {
        return Err(malformed("METADATA does not match its CRC-32".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A file in memory that counts the bytes it serves.
    struct Memory {
        bytes: Vec<u8>,
        served: u64,
        reads: u32,
    }

    impl RangeSource for Memory {
        fn read(
            &mut self,
            start: Option<u64>,
            end: u64,
        ) -> Result<(u64, u64, Vec<u8>), RangeError> {
            let total = self.bytes.len() as u64;
            let (s, e) = match start {
                Some(s) => (s, end.min(total)),
                None => (total.saturating_sub(end), total),
            };
            self.reads += 1;
            self.served += e - s;
            Ok((s, total, self.bytes[s as usize..e as usize].to_vec()))
        }
    }

    fn wheel(padding: usize, zip64: bool, method: zip::CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(zip64);
        zip.start_file("demo/__init__.py", options).unwrap();
        // Incompressible padding, so the file is as large as asked.
        let mut state = 0x1234_5678u32;
        let noise: Vec<u8> = (0..padding)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        zip.write_all(&noise).unwrap();
        zip.start_file("demo-1.0.dist-info/METADATA", options)
            .unwrap();
        zip.write_all(b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
            .unwrap();
        zip.start_file("demo-1.0.dist-info/RECORD", options)
            .unwrap();
        zip.write_all(b"").unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn read(bytes: Vec<u8>, size: bool) -> (Result<Vec<u8>, RangeError>, Memory) {
        let total = bytes.len() as u64;
        let mut m = Memory {
            bytes,
            served: 0,
            reads: 0,
        };
        let got = read_metadata(&mut m, size.then_some(total));
        (got, m)
    }

    #[test]
    fn small_wheel_is_read_in_one_request() {
        let (got, m) = read(wheel(1000, false, zip::CompressionMethod::Deflated), true);
        assert!(got
            .unwrap()
            .starts_with(b"Metadata-Version: 2.1\nName: demo"));
        assert_eq!(m.reads, 1);
    }

    #[test]
    fn large_wheel_reads_only_its_tail_and_metadata() {
        let bytes = wheel(4_000_000, false, zip::CompressionMethod::Deflated);
        let total = bytes.len() as u64;
        let (got, m) = read(bytes, false);
        assert!(got.unwrap().ends_with(b"Version: 1.0\n"));
        assert!(
            m.served <= TAIL_READ + 1024,
            "served {} of {total}",
            m.served
        );
    }

    #[test]
    fn zip64_entries_and_stored_members_are_read() {
        let (got, _) = read(wheel(200_000, true, zip::CompressionMethod::Stored), true);
        assert!(got.unwrap().ends_with(b"Version: 1.0\n"));
    }

    #[test]
    fn a_central_directory_larger_than_the_tail_is_read_in_a_second_request() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("demo-1.0.dist-info/METADATA", options)
            .unwrap();
        zip.write_all(b"Name: demo\nVersion: 1.0\n").unwrap();
        for i in 0..3000 {
            zip.start_file(
                format!("demo/a/rather/long/path/to/module_{i:05}.py"),
                options,
            )
            .unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let (got, m) = read(bytes, true);
        assert_eq!(got.unwrap(), b"Name: demo\nVersion: 1.0\n");
        assert!(m.reads >= 2);
    }

    #[test]
    fn not_a_zip_is_malformed_and_two_metadata_files_are_refused() {
        let (got, _) = read(b"not a zip at all".repeat(100), true);
        assert!(matches!(got, Err(RangeError::Malformed(_))), "{got:?}");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for d in ["a-1.0.dist-info", "b-1.0.dist-info"] {
            zip.start_file(format!("{d}/METADATA"), options).unwrap();
            zip.write_all(b"Name: a\nVersion: 1.0\n").unwrap();
        }
        let (got, _) = read(zip.finish().unwrap().into_inner(), true);
        assert!(matches!(got, Err(RangeError::Refused(_))), "{got:?}");
    }

    #[test]
    fn a_corrupt_member_is_malformed() {
        let mut bytes = wheel(1000, false, zip::CompressionMethod::Stored);
        let at = bytes
            .windows(12)
            .position(|w| w == b"Name: demo\nV")
            .unwrap();
        bytes[at] = b'X';
        let (got, _) = read(bytes, true);
        assert!(matches!(got, Err(RangeError::Malformed(_))), "{got:?}");
    }
}
