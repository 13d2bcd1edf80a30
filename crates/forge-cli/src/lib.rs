//! forge-cli library
pub mod fmail;
