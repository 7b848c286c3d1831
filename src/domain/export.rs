//! A member's data, as they take it away: a ZIP of Markdown files and a
//! machine-readable `data.json`. The ZIP is written here, stored (not
//! compressed: it's mostly text, small, and every unzip tool reads it).

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
    fn file_names_come_from_titles() {
        assert_eq!(file_stem("Upper back aching for a week since a run?"), "upper-back-aching-for-a-week-since-a-run");
        assert_eq!(file_stem("???"), "post");
    }
}
