//! What executing an O&M event does to the network, and how finishing it puts everything back.
//!
//! At the start the maintained tunnels go down, traffic fails over to the other tunnel of a
//! connection where the event fails over, and the SSL clients of an event on the SSL address
//! (or of a single-tunnel gateway) are disconnected. Everything changed is recorded in a
//! [`Snapshot`] kept with the event, so that the finish restores exactly what was there before,
//! whatever happened to the topology meanwhile. The storage only writes these answers.

use serde::{Deserialize, Serialize};

use crate::event::OmEvent;
use crate::ids::{ConnectionId, GatewayId, TunnelId};
use crate::impact::{affected_resources, AffectedItem, Effect, Impact};
use crate::topology::{Connection, Gateway, TunnelState};

/// A tunnel as it is to be written: its state and whether it carries the connection's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelBefore {
    pub id: TunnelId,
    pub state: TunnelState,
    pub carries_traffic: bool,
}

/// The same shape, named for what it is when applied.
pub type TunnelChange = TunnelBefore;

/// What an execution started, kept with the event so that finishing it restores exactly that.
/// Its JSON form is stored in the database: keep field names and shapes stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The impact as computed at the start; the event's detail shows it from then on.
    pub impact: Impact,
    /// Every tunnel the event touched, with its state and traffic before the event. A tunnel
    /// may be recorded twice (by older versions); its earliest record is the one restored.
    pub tunnels: Vec<TunnelBefore>,
    /// SSL clients disconnected: the gateway and how many were connected.
    pub ssl_clients: Option<(GatewayId, u32)>,
}

/// What starting an event changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// Each touched tunnel once, as it is after the start, in the order first touched.
    pub tunnels: Vec<TunnelChange>,
    /// The gateway whose SSL clients are disconnected (set to zero).
    pub ssl_clients_disconnected: Option<GatewayId>,
    /// Tunnels that were available and go down: each raises a `tunnel_down` alert.
    pub alerts: Vec<TunnelId>,
    /// What to keep with the event for the finish.
    pub snapshot: Snapshot,
}

/// What finishing an event restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    /// Each recorded tunnel once, in its state before the event.
    pub tunnels: Vec<TunnelChange>,
    /// The gateway and the SSL client count to give back.
    pub ssl_clients: Option<(GatewayId, u32)>,
    /// Connections with an affected tunnel: their previous execution is this one.
    pub connections: Vec<ConnectionId>,
}

/// Starting `event` on the topology it hits (its gateway, if any, and the connections it may
/// affect), as [`affected_resources`] reads it.
pub fn start(event: &OmEvent, gateway: Option<&Gateway>, connections: &[Connection]) -> Start {
    let impact = affected_resources(event, gateway, connections);
    let mut before: Vec<TunnelBefore> = Vec::new();
    let mut after: Vec<TunnelChange> = Vec::new();
    let mut alerts = Vec::new();
    let mut ssl_clients = None;
    for item in &impact.affected {
        match item {
            AffectedItem::Tunnel {
                id,
                connection_id,
                state,
                carries_traffic,
                effect,
                ..
            } => {
                before.push(TunnelBefore {
                    id: id.clone(),
                    state: *state,
                    carries_traffic: *carries_traffic,
                });
                if *effect == Effect::Failover && *carries_traffic {
                    let connection = connections.iter().find(|c| &c.id == connection_id);
                    for other in connection.iter().flat_map(|c| c.tunnels.iter()) {
                        if &other.id == id {
                            continue;
                        }
                        let current = after
                            .iter()
                            .find(|t| t.id == other.id)
                            .map_or(other.state, |t| t.state);
                        before.push(TunnelBefore {
                            id: other.id.clone(),
                            state: other.state,
                            carries_traffic: other.carries_traffic,
                        });
                        set(
                            &mut after,
                            TunnelChange {
                                id: other.id.clone(),
                                state: current,
                                carries_traffic: true,
                            },
                        );
                    }
                }
                set(
                    &mut after,
                    TunnelChange {
                        id: id.clone(),
                        state: TunnelState::Unavailable,
                        carries_traffic: false,
                    },
                );
                if *state == TunnelState::Available {
                    alerts.push(id.clone());
                }
            }
            AffectedItem::SslClients {
                gateway_id, count, ..
            } => ssl_clients = Some((gateway_id.clone(), *count)),
        }
    }
    Start {
        tunnels: after,
        ssl_clients_disconnected: ssl_clients.as_ref().map(|(g, _)| g.clone()),
        alerts,
        snapshot: Snapshot {
            impact,
            tunnels: before,
            ssl_clients,
        },
    }
}

/// Records a tunnel's new condition; later steps see what earlier steps changed, as sequential
/// writes would.
fn set(after: &mut Vec<TunnelChange>, change: TunnelChange) {
    match after.iter_mut().find(|t| t.id == change.id) {
        Some(t) => *t = change,
        None => after.push(change),
    }
}

/// Finishing an event that started with `snapshot`.
pub fn finish(snapshot: &Snapshot) -> Finish {
    let mut tunnels: Vec<TunnelChange> = Vec::new();
    for t in &snapshot.tunnels {
        // The earliest record is the state before the event.
        if !tunnels.iter().any(|seen| seen.id == t.id) {
            tunnels.push(t.clone());
        }
    }
    let mut connections: Vec<ConnectionId> = Vec::new();
    for item in &snapshot.impact.affected {
        if let AffectedItem::Tunnel { connection_id, .. } = item {
            if !connections.contains(connection_id) {
                connections.push(connection_id.clone());
            }
        }
    }
    Finish {
        tunnels,
        ssl_clients: snapshot.ssl_clients.clone(),
        connections,
    }
}
