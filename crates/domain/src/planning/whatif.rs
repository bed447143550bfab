//! What-if (DESIGN.md 10.1): the dialog lets the user flip a tunnel's state or its traffic and
//! shows the preview recomputed in the browser, without a request and without changing anything.

use serde::{Deserialize, Serialize};

use crate::event::OmEvent;
use crate::ids::TunnelId;
use crate::impact::{affected_resources, Impact};
use crate::topology::{Connection, Gateway, TunnelState};

/// A what-if change to one tunnel; `None` keeps what the tunnel has now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelChange {
    pub tunnel_id: TunnelId,
    pub state: Option<TunnelState>,
    pub carries_traffic: Option<bool>,
}

/// The topology with `changes` applied (later changes to a tunnel win). A changed tunnel that
/// is unavailable carries no traffic.
pub fn with_changes(connections: &[Connection], changes: &[TunnelChange]) -> Vec<Connection> {
    let mut next = connections.to_vec();
    for tunnel in next.iter_mut().flat_map(|c| c.tunnels.iter_mut()) {
        for change in changes.iter().filter(|c| c.tunnel_id == tunnel.id) {
            if let Some(state) = change.state {
                tunnel.state = state;
            }
            if let Some(carries) = change.carries_traffic {
                tunnel.carries_traffic = carries;
            }
            // Only a changed tunnel is made consistent: no change, no difference from the preview.
            if tunnel.state == TunnelState::Unavailable {
                tunnel.carries_traffic = false;
            }
        }
    }
    next
}

/// The impact of `event` if the tunnels were as `changes` say: the dialog's what-if, computed
/// in the browser without a request and without changing anything.
pub fn what_if(
    event: &OmEvent,
    gateway: Option<&Gateway>,
    connections: &[Connection],
    changes: &[TunnelChange],
) -> Impact {
    affected_resources(event, gateway, &with_changes(connections, changes))
}
