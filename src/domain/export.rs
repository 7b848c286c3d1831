//! A member's data, as they take it away: a ZIP of Markdown files and a
//! machine-readable `data.json`. The ZIP is written here, stored (not
//! compressed: it's mostly text, small, and every unzip tool reads it).

use serde::{Deserialize, Serialize};

/// What a whole community's export says it is, in its `data.json`.
pub const COMMUNITY_FORMAT: &str = "jogette-community";
pub const COMMUNITY_VERSION: i64 = 1;

/// A whole community as an admin exports it, and as `jogette import jogette`
/// reads it: members (no passwords, no sessions), categories, and threads
/// with their posts and thanks. Times are UTC milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Community {
    pub format: String,
    pub version: i64,
    pub site: String,
    pub members: Vec<CommunityMember>,
    pub categories: Vec<CommunityCategory>,
    pub threads: Vec<CommunityThread>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunityMember {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub role: String,
    pub created_at: i64,
    pub badge: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunityCategory {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub parent_id: Option<i64>,
    pub members_only: bool,
    pub staff_only: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunityThread {
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    pub created_at: i64,
    /// 0: not pinned; 1: first in its category; 2: first everywhere.
    pub pinned: i64,
    pub locked: bool,
    pub posts: Vec<CommunityPost>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunityPost {
    pub id: i64,
    pub number: i64,
    pub user_id: i64,
    pub reply_to: Option<i64>,
    /// Empty for a removed post: its words don't travel.
    pub body: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub held: bool,
    pub hidden: bool,
    pub pain_summary: Option<String>,
    /// (member id, when)
    pub thanked_by: Vec<(i64, i64)>,
    pub uncredited_thanks: i64,
}

/// How long a finished export can be downloaded.
pub const KEEP_MS: i64 = 7 * 24 * 3600 * 1000;

/// A ZIP archive holding `files` (name, contents), in order.
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32fast::hash(data);
        let (size, name_len) = (u32::try_from(data.len()).unwrap_or(u32::MAX), name.len() as u16);
        let offset = out.len() as u32;
        // Local file header: version 2.0, UTF-8 names (bit 11), stored, no date.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0x0800u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]); // 1 Jan 1980, 00:00
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its entry in the central directory.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (start, length) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// The files of a ZIP archive as [`zip`] writes them (stored, not
/// compressed), by way of its central directory.
pub fn unzip(archive: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let u16_at = |at: usize| archive.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |at: usize| archive.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let broken = || "this is not a ZIP archive, or it is cut short".to_owned();
    // The end record is the last 22 bytes, plus any comment (up to 64 KiB).
    let end = (0..=archive.len().saturating_sub(22)).rev().take(65_536 + 22).find(|&i| archive[i..].starts_with(b"PK\x05\x06")).ok_or_else(broken)?;
    let (count, mut at) = (u16_at(end + 10).ok_or_else(broken)?, u32_at(end + 16).ok_or_else(broken)?);
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        if !archive.get(at..).is_some_and(|rest| rest.starts_with(b"PK\x01\x02")) {
            return Err(broken());
        }
        let method = u16_at(at + 10).ok_or_else(broken)?;
        let (size, name_len, extra_len, comment_len) =
            (u32_at(at + 20).ok_or_else(broken)?, u16_at(at + 28).ok_or_else(broken)?, u16_at(at + 30).ok_or_else(broken)?, u16_at(at + 32).ok_or_else(broken)?);
        let local = u32_at(at + 42).ok_or_else(broken)?;
        let name = String::from_utf8_lossy(archive.get(at + 46..at + 46 + name_len).ok_or_else(broken)?).into_owned();
        if method != 0 {
            return Err(format!("{name} is compressed; only archives as Jogette writes them (stored) are read"));
        }
        let data_start = local + 30 + u16_at(local + 26).ok_or_else(broken)? + u16_at(local + 28).ok_or_else(broken)?;
        let data = archive.get(data_start..data_start + size).ok_or_else(broken)?.to_vec();
        files.push((name, data));
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(files)
}

/// A file name from a title: lower case, words joined by dashes, short.
pub fn file_stem(title: &str) -> String {
    let mut stem = String::new();
    for word in title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if stem.len() + word.len() > 60 {
            break;
        }
        if !stem.is_empty() {
            stem.push('-');
        }
        stem.extend(word.chars().flat_map(char::to_lowercase));
    }
    if stem.is_empty() { "post".into() } else { stem }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_holds_each_file_as_written() {
        let files = vec![("data.json".to_owned(), b"{\"a\":1}".to_vec()), ("posts/1-hello.md".to_owned(), "Héllo, runners".as_bytes().to_vec())];
        let archive = zip(&files);
        assert_eq!(&archive[..4], b"PK\x03\x04");
        // The end record counts both, and each name and body is there whole.
        let end = archive.len() - 22;
        assert_eq!(&archive[end..end + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([archive[end + 10], archive[end + 11]]), 2);
        for (name, data) in &files {
            assert!(archive.windows(name.len()).any(|w| w == name.as_bytes()));
            assert!(archive.windows(data.len()).any(|w| w == data.as_slice()));
        }
    }

    #[test]
    fn an_archive_reads_back_as_written_and_a_broken_one_is_refused() {
        let files = vec![("README.txt".to_owned(), b"hello".to_vec()), ("data.json".to_owned(), "{\"é\":[]}".as_bytes().to_vec())];
        let archive = zip(&files);
        assert_eq!(unzip(&archive).unwrap(), files);
        assert!(unzip(&archive[..archive.len() - 30]).is_err());
        assert!(unzip(b"not a zip").is_err());
    }

    #[test]
    fn file_names_come_from_titles() {
        assert_eq!(file_stem("Upper back aching for a week since a run?"), "upper-back-aching-for-a-week-since-a-run");
        assert_eq!(file_stem("???"), "post");
    }
}
