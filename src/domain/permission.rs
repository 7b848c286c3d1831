//! Who may do what: the rules the access gate (`app::access`) applies to every
//! page, API route and live stream.
//!
//! A decision takes who is asking, what they want to do, and the state of
//! what they want to do it to. The tests walk every combination as one table,
//! so a new role, action or state is a new row or column there, not a new
//! function here.

use super::Role;

/// How established a member is (see `domain::moderation::level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Their first posts: limits on links and mentions, and perhaps held for approval.
    New,
    Member,
    /// Established, or trusted early by a moderator: their flags weigh more.
    Trusted,
}

/// A sanction in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// May read, but not post, flag or thank.
    Silenced,
    /// May not log in; every session ended when it began.
    Suspended,
}

/// The acting member, as far as the rules need to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub level: Level,
    pub restriction: Option<Restriction>,
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
    /// Read a thread, or a post's words: in its thread, on its own, quoted, or
    /// as the post a reply answers.
    Read,
    /// See a post's earlier versions.
    ReadRevisions,
    StartThread,
    Reply,
    Edit,
    Delete,
    Thank,
    Flag,
    /// Work the review queue: approve, hide, restore, delete others' posts.
    Moderate,
    /// Lock, pin, move, split and merge threads, and set slow mode.
    ManageThreads,
    /// Warn, silence or suspend a member, or lift it.
    Sanction,
    /// Trust a member early.
    Trust,
    /// Read and write moderators' private notes on a member.
    MemberNotes,
    ReadModLog,
    ExportModLog,
    ManageCategories,
    ManageSettings,
    /// Log runs and pain in one's own run log.
    LogRuns,
    /// Change or delete a run in a run log.
    ChangeRun,
    /// See a member's programme progress (their badge, weeks done, runs a week).
    ReadProgress,
    /// See a member's pain log: private to them, whoever asks.
    ReadPainLog,
    /// Add or replace the community's plans.
    ManagePlans,
}

/// A thread's state, as the rules care about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThreadState {
    pub locked: bool,
    pub members_only: bool,
    /// Only moderators and admins know it is there.
    pub staff_only: bool,
    /// In slow mode, how many seconds until the asking member may post here again.
    pub slow_mode_wait: Option<i64>,
}

/// A post's state, as the rules care about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostState {
    pub author_id: i64,
    pub deleted: bool,
    pub hidden: bool,
    pub held: bool,
    pub members_only: bool,
    /// In a category only moderators and admins know is there.
    pub staff_only: bool,
    /// Its thread is locked.
    pub locked: bool,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The community as a whole: starting a thread, managing categories, the queue.
    Community,
    Thread(ThreadState),
    Post(PostState),
    /// A member, to sanction, trust or keep notes on.
    Member { user_id: i64, role: Role },
    /// A member as a runner: their run log, pain log and progress, which they
    /// may keep to themselves (`shown` false).
    Runner { user_id: i64, shown: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A guest must log in first.
    LogIn,
    Deny(Refusal),
    /// As if it did not exist.
    Gone,
}

/// Why a member is refused, in words for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotYours,
    OwnPost,
    OwnFlag,
    NotAuthorOrStaff,
    StaffOnly,
    AdminsOnly,
    Silenced,
    Suspended,
    Locked,
    /// Slow mode: seconds until the member may post in this thread again.
    SlowMode(i64),
    NotSanctionable,
    /// Someone else's private running records.
    Private,
}

impl Refusal {
    pub fn message(self) -> String {
        match self {
            Refusal::NotYours => "Only the author can change this post.".into(),
            Refusal::OwnPost => "You can't thank your own post.".into(),
            Refusal::OwnFlag => "You can't flag your own post. You can edit or delete it instead.".into(),
            Refusal::NotAuthorOrStaff => "Only the author and the moderators can see earlier versions of a post.".into(),
            Refusal::StaffOnly => "Only moderators can do that.".into(),
            Refusal::AdminsOnly => "Only admins can do that.".into(),
            Refusal::Silenced => "You can read, but not post, flag or thank, while a moderator's pause is on your account.".into(),
            Refusal::Suspended => "This account is suspended.".into(),
            Refusal::Locked => "This thread is locked, so it can't take new posts or edits.".into(),
            Refusal::SlowMode(seconds) => {
                let minutes = (seconds + 59) / 60;
                format!(
                    "This thread is in slow mode, to give everyone time to read. You can post here again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )
            }
            Refusal::NotSanctionable => "Moderators can't sanction themselves, admins, or (unless they are an admin) other moderators.".into(),
            Refusal::Private => "That's private: only the member can see it.".into(),
        }
    }
}

pub fn decide(who: Who, action: Action, subject: Subject) -> Decision {
    use Action::*;
    let actor = match who {
        Who::Member(actor) => Some(actor),
        Who::Guest => None,
    };
    let staff = actor.is_some_and(Actor::is_staff);
    let own = |post: &PostState| actor.is_some_and(|a| a.user_id == post.author_id);
    let allow_if = |ok: bool, refusal: Refusal| if ok { Decision::Allow } else { Decision::Deny(refusal) };

    // A staff-only space doesn't exist for anyone else.
    let staff_only = match subject {
        Subject::Post(p) => p.staff_only,
        Subject::Thread(t) => t.staff_only,
        _ => false,
    };
    if staff_only && !staff {
        return Decision::Gone;
    }

    // Reading needs no account, except in members-only spaces.
    if let Read | ReadRevisions = action {
        return match subject {
            Subject::Post(p) => {
                if p.deleted || ((p.hidden || p.held) && !own(&p) && !staff) {
                    Decision::Gone
                } else if p.members_only && actor.is_none() {
                    Decision::LogIn
                } else if action == ReadRevisions && !(own(&p) || staff) {
                    if actor.is_none() { Decision::LogIn } else { Decision::Deny(Refusal::NotAuthorOrStaff) }
                } else {
                    Decision::Allow
                }
            }
            _ => Decision::Allow,
        };
    }
    // A runner's progress is public unless they keep it to themselves; their
    // pain log is theirs alone, whoever asks (staff included).
    if let (ReadProgress | ReadPainLog, Subject::Runner { user_id, shown }) = (action, subject) {
        let own = actor.is_some_and(|a| a.user_id == user_id);
        return allow_if(own || (action == ReadProgress && shown), Refusal::Private);
    }
    let Some(actor) = actor else { return Decision::LogIn };
    if actor.restriction == Some(Restriction::Suspended) {
        return Decision::Deny(Refusal::Suspended);
    }
    let silenced = actor.restriction == Some(Restriction::Silenced);
    match (action, subject) {
        (StartThread, _) => allow_if(!silenced, Refusal::Silenced),
        (Reply, Subject::Thread(t)) => {
            if silenced {
                Decision::Deny(Refusal::Silenced)
            } else if t.locked && !staff {
                Decision::Deny(Refusal::Locked)
            } else {
                match t.slow_mode_wait {
                    Some(wait) if wait > 0 && !staff => Decision::Deny(Refusal::SlowMode(wait)),
                    _ => Decision::Allow,
                }
            }
        }
        (Edit | Delete | Thank | Flag, Subject::Post(p)) => {
            let mine = own(&p);
            // What a viewer can't see, they can't act on either.
            if p.deleted || ((p.hidden || p.held) && !mine && !staff) {
                return Decision::Gone;
            }
            match action {
                // Authors change their own posts; staff may change any post to moderate it.
                Edit | Delete if !(mine || staff) => Decision::Deny(Refusal::NotYours),
                Edit if silenced => Decision::Deny(Refusal::Silenced),
                Edit if p.locked && !staff => Decision::Deny(Refusal::Locked),
                Edit | Delete => Decision::Allow,
                // Thanking yourself would make the count meaningless.
                Thank if mine => Decision::Deny(Refusal::OwnPost),
                Flag if mine => Decision::Deny(Refusal::OwnFlag),
                Thank if p.hidden || p.held => Decision::Gone,
                Flag if p.held => Decision::Gone,
                _ => allow_if(!silenced, Refusal::Silenced),
            }
        }
        (Moderate | ManageThreads | Trust | MemberNotes | ReadModLog, _) => allow_if(staff, Refusal::StaffOnly),
        (Sanction, Subject::Member { user_id, role }) => {
            if !staff {
                return Decision::Deny(Refusal::StaffOnly);
            }
            let may = user_id != actor.user_id
                && match role {
                    Role::Member => true,
                    Role::Moderator => actor.role == Role::Admin,
                    Role::Admin => false,
                };
            allow_if(may, Refusal::NotSanctionable)
        }
        (ExportModLog | ManageCategories | ManageSettings | ManagePlans, _) => allow_if(actor.role == Role::Admin, Refusal::AdminsOnly),
        // Run logs are private records: logging is no one's business but the
        // member's, so a moderator's pause on posting doesn't stop it.
        (LogRuns, Subject::Community) => Decision::Allow,
        // Someone else's run is, to anyone else, not there.
        (ChangeRun, Subject::Runner { user_id, .. }) => if user_id == actor.user_id { Decision::Allow } else { Decision::Gone },
        // An action asked of the wrong kind of subject is a bug above; refuse it.
        _ => Decision::Deny(Refusal::StaffOnly),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(user_id: i64, role: Role, level: Level, restriction: Option<Restriction>) -> Who {
        Who::Member(Actor { user_id, role, level, restriction })
    }

    /// The viewers of the matrix, in its column order.
    fn viewers() -> [(&'static str, Who); 8] {
        [
            ("guest", Who::Guest),
            ("new", member(1, Role::Member, Level::New, None)),
            ("member", member(2, Role::Member, Level::Member, None)),
            ("trusted", member(3, Role::Member, Level::Trusted, None)),
            ("moderator", member(4, Role::Moderator, Level::Trusted, None)),
            ("admin", member(5, Role::Admin, Level::Trusted, None)),
            ("silenced", member(6, Role::Member, Level::Member, Some(Restriction::Silenced))),
            ("suspended", member(7, Role::Member, Level::Member, Some(Restriction::Suspended))),
        ]
    }

    fn user_id(who: Who) -> i64 {
        match who {
            Who::Member(a) => a.user_id,
            Who::Guest => 0,
        }
    }

    /// A subject for one viewer: "own" posts are written by that viewer.
    #[derive(Clone, Copy)]
    enum S {
        Community,
        Thread(ThreadState),
        /// Someone else's post.
        Post(PostState),
        /// The viewer's own post.
        Own(PostState),
        Member(Role),
        /// The viewer themselves, as a member to sanction.
        Themselves,
        /// Another member as a runner, their progress shown or kept private.
        Runner(bool),
        /// The viewer's own run log.
        OwnRuns,
    }

    fn subject(s: S, who: Who) -> Subject {
        match s {
            S::Community => Subject::Community,
            S::Thread(t) => Subject::Thread(t),
            S::Post(p) => Subject::Post(PostState { author_id: 99, ..p }),
            S::Own(p) => Subject::Post(PostState { author_id: user_id(who), ..p }),
            S::Member(role) => Subject::Member { user_id: 99, role },
            S::Themselves => Subject::Member { user_id: user_id(who), role: Role::Member },
            S::Runner(shown) => Subject::Runner { user_id: 99, shown },
            S::OwnRuns => Subject::Runner { user_id: user_id(who), shown: false },
        }
    }

    /// One cell: A allow, L log in, G gone, or a refusal's letter.
    fn cell(d: Decision) -> char {
        match d {
            Decision::Allow => 'A',
            Decision::LogIn => 'L',
            Decision::Gone => 'G',
            Decision::Deny(r) => match r {
                Refusal::NotYours => 'n',
                Refusal::OwnPost | Refusal::OwnFlag => 'o',
                Refusal::NotAuthorOrStaff => 'r',
                Refusal::StaffOnly => 's',
                Refusal::AdminsOnly => 'a',
                Refusal::Silenced => 'q',
                Refusal::Suspended => 'x',
                Refusal::Locked => 'k',
                Refusal::SlowMode(_) => 'w',
                Refusal::NotSanctionable => 'c',
                Refusal::Private => 'p',
            },
        }
    }

    const LIVE: PostState = PostState { author_id: 0, deleted: false, hidden: false, held: false, members_only: false, staff_only: false, locked: false };
    const DELETED: PostState = PostState { deleted: true, ..LIVE };
    const HIDDEN: PostState = PostState { hidden: true, ..LIVE };
    const HELD: PostState = PostState { held: true, ..LIVE };
    const PRIVATE: PostState = PostState { members_only: true, ..LIVE };
    const IN_LOCKED: PostState = PostState { locked: true, ..LIVE };
    const OPEN: ThreadState = ThreadState { locked: false, members_only: false, staff_only: false, slow_mode_wait: None };
    const LOCKED: ThreadState = ThreadState { locked: true, ..OPEN };
    const SLOW: ThreadState = ThreadState { slow_mode_wait: Some(240), ..OPEN };
    const SLOW_DONE: ThreadState = ThreadState { slow_mode_wait: Some(0), ..OPEN };
    const PRIVATE_THREAD: ThreadState = ThreadState { members_only: true, ..OPEN };

    /// The whole matrix: every action on every state, for every kind of viewer.
    /// Columns: guest, new member, member, trusted, moderator, admin, silenced, suspended.
    #[test]
    fn who_may_do_what() {
        use Action::*;
        #[rustfmt::skip]
        let table: &[(Action, S, &str)] = &[
            (Read,             S::Thread(OPEN),            "AAAAAAAA"),
            (Read,             S::Thread(PRIVATE_THREAD),  "AAAAAAAA"),
            (Read,             S::Post(LIVE),              "AAAAAAAA"),
            (Read,             S::Post(DELETED),           "GGGGGGGG"),
            (Read,             S::Own(DELETED),            "GGGGGGGG"),
            (Read,             S::Post(HIDDEN),            "GGGGAAGG"),
            (Read,             S::Own(HIDDEN),             "GAAAAAAA"),
            (Read,             S::Post(HELD),              "GGGGAAGG"),
            (Read,             S::Own(HELD),               "GAAAAAAA"),
            (Read,             S::Post(PRIVATE),           "LAAAAAAA"),
            (ReadRevisions,    S::Post(LIVE),              "LrrrAArr"),
            (ReadRevisions,    S::Own(LIVE),               "LAAAAAAA"),
            (ReadRevisions,    S::Post(DELETED),           "GGGGGGGG"),
            (StartThread,      S::Community,               "LAAAAAqx"),
            (Reply,            S::Thread(OPEN),            "LAAAAAqx"),
            (Reply,            S::Thread(PRIVATE_THREAD),  "LAAAAAqx"),
            (Reply,            S::Thread(LOCKED),          "LkkkAAqx"),
            (Reply,            S::Thread(SLOW),            "LwwwAAqx"),
            (Reply,            S::Thread(SLOW_DONE),       "LAAAAAqx"),
            (Edit,             S::Post(LIVE),              "LnnnAAnx"),
            (Edit,             S::Own(LIVE),               "LAAAAAqx"),
            (Edit,             S::Own(IN_LOCKED),          "LkkkAAqx"),
            (Edit,             S::Own(HIDDEN),             "LAAAAAqx"),
            (Edit,             S::Post(HIDDEN),            "LGGGAAGx"),
            (Edit,             S::Own(DELETED),            "LGGGGGGx"),
            (Delete,           S::Post(LIVE),              "LnnnAAnx"),
            (Delete,           S::Own(LIVE),               "LAAAAAAx"),
            (Delete,           S::Post(HELD),              "LGGGAAGx"),
            (Delete,           S::Post(DELETED),           "LGGGGGGx"),
            (Thank,            S::Post(LIVE),              "LAAAAAqx"),
            (Thank,            S::Own(LIVE),               "Loooooox"),
            (Thank,            S::Post(HIDDEN),            "LGGGGGGx"),
            (Thank,            S::Post(DELETED),           "LGGGGGGx"),
            (Flag,             S::Post(LIVE),              "LAAAAAqx"),
            (Flag,             S::Own(LIVE),               "Loooooox"),
            (Flag,             S::Post(HIDDEN),            "LGGGAAGx"),
            (Flag,             S::Post(HELD),              "LGGGGGGx"),
            (Flag,             S::Post(DELETED),           "LGGGGGGx"),
            (Moderate,         S::Community,               "LsssAAsx"),
            (ManageThreads,    S::Community,               "LsssAAsx"),
            (Trust,            S::Member(Role::Member),    "LsssAAsx"),
            (MemberNotes,      S::Member(Role::Member),    "LsssAAsx"),
            (ReadModLog,       S::Community,               "LsssAAsx"),
            (ExportModLog,     S::Community,               "LaaaaAax"),
            (Sanction,         S::Member(Role::Member),    "LsssAAsx"),
            (Sanction,         S::Member(Role::Moderator), "LssscAsx"),
            (Sanction,         S::Member(Role::Admin),     "Lsssccsx"),
            (Sanction,         S::Themselves,              "Lsssccsx"),
            (ManageCategories, S::Community,               "LaaaaAax"),
            (ManageSettings,   S::Community,               "LaaaaAax"),
            (LogRuns,          S::Community,               "LAAAAAAx"),
            (ChangeRun,        S::OwnRuns,                 "LAAAAAAx"),
            (ChangeRun,        S::Runner(true),            "LGGGGGGx"),
            (ReadProgress,     S::Runner(true),            "AAAAAAAA"),
            (ReadProgress,     S::Runner(false),           "pppppppp"),
            (ReadProgress,     S::OwnRuns,                 "pAAAAAAA"),
            (ReadPainLog,      S::Runner(true),            "pppppppp"),
            (ReadPainLog,      S::OwnRuns,                 "pAAAAAAA"),
            (ManagePlans,      S::Community,               "LaaaaAax"),
        ];
        let viewers = viewers();
        for (action, s, expected) in table {
            let got: String = viewers.iter().map(|(_, who)| cell(decide(*who, *action, subject(*s, *who)))).collect();
            assert_eq!(got, *expected, "{action:?} ({})", viewers.iter().map(|v| v.0).collect::<Vec<_>>().join(", "));
        }
        assert!(table.len() >= 50);
    }

    #[test]
    fn slow_mode_says_how_long_to_wait() {
        let m = Refusal::SlowMode(61).message();
        assert!(m.contains("2 minutes"), "{m}");
        assert!(Refusal::SlowMode(30).message().contains("1 minute."));
    }

    #[test]
    fn refusals_say_why_in_a_sentence() {
        for r in [Refusal::NotYours, Refusal::OwnPost, Refusal::OwnFlag, Refusal::StaffOnly, Refusal::AdminsOnly, Refusal::Silenced, Refusal::Locked, Refusal::NotSanctionable, Refusal::Private] {
            let m = r.message();
            assert!(m.ends_with('.') && m.chars().next().unwrap().is_uppercase(), "{m}");
        }
    }
}
