//! Who may do what. The server checks these on every action; templates use the
//! same functions only to decide which buttons to show.

use super::Role;

/// The acting member, as far as the rules need to know them.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

pub fn can_manage_categories(actor: Actor) -> bool {
    actor.role == Role::Admin
}

pub fn is_staff(actor: Actor) -> bool {
    matches!(actor.role, Role::Moderator | Role::Admin)
}

/// Authors edit their own posts; staff may edit any post to moderate it.
pub fn can_edit_post(actor: Actor, author_id: i64, deleted: bool) -> bool {
    !deleted && (actor.user_id == author_id || is_staff(actor))
}

pub fn can_delete_post(actor: Actor, author_id: i64, deleted: bool) -> bool {
    can_edit_post(actor, author_id, deleted)
}

/// Thanking yourself would make the count meaningless.
pub fn can_thank(actor: Actor, author_id: i64, deleted: bool) -> bool {
    !deleted && actor.user_id != author_id
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Actor = Actor { user_id: 1, role: Role::Member };
    const MODERATOR: Actor = Actor { user_id: 2, role: Role::Moderator };

    #[test]
    fn members_edit_only_their_own_live_posts() {
        assert!(can_edit_post(MEMBER, 1, false));
        assert!(!can_edit_post(MEMBER, 3, false));
        assert!(!can_edit_post(MEMBER, 1, true));
        assert!(can_edit_post(MODERATOR, 3, false));
    }

    #[test]
    fn nobody_thanks_their_own_post() {
        assert!(!can_thank(MEMBER, 1, false));
        assert!(can_thank(MEMBER, 2, false));
        assert!(!can_thank(MEMBER, 2, true));
    }

    #[test]
    fn only_admins_manage_categories() {
        assert!(!can_manage_categories(MODERATOR));
        assert!(can_manage_categories(Actor { user_id: 9, role: Role::Admin }));
    }
}
