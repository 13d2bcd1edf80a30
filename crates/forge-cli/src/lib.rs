//! forge-cli library
