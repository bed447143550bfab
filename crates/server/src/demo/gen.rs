//! One seeded generator for every identifier, address and name of the demo, so the demo is the
//! same on every machine.

use std::net::{IpAddr, Ipv4Addr};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Builds identifiers, addresses and names from one seeded generator, so the demo is the same
/// on every machine.
pub(super) struct Gen {
    pub(super) rng: StdRng,
    next_ip: u32,
}

impl Gen {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            next_ip: 0,
        }
    }

    pub(super) fn suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let tail: String = (0..17)
            .map(|_| ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        format!("bp1{tail}")
    }

    pub(super) fn id<T: std::str::FromStr>(&mut self, prefix: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        format!("{prefix}{}", self.suffix())
            .parse()
            .expect("generated ids are valid")
    }

    /// Public-looking provider addresses, never repeated.
    pub(super) fn provider_ip(&mut self) -> IpAddr {
        self.next_ip += 1;
        let n = self.next_ip;
        IpAddr::V4(Ipv4Addr::new(
            47,
            96 + ((n >> 16) & 0x1f) as u8,
            (n >> 8) as u8,
            (n & 0xff) as u8,
        ))
    }

    pub(super) fn customer_ip(&mut self) -> IpAddr {
        self.next_ip += 1;
        let n = self.next_ip;
        IpAddr::V4(Ipv4Addr::new(
            116,
            62 + ((n >> 16) & 0x1f) as u8,
            (n >> 8) as u8,
            (n & 0xff) as u8,
        ))
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }
}
