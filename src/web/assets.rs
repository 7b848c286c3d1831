//! The stylesheet, the scripts and the icon, built into the binary.

use super::error::Error;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

const STYLE: &str = include_str!("static/style.css");
const APP_JS: &str = include_str!("static/app.js");
const RUN_JS: &str = include_str!("static/run.js");
const ICON: &str = include_str!("static/icon.svg");
pub const SERVICE_WORKER: &str = include_str!("static/sw.js");

/// FNV-1a over the files, worked out at compile time.
const fn fnv(mut hash: u64, text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

const fn version_hash() -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325;
    hash = fnv(hash, STYLE);
    hash = fnv(hash, APP_JS);
    hash = fnv(hash, RUN_JS);
    hash = fnv(hash, ICON);
    fnv(hash, SERVICE_WORKER)
}

const fn hex(hash: u64) -> [u8; 12] {
    let digits = b"0123456789abcdef";
    let mut out = [0u8; 12];
    let mut i = 0;
    while i < 12 {
        out[i] = digits[((hash >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

const VERSION_BYTES: [u8; 12] = hex(version_hash());

/// Changes whenever any of these files does (a hash of their contents), so
/// browsers may cache them for a year under `?v=` and still get each change.
pub const ASSET_VERSION: &str = match std::str::from_utf8(&VERSION_BYTES) {
    Ok(v) => v,
    Err(_) => panic!("hex digits are UTF-8"),
};

pub async fn static_file(Path(file): Path<String>) -> Result<Response, Error> {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "style.css" => (STYLE, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "run.js" => (RUN_JS, "text/javascript; charset=utf-8"),
        "icon.svg" => (ICON, "image/svg+xml"),
        _ => return Err(Error::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_asset_version_is_twelve_hex_digits() {
        assert_eq!(super::ASSET_VERSION.len(), 12);
        assert!(super::ASSET_VERSION.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
