//! Who may do what: the rules the access gate (`app::access`) applies to every
//! page, API route and live stream.
//!
//! A decision takes who is asking, what they want to do, and the state of
//! what they want to do it to. The tests walk every combination as one table,
//! so a new role, action or state is a new row or column there, not a new
//! function here.

use super::Role;

/// The acting member, as far as the rules need to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

impl Actor {
    pub fn is_staff(self) -> bool {
        matches!(self.role, Role::Moderator | Role::Admin)
    }
}

/// Who is asking: someone not logged in, or a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Guest,
    Member(Actor),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read a post's words: in its thread, on its own, quoted, or as the post a reply answers.
    Read,
    /// See a post's earlier versions.
    ReadRevisions,
    StartThread,
    Reply,
    Edit,
    Delete,
    Thank,
    ManageCategories,
}

/// What an action is done to, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The community as a whole: starting a thread, managing categories.
    Community,
    /// A thread: to read, to reply in.
    Thread,
    Post { author_id: i64, deleted: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A guest must log in first.
    LogIn,
    Deny(Refusal),
    /// As if it did not exist: a deleted post keeps its place in its thread, not its words.
    Gone,
}

/// Why a member is refused, in words for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotYours,
    OwnPost,
    AdminsOnly,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotYours => "Only the author can change this post.",
            Refusal::OwnPost => "You can't thank your own post.",
            Refusal::AdminsOnly => "Only admins can manage categories.",
        }
    }
}

pub fn decide(who: Who, action: Action, subject: Subject) -> Decision {
    use Action::*;
    let deleted = matches!(subject, Subject::Post { deleted: true, .. });
    match action {
        Read | ReadRevisions => return if deleted { Decision::Gone } else { Decision::Allow },
        StartThread | Reply | Edit | Delete | Thank | ManageCategories => {}
    }
    let Who::Member(actor) = who else { return Decision::LogIn };
    if deleted {
        return Decision::Gone;
    }
    let own = matches!(subject, Subject::Post { author_id, .. } if author_id == actor.user_id);
    let allow_if = |ok: bool, refusal: Refusal| if ok { Decision::Allow } else { Decision::Deny(refusal) };
    match action {
        StartThread | Reply => Decision::Allow,
        // Authors change their own posts; staff may change any post to moderate it.
        Edit | Delete => allow_if(own || actor.is_staff(), Refusal::NotYours),
        // Thanking yourself would make the count meaningless.
        Thank => allow_if(!own, Refusal::OwnPost),
        ManageCategories => allow_if(actor.role == Role::Admin, Refusal::AdminsOnly),
        Read | ReadRevisions => unreachable!("decided above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Gone, LogIn};

    const AUTHOR: i64 = 1;
    const GUEST: Who = Who::Guest;
    const MEMBER: Who = Who::Member(Actor { user_id: 2, role: Role::Member });
    const OWN: Who = Who::Member(Actor { user_id: AUTHOR, role: Role::Member });
    const MODERATOR: Who = Who::Member(Actor { user_id: 3, role: Role::Moderator });
    const ADMIN: Who = Who::Member(Actor { user_id: 4, role: Role::Admin });

    const LIVE: Subject = Subject::Post { author_id: AUTHOR, deleted: false };
    const DELETED: Subject = Subject::Post { author_id: AUTHOR, deleted: true };

    fn deny(r: Refusal) -> Decision {
        Decision::Deny(r)
    }

    /// The whole matrix: every action on every state, for each kind of viewer
    /// (a guest; a member acting on someone else's post; the post's author; a
    /// moderator; an admin).
    #[test]
    fn who_may_do_what() {
        use Action::*;
        #[rustfmt::skip]
        let table: &[(Action, Subject, [Decision; 5])] = &[
            //                                guest   member                         author                         moderator                      admin
            (Read,             LIVE,      [Allow, Allow,                        Allow,                        Allow,                        Allow]),
            (Read,             DELETED,   [Gone,  Gone,                         Gone,                         Gone,                         Gone]),
            (Read,             Subject::Thread,    [Allow, Allow,               Allow,                        Allow,                        Allow]),
            (ReadRevisions,    LIVE,      [Allow, Allow,                        Allow,                        Allow,                        Allow]),
            (ReadRevisions,    DELETED,   [Gone,  Gone,                         Gone,                         Gone,                         Gone]),
            (StartThread,      Subject::Community, [LogIn, Allow,               Allow,                        Allow,                        Allow]),
            (Reply,            Subject::Thread,    [LogIn, Allow,               Allow,                        Allow,                        Allow]),
            (Edit,             LIVE,      [LogIn, deny(Refusal::NotYours),      Allow,                        Allow,                        Allow]),
            (Edit,             DELETED,   [LogIn, Gone,                         Gone,                         Gone,                         Gone]),
            (Delete,           LIVE,      [LogIn, deny(Refusal::NotYours),      Allow,                        Allow,                        Allow]),
            (Delete,           DELETED,   [LogIn, Gone,                         Gone,                         Gone,                         Gone]),
            (Thank,            LIVE,      [LogIn, Allow,                        deny(Refusal::OwnPost),       Allow,                        Allow]),
            (Thank,            DELETED,   [LogIn, Gone,                         Gone,                         Gone,                         Gone]),
            (ManageCategories, Subject::Community, [LogIn, deny(Refusal::AdminsOnly), deny(Refusal::AdminsOnly), deny(Refusal::AdminsOnly), Allow]),
        ];
        let viewers = [GUEST, MEMBER, OWN, MODERATOR, ADMIN];
        let mut checked = 0;
        for (action, subject, expected) in table {
            for (who, want) in viewers.iter().zip(expected) {
                assert_eq!(decide(*who, *action, *subject), *want, "{who:?} {action:?} {subject:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 14 * 5);
    }

    #[test]
    fn refusals_say_why_in_a_sentence() {
        for r in [Refusal::NotYours, Refusal::OwnPost, Refusal::AdminsOnly] {
            let m = r.message();
            assert!(m.ends_with('.') && m.chars().next().unwrap().is_uppercase(), "{m}");
        }
    }
}
