//! Pictures: a member uploads one for a post or as their avatar; anyone
//! reads one by its address.

use super::access::{self, Viewer};
use super::store::uploads::{self as stored, Picture};
use super::{App, Error, Result};
use crate::domain::permission::{Action, Subject};
use crate::domain::uploads::{self, Prepared, Purpose};
use blake2::{Blake2s256, Digest as _};

/// A picture as stored: where it is served, and its size.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub id: i64,
    pub url: String,
    pub width: u32,
    pub height: u32,
}

impl App {
    /// Prepares and keeps a picture from `viewer` (off the async workers: a
    /// large photo takes a moment to decode). A post's picture needs the
    /// right to post; an avatar, just an account in good standing.
    pub async fn upload_picture(&self, viewer: &Viewer, bytes: Vec<u8>, purpose: Purpose) -> Result<Uploaded> {
        // Whoever may start a thread may add pictures to what they write.
        let action = if purpose == Purpose::Post { Action::StartThread } else { Action::Read };
        access::check(viewer, action, Subject::Community)?;
        let member = viewer.member_or_login()?;
        self.limit("upload", self.config.rate_limits.upload, &member.id.to_string())?;
        let prepared: Prepared = tokio::task::spawn_blocking(move || uploads::prepare(&bytes, purpose))
            .await
            .map_err(Error::internal)?
            .map_err(|e| Error::Invalid(vec![e]))?;
        let key: String = crate::domain::hex(&Blake2s256::digest(&prepared.bytes)[..8]);
        let (user_id, key_for_tx, picture) = (member.id, key.clone(), prepared.clone());
        let id = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let id = stored::insert(tx, user_id, purpose.as_str(), &key_for_tx, &picture).await?;
                    if purpose == Purpose::Avatar {
                        stored::set_avatar(tx, user_id, Some(&uploads::path(id, &key_for_tx, picture.content_type))).await?;
                    }
                    Ok(id)
                })
            })
            .await?;
        Ok(Uploaded { id, url: uploads::path(id, &key, prepared.content_type), width: prepared.width, height: prepared.height })
    }

    /// Goes back to the generated avatar.
    pub async fn remove_avatar(&self, viewer: &Viewer) -> Result<()> {
        let user_id = viewer.member_or_login()?.id;
        self.store.write(move |tx| Box::pin(stored::set_avatar(tx, user_id, None))).await?;
        Ok(())
    }

    /// The picture served at `/uploads/{name}`, if the name is one we made.
    pub async fn picture(&self, name: &str) -> Result<Picture> {
        let (id, key) = uploads::parse_name(name).ok_or(Error::NotFound)?;
        let key = key.to_owned();
        let found = self.store.read(move |c| Box::pin(stored::picture(c, id))).await?;
        found.filter(|p| p.key == key && name.ends_with(uploads::extension_of(&p.content_type))).ok_or(Error::NotFound)
    }
}
