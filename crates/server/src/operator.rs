//! The provider's and the administrator's commands: publish and cancel events, accounts, tokens.

use chrono::{DateTime, Utc};
use vpn_console_domain::impact::affected_resources;
use vpn_console_domain::{
    Addresses, Attachment, EventId, EventStatus, GatewayId, GatewayIp, GatewayIpRole, OmEvent,
    Reason, ResourceRef, TunnelMode,
};

use crate::store::events::{NewEvent, PublishError};
use crate::store::Store;

/// Who runs an operator command, for the account audit log (`via: "cli"`): the
/// operating-system user, as the server cannot know the person otherwise.
pub fn cli_actor() -> String {
    ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "operator".to_owned())
}

/// Records an operator command's change of a user's account in its audit log.
pub async fn audit_cli(
    store: &Store,
    email: &str,
    action: &'static str,
    target: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let Some(account) = store.account_of_user(email).await? else {
        return Ok(());
    };
    let actor = cli_actor();
    let record = crate::store::audit::AuditRecord {
        account: &account,
        actor: &actor,
        via: "cli",
        action,
        target: Some(target),
        detail: Some(format!("of {}", email.to_lowercase())),
    };
    store.audit(now, &record).await?;
    Ok(())
}

/// Publishes an O&M event on a VPN gateway (`vpn-…`) or a transit-router connection (`vco-…`),
/// checking that the address belongs to the resource.
pub async fn publish_event(
    store: &Store,
    resource: &str,
    role: &str,
    reason: &str,
    default_execute_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<OmEvent> {
    let role = GatewayIpRole::parse(role).ok_or_else(|| {
        anyhow::anyhow!("unknown address role '{role}'; use one of ipsec_address_1, ipsec_address_2, ssl_address, gateway_address, tunnel_address")
    })?;
    let reason = Reason::parse(reason).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown reason '{reason}'; use system_upgrade, hardware_upgrade or issue_fix"
        )
    })?;
    anyhow::ensure!(
        default_execute_at > now,
        "the default execution time {default_execute_at} is not in the future"
    );
    let (account, region) = store
        .resource_owner(resource)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no VPN gateway or IPsec-VPN connection '{resource}'"))?;
    let (resource, ip) = if resource.starts_with(GatewayId::PREFIX) {
        let id: GatewayId = resource.parse()?;
        let g = store
            .gateway(&id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no gateway {id}"))?;
        let ip = match (&g.addresses, role) {
            (
                Addresses::Dual {
                    ipsec_address_1, ..
                },
                GatewayIpRole::IpsecAddress1,
            ) => *ipsec_address_1,
            (
                Addresses::Dual {
                    ipsec_address_2, ..
                },
                GatewayIpRole::IpsecAddress2,
            ) => *ipsec_address_2,
            (Addresses::Dual { ssl_address, .. }, GatewayIpRole::SslAddress) => *ssl_address,
            (Addresses::Single { gateway_address }, GatewayIpRole::GatewayAddress) => {
                *gateway_address
            }
            _ => anyhow::bail!(
                "a {} gateway has no {}",
                if g.tunnel_mode == TunnelMode::DualTunnel {
                    "dual-tunnel"
                } else {
                    "single-tunnel"
                },
                role.label()
            ),
        }
        .ok_or_else(|| anyhow::anyhow!("gateway {id} has no {} (is SSL-VPN off?)", role.label()))?;
        (ResourceRef::VpnGateway { id }, ip)
    } else {
        let c = store
            .connection(resource)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no connection {resource}"))?;
        anyhow::ensure!(
            matches!(c.attached_to, Attachment::TransitRouter { .. }),
            "{resource} is on a VPN gateway: publish the event on the gateway, which is what the provider maintains"
        );
        anyhow::ensure!(
            role == GatewayIpRole::TunnelAddress,
            "events on connections use the tunnel_address role"
        );
        // The first tunnel's address, unless told otherwise later; a connection's tunnels may share it.
        let ip = c
            .tunnels
            .first()
            .map(|t| t.gateway_ip)
            .ok_or_else(|| anyhow::anyhow!("{resource} has no tunnels"))?;
        (ResourceRef::IpsecConnection { id: c.id }, ip)
    };
    let id: EventId = format!("om-{}", &crate::store::accounts::new_token()[..20]).parse()?;
    let new = NewEvent {
        id: id.clone(),
        account_id: account.clone(),
        region,
        resource,
        gateway_ip: GatewayIp { role, ip },
        reason,
        status: EventStatus::Pending,
        default_execute_at,
        execute_at: default_execute_at,
        published_at: now,
        started_at: None,
        finished_at: None,
    };
    let mut tx = store.begin().await?;
    let event = match store.insert_event(&mut tx, &new).await {
        Ok(event) => event,
        Err(PublishError::AlreadyHasCurrentEvent) => {
            anyhow::bail!(
                "{} already has a pending or executing O&M event",
                new.resource.id_str()
            )
        }
        Err(PublishError::Db(e)) => return Err(e.into()),
    };
    store.commit(tx).await?;
    // Placed in the account's maintenance window, conflicts marked (DESIGN.md 10.2, 10.3).
    let event = crate::planning::after_publish(store, &account, &event, now).await?;
    let (g, c) = store.event_topology(&account, &event).await?;
    let impact = affected_resources(&event, g.as_ref(), &c);
    tracing::info!(event = %id, tunnels = impact.summary.tunnels, ssl_clients = impact.summary.ssl_clients, "published");
    Ok(event)
}
