//! What the server makes of an uploaded photo: decoded within limits (a
//! small file can declare a huge image), turned upright, and encoded again
//! without any of the original's metadata (EXIF with the GPS position of the
//! camera, comments, profiles), plus a thumbnail. CPU work: call it from
//! `spawn_blocking`.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::error::{ImageError, LimitErrorKind};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use talkshop_protocol::attachment::{FileType, MAX_IMAGE_SIDE, THUMBNAIL_SIDE};
use talkshop_protocol::{ApiError, ErrorCode};

/// Memory the decoder may take for one image (an 8192 × 8192 RGBA image is 256 MiB).
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

/// The file to keep and, for photos, its thumbnail and size in pixels.
#[derive(Debug)]
pub struct Processed {
    pub file: Vec<u8>,
    pub thumb: Option<Vec<u8>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Photos are decoded and encoded again (same format); PDFs are kept as they came.
pub fn process(bytes: Vec<u8>, file_type: FileType) -> Result<Processed, ApiError> {
    let format = match file_type {
        FileType::Jpeg => ImageFormat::Jpeg,
        FileType::Png => ImageFormat::Png,
        FileType::Webp => ImageFormat::WebP,
        FileType::Pdf => return Ok(Processed { file: bytes, thumb: None, width: None, height: None }),
    };
    let image = decode(&bytes, format)?;
    let file = encode(&image, file_type)?;
    let thumb = if image.width() <= THUMBNAIL_SIDE && image.height() <= THUMBNAIL_SIDE {
        file.clone()
    } else {
        encode(&image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE), file_type)?
    };
    Ok(Processed { file, thumb: Some(thumb), width: Some(image.width()), height: Some(image.height()) })
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, ApiError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    // The EXIF orientation goes with the metadata: apply it to the pixels first.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode(image: &DynamicImage, file_type: FileType) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let written = match file_type {
        FileType::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)),
        FileType::Png => image.write_with_encoder(PngEncoder::new(&mut out)),
        FileType::Webp if image.color().has_alpha() => {
            DynamicImage::ImageRgba8(image.to_rgba8()).write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        FileType::Webp => {
            DynamicImage::ImageRgb8(image.to_rgb8()).write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        FileType::Pdf => return Err(ApiError::new(ErrorCode::Internal, "a PDF is not encoded")),
    };
    written.map_err(|e| {
        tracing::error!(error = %e, "encoding an attachment failed");
        ApiError::new(ErrorCode::Internal, "Something went wrong on our side")
    })?;
    Ok(out)
}

fn unreadable(e: ImageError) -> ApiError {
    match e {
        ImageError::Limits(limit)
            if matches!(limit.kind(), LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory) =>
        {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("The photo is too large (at most {MAX_IMAGE_SIDE} × {MAX_IMAGE_SIDE} pixels)"),
            )
        }
        _ => ApiError::invalid("file", "This photo could not be read; it may be damaged"),
    }
}
