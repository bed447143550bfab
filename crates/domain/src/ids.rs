//! Identifiers that parse: a value of these types is valid by construction.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not an identifier of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    pub kind: &'static str,
    pub input: String,
    pub reason: &'static str,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long inputs are cut so that an error message never echoes a huge body back.
        let shown: String = self.input.chars().take(80).collect();
        write!(f, "'{shown}' is not a valid {}: {}", self.kind, self.reason)
    }
}

impl std::error::Error for IdError {}

/// Longest identifier accepted; anything longer is refused rather than stored.
pub const MAX_ID_LEN: usize = 64;

fn check_suffix(kind: &'static str, input: &str, suffix: &str) -> Result<(), IdError> {
    let err = |reason| IdError {
        kind,
        input: input.to_owned(),
        reason,
    };
    if input.len() > MAX_ID_LEN {
        return Err(err("it is too long"));
    }
    if suffix.is_empty() {
        return Err(err("nothing follows the prefix"));
    }
    if !suffix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(err(
            "only lowercase letters and digits may follow the prefix",
        ));
    }
    Ok(())
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = json!(concat!($prefix, "bp1example0001"))))]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                match s.strip_prefix($prefix) {
                    Some(rest) => check_suffix($kind, s, rest).map(|()| Self(s.to_owned())),
                    None => Err(IdError {
                        kind: $kind,
                        input: s.to_owned(),
                        reason: concat!("it must start with '", $prefix, "'"),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// A VPN gateway, `vpn-…`.
    GatewayId, "vpn-", "VPN gateway ID"
);
prefixed_id!(
    /// An IPsec-VPN connection, `vco-…`.
    ConnectionId, "vco-", "IPsec-VPN connection ID"
);
prefixed_id!(
    /// A tunnel of an IPsec-VPN connection, `tun-…`.
    TunnelId, "tun-", "tunnel ID"
);
prefixed_id!(
    /// A customer gateway (the customer's side of a tunnel), `cgw-…`.
    CustomerGatewayId, "cgw-", "customer gateway ID"
);
prefixed_id!(
    /// A transit router, `tr-…`.
    TransitRouterId, "tr-", "transit router ID"
);
prefixed_id!(
    /// An O&M event, `om-…`.
    EventId, "om-", "O&M event ID"
);

/// A region such as `cn-hangzhou` or `ap-southeast-1`: lowercase words and digits joined by
/// single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "cn-hangzhou"))]
pub struct RegionId(String);

impl RegionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RegionId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let err = |reason| IdError {
            kind: "region ID",
            input: s.to_owned(),
            reason,
        };
        if s.is_empty() || s.len() > 32 {
            return Err(err("it must have 1 to 32 characters"));
        }
        let words_ok = s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !words_ok || !s.contains('-') {
            return Err(err(
                "it must be lowercase words and digits joined by hyphens, like cn-hangzhou",
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for RegionId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<RegionId> for String {
    fn from(id: RegionId) -> String {
        id.0
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
