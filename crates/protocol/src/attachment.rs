//! Photos and files in a conversation: which types are taken (by their
//! content, never by name), how large, and how they are described.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// Largest file a buyer or staff member can attach (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Largest width or height of an image, decoded: a small file can hold a huge
/// image (a decompression bomb), so the decoder refuses more before allocating.
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;
pub const MAX_ATTACHMENT_NAME_CHARS: usize = 200;
pub const MAX_ALT_CHARS: usize = 500;
/// What the file picker offers (the server decides by content all the same).
pub const ACCEPTED_TYPES: &str = "image/jpeg,image/png,image/webp,application/pdf";

/// How a thread shows an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// A thumbnail that opens full size.
    Image,
    /// A card with the name and size that downloads the file.
    Pdf,
}

/// An attached file as messages carry it. Its bytes are at
/// `/api/v1/attachments/{id}` (and `/thumb` for images), for the
/// conversation's parties only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Unguessable (UUID v4).
    pub id: String,
    pub kind: AttachmentKind,
    /// The sender's file name, shown as text.
    pub name: String,
    /// The type found in the content.
    pub mime: String,
    /// Bytes as stored (images after re-encoding).
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Describes the image for screen readers; the file name when the sender gave none.
    pub alt: String,
}

/// A type the server takes, told by the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl FileType {
    /// The type by magic bytes; `None` for anything else (whatever its name or `Content-Type`).
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(FileType::Webp)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
        }
    }

    pub fn kind(self) -> AttachmentKind {
        match self {
            FileType::Pdf => AttachmentKind::Pdf,
            _ => AttachmentKind::Image,
        }
    }
}

/// The answer to a file of any other type.
pub fn unsupported_type() -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType, "Only JPEG, PNG and WebP photos and PDF files can be attached")
}

/// The answer to a file over [`MAX_ATTACHMENT_BYTES`].
pub fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "The file is too large (at most 10 MB)")
}

/// A file name as shown: its last path segment, without control characters,
/// trimmed; `file` when nothing is left.
pub fn attachment_name(raw: &str) -> Result<String, ApiError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.chars().count() > MAX_ATTACHMENT_NAME_CHARS {
        return Err(ApiError::invalid(
            "name",
            format!("The file name is too long (at most {MAX_ATTACHMENT_NAME_CHARS} characters)"),
        ));
    }
    Ok(if name.is_empty() { "file".into() } else { name.into() })
}

/// The alt text as stored: what the sender wrote, or the file name.
pub fn attachment_alt(raw: Option<&str>, name: &str) -> Result<String, ApiError> {
    let alt: String = raw.unwrap_or_default().chars().filter(|c| !c.is_control()).collect();
    let alt = alt.trim();
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(ApiError::invalid(
            "alt",
            format!("The description is too long (at most {MAX_ALT_CHARS} characters)"),
        ));
    }
    Ok(if alt.is_empty() { name.into() } else { alt.into() })
}

/// A size for people: `512 B`, `34 KB`, `1.5 MB` (integer math: no float formatting in the widget).
pub fn describe_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some(FileType::Jpeg));
        assert_eq!(FileType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(FileType::Png));
        assert_eq!(FileType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(FileType::Webp));
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(FileType::sniff(b"hello, I am photo.jpg"), None);
        assert_eq!(FileType::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(FileType::sniff(b""), None);
    }

    #[test]
    fn names_keep_their_last_segment_as_plain_text() {
        assert_eq!(attachment_name("C:\\Users\\ana\\photo.jpg").unwrap(), "photo.jpg");
        assert_eq!(attachment_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(attachment_name(" a\u{0}b\n.pdf ").unwrap(), "ab.pdf");
        assert_eq!(attachment_name("").unwrap(), "file");
        assert_eq!(attachment_name(&"x".repeat(201)).unwrap_err().field.as_deref(), Some("name"));
    }

    #[test]
    fn alt_text_defaults_to_the_file_name() {
        assert_eq!(attachment_alt(None, "a.png").unwrap(), "a.png");
        assert_eq!(attachment_alt(Some("  "), "a.png").unwrap(), "a.png");
        assert_eq!(attachment_alt(Some("Red shoes"), "a.png").unwrap(), "Red shoes");
        assert!(attachment_alt(Some(&"x".repeat(501)), "a.png").is_err());
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(describe_size(0), "0 B");
        assert_eq!(describe_size(1023), "1023 B");
        assert_eq!(describe_size(1024), "1 KB");
        assert_eq!(describe_size(35_000), "35 KB");
        assert_eq!(describe_size(1024 * 1024), "1.0 MB");
        assert_eq!(describe_size(MAX_ATTACHMENT_BYTES as u64), "10.0 MB");
        assert_eq!(describe_size(1_572_864), "1.5 MB");
    }
}
