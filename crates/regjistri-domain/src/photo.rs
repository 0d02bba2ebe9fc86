//! Photos of a registered person (DOMAIN.md §3, description: "photos, dated; a new one at each
//! periodic check"). A photo is an immutable, dated image of one file: it is never edited; a
//! wrong one is voided with a reason and stays, marked, like a record.
//!
//! Only JPEG and PNG are taken, recognised by their content (magic bytes and a walk of their
//! structure), never by a file name. The window downscales a picture before sending it
//! (at most 800 pixels on the long side), so a photo is small: [`MAX_PHOTO_BYTES`] bounds it,
//! which also keeps one photo well inside a synchronisation push.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::records::Void;

/// The largest photo taken, in bytes (after the window's downscale).
pub const MAX_PHOTO_BYTES: usize = 512 * 1024;
/// The longest side of a photo, in pixels (the window sends at most 800).
pub const MAX_PHOTO_SIDE: u32 = 4096;

/// What kind of image a photo is, by its content. Serialised as its MIME type, which is what
/// a `data:` URL needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    pub fn parse(s: &str) -> Option<MediaType> {
        [MediaType::Jpeg, MediaType::Png]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A photo as the registry keeps it, without its bytes (those are fetched on their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Photo {
    /// UUIDv7, made where the photo was taken.
    pub id: Uuid,
    pub file_id: Uuid,
    /// The day the photo was taken (a check-in's date).
    pub taken_on: NaiveDate,
    /// The user name of the officer who took and recorded it.
    pub taken_by: String,
    pub media_type: MediaType,
    pub byte_len: u32,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    pub recorded_at: DateTime<Utc>,
    pub void: Option<Void>,
}

/// What the content of an image says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoFacts {
    pub media_type: MediaType,
    pub width: u32,
    pub height: u32,
}

/// Why bytes are not taken as a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    /// No bytes at all.
    Empty,
    /// More than [`MAX_PHOTO_BYTES`], or a side longer than [`MAX_PHOTO_SIDE`].
    TooLarge,
    /// Not a JPEG or PNG, or one that is cut short or damaged.
    Format,
}

impl PhotoProblem {
    /// The stable field code (`crate::message::field_message`).
    pub fn code(self) -> &'static str {
        match self {
            PhotoProblem::Empty => "required",
            PhotoProblem::TooLarge => "photo_too_large",
            PhotoProblem::Format => "photo_format",
        }
    }
}

/// Checks that `bytes` are a whole JPEG or PNG within the limits, and reads its size.
pub fn inspect(bytes: &[u8]) -> Result<PhotoFacts, PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    let facts = if bytes.starts_with(PNG_SIGNATURE) {
        png(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes)?
    } else {
        return Err(PhotoProblem::Format);
    };
    if facts.width == 0 || facts.height == 0 {
        return Err(PhotoProblem::Format);
    }
    if facts.width > MAX_PHOTO_SIDE || facts.height > MAX_PHOTO_SIDE {
        return Err(PhotoProblem::TooLarge);
    }
    Ok(facts)
}

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320).
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// Walks a PNG's chunks: IHDR first, every chunk whole with a matching CRC, image data,
/// and IEND last.
fn png(bytes: &[u8]) -> Result<PhotoFacts, PhotoProblem> {
    let mut pos = PNG_SIGNATURE.len();
    let mut size = None;
    let mut data = false;
    loop {
        let header = bytes.get(pos..pos + 8).ok_or(PhotoProblem::Format)?;
        let len = usize::try_from(be32(header)).map_err(|_| PhotoProblem::Format)?;
        let kind = &header[4..8];
        let end = (pos + 8).checked_add(len).ok_or(PhotoProblem::Format)?;
        let body = bytes.get(pos + 8..end).ok_or(PhotoProblem::Format)?;
        let crc = bytes.get(end..end + 4).ok_or(PhotoProblem::Format)?;
        if crc32(&bytes[pos + 4..end]) != be32(crc) {
            return Err(PhotoProblem::Format);
        }
        match (kind, size) {
            (b"IHDR", None) if len == 13 => size = Some((be32(body), be32(&body[4..8]))),
            (_, None) => return Err(PhotoProblem::Format),
            (b"IHDR", Some(_)) => return Err(PhotoProblem::Format),
            (b"IDAT", Some(_)) => data = true,
            (b"IEND", Some((width, height))) => {
                if !data || end + 4 != bytes.len() {
                    return Err(PhotoProblem::Format);
                }
                return Ok(PhotoFacts {
                    media_type: MediaType::Png,
                    width,
                    height,
                });
            }
            _ => {}
        }
        pos = end + 4;
    }
}

/// Walks a JPEG's marker segments up to the scan: a frame header (SOFn) with the size, every
/// segment whole, and the end-of-image marker closing the file.
fn jpeg(bytes: &[u8]) -> Result<PhotoFacts, PhotoProblem> {
    let mut pos = 2;
    let mut size = None;
    loop {
        if bytes.get(pos) != Some(&0xFF) {
            return Err(PhotoProblem::Format);
        }
        // Fill bytes before a marker.
        while bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos + 1).ok_or(PhotoProblem::Format)?;
        pos += 2;
        match marker {
            // Markers without a segment.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 | 0xD9 => return Err(PhotoProblem::Format),
            _ => {}
        }
        let len = bytes.get(pos..pos + 2).ok_or(PhotoProblem::Format)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len < 2 {
            return Err(PhotoProblem::Format);
        }
        let segment = bytes.get(pos + 2..pos + len).ok_or(PhotoProblem::Format)?;
        match marker {
            // Start of frame (every coding but the DHT, JPG and DAC markers in that range).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if segment.len() < 6 || size.is_some() {
                    return Err(PhotoProblem::Format);
                }
                let height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                size = Some((width, height));
            }
            // Start of scan: compressed data follows, up to the end-of-image marker.
            0xDA => {
                let (width, height) = size.ok_or(PhotoProblem::Format)?;
                let rest = &bytes[pos + len..];
                if rest.len() < 2 || !rest.ends_with(&[0xFF, 0xD9]) {
                    return Err(PhotoProblem::Format);
                }
                return Ok(PhotoFacts {
                    media_type: MediaType::Jpeg,
                    width,
                    height,
                });
            }
            _ => {}
        }
        pos += len;
    }
}

/// Lower-case hex of bytes (for SHA-256 digests computed by the store).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG chunk with its length and CRC.
    fn chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(body);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        out
    }

    /// A structurally whole PNG of `width` × `height` (the image data is not decoded here).
    pub(crate) fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = PNG_SIGNATURE.to_vec();
        out.extend(chunk(b"IHDR", &ihdr));
        out.extend(chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        out.extend(chunk(b"IEND", &[]));
        out
    }

    /// A structurally whole baseline JPEG of `width` × `height`.
    pub(crate) fn jpeg_of(width: u16, height: u16) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        // APP0 (JFIF)
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        // SOF0: precision, height, width, one component.
        out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        out.extend_from_slice(&height.to_be_bytes());
        out.extend_from_slice(&width.to_be_bytes());
        out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        // SOS, then some entropy-coded data with a stuffed byte, then EOI.
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        out.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56]);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    proptest::proptest! {
        /// Any bytes at all: an answer, never a panic or an out-of-bounds read.
        #[test]
        fn inspecting_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = inspect(&bytes);
        }

        /// A whole image of any size within the limits reads back its size; cut anywhere, or
        /// with one byte changed in its headers, it is never taken as a different image.
        #[test]
        fn images_read_back_their_size_and_damage_is_refused(
            width in 1u16..=4096,
            height in 1u16..=4096,
            png in proptest::prelude::any::<bool>(),
            cut in 0usize..64,
            flip in 0usize..64,
        ) {
            let bytes = if png { png_of(u32::from(width), u32::from(height)) } else { jpeg_of(width, height) };
            let facts = inspect(&bytes).unwrap();
            proptest::prop_assert_eq!((facts.width, facts.height), (u32::from(width), u32::from(height)));
            let cut = cut % bytes.len();
            proptest::prop_assert!(inspect(&bytes[..cut]).is_err());
            let mut flipped = bytes.clone();
            let at = flip % flipped.len();
            flipped[at] ^= 0x5A;
            if let Ok(f) = inspect(&flipped) {
                // Only a change that leaves a valid image of some size gets through (a JPEG's
                // size bytes carry no checksum); a PNG's chunks all do.
                proptest::prop_assert!(!png, "a damaged PNG was taken: byte {at}");
                proptest::prop_assert_eq!(f.media_type, MediaType::Jpeg);
            }
        }
    }

    #[test]
    fn crc_matches_the_png_reference_value() {
        // The CRC of an empty IEND chunk, as every PNG ends.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    type Expected = Result<(MediaType, u32, u32), PhotoProblem>;

    #[test]
    fn formats_are_told_by_content_and_structure() {
        let png = png_of(640, 800);
        let jpeg = jpeg_of(800, 600);
        let mut bad_crc = png.clone();
        let n = bad_crc.len();
        bad_crc[n - 1] ^= 1;
        let mut trailing = png.clone();
        trailing.push(0);
        let mut no_eoi = jpeg.clone();
        no_eoi.truncate(jpeg.len() - 2);
        let huge = png_of(MAX_PHOTO_SIDE + 1, 10);
        let huge_jpeg = jpeg_of(5000, 10);
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        let bmp = b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00".to_vec();
        let mut too_big = jpeg.clone();
        too_big.resize(MAX_PHOTO_BYTES + 1, 0);
        let zero_height = jpeg_of(10, 0);
        let mut no_ihdr = PNG_SIGNATURE.to_vec();
        no_ihdr.extend(chunk(b"IDAT", &[0]));
        no_ihdr.extend(chunk(b"IEND", &[]));
        let no_frame = vec![0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x00, 0xFF, 0xD9];
        let table: Vec<(&str, &[u8], Expected)> = vec![
            ("png", &png, Ok((MediaType::Png, 640, 800))),
            ("jpeg", &jpeg, Ok((MediaType::Jpeg, 800, 600))),
            ("empty", &[], Err(PhotoProblem::Empty)),
            ("png with a bad crc", &bad_crc, Err(PhotoProblem::Format)),
            (
                "png with bytes after IEND",
                &trailing,
                Err(PhotoProblem::Format),
            ),
            (
                "png cut short",
                &png[..png.len() - 6],
                Err(PhotoProblem::Format),
            ),
            ("png without IHDR", &no_ihdr, Err(PhotoProblem::Format)),
            ("jpeg cut short", &no_eoi, Err(PhotoProblem::Format)),
            (
                "jpeg cut in a segment",
                &jpeg[..12],
                Err(PhotoProblem::Format),
            ),
            ("jpeg without a frame", &no_frame, Err(PhotoProblem::Format)),
            ("jpeg of height 0", &zero_height, Err(PhotoProblem::Format)),
            ("gif", &gif, Err(PhotoProblem::Format)),
            ("bmp", &bmp, Err(PhotoProblem::Format)),
            ("text", b"not an image at all", Err(PhotoProblem::Format)),
            ("over the byte limit", &too_big, Err(PhotoProblem::TooLarge)),
            ("png too wide", &huge, Err(PhotoProblem::TooLarge)),
            ("jpeg too wide", &huge_jpeg, Err(PhotoProblem::TooLarge)),
        ];
        for (name, bytes, expected) in table {
            let got = inspect(bytes).map(|f| (f.media_type, f.width, f.height));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn problems_have_stable_codes_with_messages() {
        for p in [PhotoProblem::TooLarge, PhotoProblem::Format] {
            let text = crate::message::field_message(p.code());
            assert_ne!(text.en, "Invalid value.", "{}", p.code());
        }
        assert_eq!(PhotoProblem::Empty.code(), "required");
    }

    #[test]
    fn media_types_travel_as_mime_types() {
        assert_eq!(
            serde_json::to_value(MediaType::Jpeg).unwrap(),
            serde_json::json!("image/jpeg")
        );
        for m in [MediaType::Jpeg, MediaType::Png] {
            assert_eq!(MediaType::parse(m.as_str()), Some(m));
        }
        assert_eq!(MediaType::parse("image/gif"), None);
        assert_eq!(hex(&[0x00, 0xAB, 0x7F]), "00ab7f");
    }
}
