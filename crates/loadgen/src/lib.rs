//! Load benchmark for Talkshop on loopback.
//!
//! * [`load`]: the generator. N buyers and M staff on K server nodes: buyers
//!   create a visitor, open their conversation and hold a WebSocket; staff sign
//!   in and hold WebSockets that receive every conversation of the shop. At a
//!   fixed aggregate rate buyers send messages and staff reply to random
//!   conversations over HTTP; every receipt on every socket is timed.
//! * [`floor`]: a storage-free server that speaks the same subset of the HTTP +
//!   WebSocket protocol and only fans messages out, so the same generator
//!   measures what this machine can do at best.
//!
//! It prints numbers; it asserts nothing about them.

pub mod floor;
pub mod load;
pub mod marker;
pub mod procfs;
pub mod stats;
