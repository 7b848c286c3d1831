//! Pictures members upload: for posts, and as their avatar. Whatever arrives
//! is decoded, turned upright, made smaller for the page and encoded afresh,
//! so nothing of the original file survives but its pixels: no location, no
//! camera details, no other EXIF, and nothing a browser could take for a
//! script. Posts show only pictures uploaded here (see `markdown`), so a post
//! can never load a tracking image from another site.

use super::FieldError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The largest file accepted, before it is made smaller.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// The largest picture decoded, in pixels a side and in all (a 12,000 × 8,000
/// photo is fine; a "decompression bomb" is refused before it fills memory).
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 400 * 1024 * 1024;
/// A post's picture is at most this wide or tall; an avatar is this square.
const POST_SIDE: u32 = 1600;
const AVATAR_SIDE: u32 = 256;
const JPEG_QUALITY: u8 = 82;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Post,
    Avatar,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Post => "post",
            Purpose::Avatar => "avatar",
        }
    }
}

/// A picture ready to store: re-encoded, with its size and type.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Prepared {
    pub fn extension(&self) -> &'static str {
        extension_of(self.content_type)
    }
}

pub fn extension_of(content_type: &str) -> &'static str {
    if content_type == "image/png" { "png" } else { "jpg" }
}

fn refused(message: impl Into<String>) -> FieldError {
    FieldError::new("picture", message)
}

/// Decodes `bytes` (JPEG, PNG or WebP), turns it upright by its EXIF
/// orientation, fits it to `purpose` and encodes it again: JPEG, or PNG when
/// it has transparency.
pub fn prepare(bytes: &[u8], purpose: Purpose) -> Result<Prepared, FieldError> {
    if bytes.is_empty() {
        return Err(refused("Choose a picture to upload."));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(refused(format!(
            "That picture is {:.1} MB; pictures can be at most 10 MB. Your phone's share or edit menu can usually make a smaller copy.",
            bytes.len() as f64 / 1_048_576.0
        )));
    }
    let unreadable = || refused("That doesn't look like a picture we can read. Please choose a JPEG, PNG or WebP picture.");
    let format = image::guess_format(bytes).map_err(|_| unreadable())?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) {
        return Err(unreadable());
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => refused("That picture is too large to read: at most 12,000 pixels a side."),
        _ => unreadable(),
    })?;
    picture.apply_orientation(orientation);
    let picture = match purpose {
        Purpose::Post if picture.width() > POST_SIDE || picture.height() > POST_SIDE => {
            picture.resize(POST_SIDE, POST_SIDE, image::imageops::FilterType::Lanczos3)
        }
        Purpose::Post => picture,
        Purpose::Avatar => picture.resize_to_fill(AVATAR_SIDE, AVATAR_SIDE, image::imageops::FilterType::Lanczos3),
    };
    encode(picture)
}

fn encode(picture: DynamicImage) -> Result<Prepared, FieldError> {
    let (width, height) = (picture.width(), picture.height());
    let mut bytes = Vec::new();
    let failed = |_| refused("Sorry, that picture couldn't be saved. Please try another.");
    let content_type = if picture.color().has_alpha() && !opaque(&picture) {
        picture.to_rgba8().write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).map_err(failed)?;
        "image/png"
    } else {
        let rgb = picture.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY).encode_image(&rgb).map_err(failed)?;
        "image/jpeg"
    };
    Ok(Prepared { bytes, content_type, width, height })
}

/// Whether every pixel is fully opaque (screenshots are often RGBA without
/// using it; they are smaller as JPEG).
fn opaque(picture: &DynamicImage) -> bool {
    picture.to_rgba8().pixels().all(|p| p.0[3] == 255)
}

/// The address a stored picture is served at. The key (from the picture's
/// hash) keeps pictures from being listed by counting ids.
pub fn path(id: i64, key: &str, content_type: &str) -> String {
    format!("/uploads/{id}-{key}.{}", extension_of(content_type))
}

/// The id and key of an address made by [`path`], if it is one.
pub fn parse_name(name: &str) -> Option<(i64, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    if !matches!(ext, "jpg" | "png") {
        return None;
    }
    let (id, key) = stem.split_once('-')?;
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    (key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())).then_some((id, key))
}

/// Whether a post may show the picture at `url`: only ones uploaded here.
pub fn is_local_picture(url: &str) -> bool {
    url.strip_prefix("/uploads/").is_some_and(|name| parse_name(name).is_some())
}

/// A generated avatar for a member without a picture: their initial on one
/// of eight colours, the same for the same name everywhere.
pub fn generated_avatar(username: &str) -> (char, u8) {
    let initial = username.chars().find(|c| c.is_alphanumeric()).map_or('?', |c| c.to_uppercase().next().unwrap_or(c));
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let hash = username.to_lowercase().bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    (initial, (hash % 8) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).unwrap();
        out
    }

    #[test]
    fn a_large_photo_is_made_smaller_for_the_page_and_keeps_its_shape() {
        let p = prepare(&jpeg(4000, 3000), Purpose::Post).unwrap();
        assert_eq!((p.width, p.height, p.content_type), (1600, 1200, "image/jpeg"));
        let small = prepare(&jpeg(640, 480), Purpose::Post).unwrap();
        assert_eq!((small.width, small.height), (640, 480), "small pictures aren't enlarged");
    }

    #[test]
    fn an_avatar_is_a_square() {
        let p = prepare(&jpeg(900, 400), Purpose::Avatar).unwrap();
        assert_eq!((p.width, p.height), (256, 256));
    }

    #[test]
    fn exif_and_everything_else_from_the_original_file_is_gone() {
        // A JPEG with an APP1 (EXIF) segment holding a location, spliced in after SOI.
        let plain = jpeg(64, 48);
        let exif = b"Exif\0\0II*\0GPSLatitude 51.5074 N";
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1]);
        with_exif.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        with_exif.extend_from_slice(exif);
        with_exif.extend_from_slice(&plain[2..]);
        let p = prepare(&with_exif, Purpose::Post).unwrap();
        let found = |needle: &[u8]| p.bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!found(b"Exif") && !found(b"GPSLatitude"));
    }

    #[test]
    fn transparency_is_kept_as_png_and_opaque_rgba_becomes_jpeg() {
        let clear = RgbaImage::from_fn(20, 20, |x, _| Rgba([0, 0, 0, if x < 10 { 0 } else { 255 }]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(clear).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(prepare(&png, Purpose::Post).unwrap().content_type, "image/png");
        let solid = RgbaImage::from_pixel(20, 20, Rgba([10, 20, 30, 255]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(solid).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(prepare(&png, Purpose::Post).unwrap().content_type, "image/jpeg");
    }

    #[test]
    fn what_is_not_a_picture_is_refused_kindly() {
        for bad in [&b""[..], b"<svg onload=alert(1)>", b"GIF89a....", b"%PDF-1.4"] {
            assert_eq!(prepare(bad, Purpose::Post).unwrap_err().field, "picture");
        }
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert!(prepare(&big, Purpose::Post).unwrap_err().message.contains("at most 10 MB"));
    }

    #[test]
    fn a_picture_claiming_to_be_enormous_is_refused_before_it_is_decoded() {
        // A PNG header saying 100,000 × 100,000 pixels.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(prepare(&png, Purpose::Post).is_err());
    }

    #[test]
    fn only_addresses_made_here_are_local_pictures() {
        let path = path(42, "0123456789abcdef", "image/jpeg");
        assert_eq!(path, "/uploads/42-0123456789abcdef.jpg");
        assert!(is_local_picture(&path));
        for other in ["https://tracker.example/pixel.gif", "/uploads/42.jpg", "/uploads/0-0123456789abcdef.jpg", "/uploads/42-0123456789ABCDEF.jpg", "/uploads/42-0123456789abcdef.svg", "//evil/uploads/1-0123456789abcdef.jpg"] {
            assert!(!is_local_picture(other), "{other}");
        }
    }

    #[test]
    fn a_generated_avatar_is_the_same_for_the_same_name() {
        assert_eq!(generated_avatar("jogon_jen"), generated_avatar("Jogon_Jen"));
        assert_eq!(generated_avatar("_sam").0, 'S');
        assert!(generated_avatar("runningnearbeirut").1 < 8);
    }
}
