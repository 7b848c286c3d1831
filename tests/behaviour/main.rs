//! Behaviour tests: each starts a real server and talks HTTP to it.

mod accounts;
mod backup;
mod crash;
mod errors;
mod feeds;
mod first_hour;
mod imports;
mod hostile;
mod leaving;
mod live;
mod mail;
mod migrate;
mod moderation;
mod notify;
mod ops;
mod pictures;
mod posts;
mod process;
mod programme;
mod queries;
mod replica;
mod safety;
mod search;
mod scenario;
mod support;
mod xss;
