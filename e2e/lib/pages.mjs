// Every page type, as a guest and as a logged-in admin.
export const GUEST_PAGES = ['/', '/search', '/search?q=shin+splints', '/c/injuries', '/t/1/back-pain-following-run', '/u/runningnearbeirut', '/login', '/register', '/t/999/missing', '/password/forgot', '/password/reset/not-a-live-token',
  '/run', '/run?plan=couch-to-5k&run=w5r3', '/plans', '/plans/couch-to-5k', '/u/jogon_jen', '/guidelines'];
export const MEMBER_PAGES = ['/', '/search?q=knee&category=injuries&sort=date', '/new-thread?category=injuries', '/new', '/unread', '/settings', '/t/1/back-pain-following-run', '/t/1/back-pain-following-run/reply?quote=1', '/notifications', '/u/site_admin', '/c/injuries', '/u/runningnearbeirut', '/admin', '/p/2/edit',
  '/mod', '/mod/log', '/mod/users/runningnearbeirut', '/mod/threads/1/split', '/mod/threads/1/move', '/p/3/flag',
  '/run', '/runs', '/plans', '/admin/plans'];
// What a held post looks like to its author (set up by `holdAPost`).
export const HELD_PAGE = '/t/1/back-pain-following-run';
// A runner with a pain log (set up by `logPain`): their run log, their own
// profile with the pain chart, a run's edit and share pages.
export const RUNNER = 'nervous_nina';
export const RUNNER_PAGES = ['/runs', '/run', '/u/nervous_nina', '/runs/1/edit', '/runs/1/share', '/new-thread?category=injuries'];
