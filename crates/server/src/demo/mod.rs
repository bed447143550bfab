//! Demo data: a realistic set in which every case of the impact and schedule rules
//! (docs/DESIGN.md sections 3 and 4) can be seen, and a generator for big regions (benchmarks).
//!
//! `gen` makes the seeded identifiers and addresses, `builder` writes one gateway, connection or
//! event, `showcase` is the first region's example of every rule, `fleet` the ordinary bulk.

mod builder;
mod fleet;
mod gen;
mod redundant;
mod showcase;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use vpn_console_domain::impact::EVENT_DURATION_S;
use vpn_console_domain::{EventId, RegionId};

use crate::scheduler::Scheduler;
use crate::store::{hash_password, Role, Store, Tx};
use builder::Builder;
use gen::Gen;

pub const DEMO_PASSWORD: &str = "demo-password";

pub const REGIONS: [(&str, &str); 7] = [
    ("cn-hangzhou", "China (Hangzhou)"),
    ("cn-shanghai", "China (Shanghai)"),
    ("cn-beijing", "China (Beijing)"),
    ("cn-shenzhen", "China (Shenzhen)"),
    ("ap-southeast-1", "Singapore"),
    ("eu-central-1", "Germany (Frankfurt)"),
    ("us-west-1", "US (Silicon Valley)"),
];

/// The demo users: (account, email, role).
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("acme", "alice@acme.example", Role::Operator),
    ("acme", "victor@acme.example", Role::Viewer),
    ("globex", "gina@globex.example", Role::Operator),
];

const DEMO_ACCOUNTS: [(&str, &str); 2] = [("acme", "Acme Corporation"), ("globex", "Globex Inc.")];

fn builder<'a>(
    store: &'a Store,
    tx: &'a mut Tx,
    seed: u64,
    account: &str,
    region: &str,
    now: DateTime<Utc>,
    execution: Duration,
) -> anyhow::Result<Builder<'a>> {
    Ok(Builder {
        store,
        tx,
        gen: Gen::new(seed),
        now,
        account: account.to_owned(),
        region: region.parse()?,
        gateways: 0,
        execution,
        to_start: Vec::new(),
    })
}

/// Fills an empty database for the server whose scheduler is `scheduler`; returns false (and
/// does nothing) when the database holds data already.
///
/// Everything is written in one transaction, so a process killed while loading leaves the
/// database empty and the next start loads the demo again. The event shown running is then
/// started as this server's scheduler starts events: under its name, which it keeps renewing,
/// and for its execution time after the time scale.
pub async fn load(scheduler: &Scheduler) -> anyhow::Result<bool> {
    let store = &scheduler.store;
    let now = scheduler.clock.now();
    if !store.is_empty().await? {
        return Ok(false);
    }
    // Argon2 takes a while: hash before the transaction, which then holds the write lock less.
    let hash = hash_password(DEMO_PASSWORD)?;
    let execution = scheduler.execution_duration();
    let mut tx = store.begin().await?;
    for (i, (id, name)) in REGIONS.iter().enumerate() {
        match store
            .insert_region(&mut tx, &id.parse()?, name, i as i64)
            .await
        {
            // Another replica started at the same moment and is loading the demo: leave it to it.
            Err(e) if crate::store::is_unique_violation(&e) => return Ok(false),
            other => other?,
        }
    }
    // The store's create_account and create_user commit on their own; the demo's rows must
    // commit with the rest.
    for (id, name) in DEMO_ACCOUNTS {
        sqlx::query("INSERT INTO accounts (id, name) VALUES ($1, $2)")
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    for (account, email, role) in DEMO_USERS {
        sqlx::query(
            "INSERT INTO users (email, account_id, password_hash, role) VALUES ($1, $2, $3, $4)",
        )
        .bind(email)
        .bind(account)
        .bind(&hash)
        .bind(role.as_str())
        .execute(&mut *tx)
        .await?;
    }

    let mut to_start: Vec<(EventId, DateTime<Utc>)> = Vec::new();
    let mut b = builder(store, &mut tx, 1, "acme", "cn-hangzhou", now, execution)?;
    b.showcase().await?;
    b.fleet(60, "hz-gw").await?;
    b.transit_router_connections(12).await?;
    b.redundant_site().await?;
    to_start.append(&mut b.to_start);
    for (seed, region, prefix) in [
        (2, "cn-shanghai", "sh-gw"),
        (3, "ap-southeast-1", "sg-gw"),
        (4, "eu-central-1", "fra-gw"),
    ] {
        let mut b = builder(store, &mut tx, seed, "acme", region, now, execution)?;
        b.fleet(55, prefix).await?;
        b.transit_router_connections(6).await?;
    }
    for (seed, region, prefix) in [
        (5, "cn-hangzhou", "globex-hz"),
        (6, "cn-beijing", "globex-bj"),
    ] {
        let mut b = builder(store, &mut tx, seed, "globex", region, now, execution)?;
        b.fleet(25, prefix).await?;
        b.transit_router_connections(4).await?;
    }
    store.commit(tx).await.context("committing the demo data")?;
    // Killed here, the event is pending and overdue: the next scheduler pass starts it.
    for (id, at) in to_start {
        store
            .start_event(
                &id,
                at,
                execution,
                &scheduler.instance,
                scheduler.time_scale,
            )
            .await
            .with_context(|| format!("starting demo event {id}"))?;
    }
    // Published like any event: placed in the account's window, conflicts marked.
    for (account, _) in DEMO_ACCOUNTS {
        crate::planning::after_publish_all(store, account, now).await?;
    }
    store.refresh_statistics().await?;
    Ok(true)
}

/// A big region for benchmarks: `gateways` gateways of `account` in `region` (created if new),
/// and one more, `bench-wide-gateway`, whose pending event affects 100 tunnels. Returns how
/// many gateways it added.
///
/// Run again on the same database it adds only what is missing (issue 25): a region that has
/// its `gateways` already gets none, one with fewer gets the rest. The seeds come from the
/// account, the region and the batch, so no two batches of any region make the same ids.
pub async fn generate_region(
    store: &Store,
    account: &str,
    region: &str,
    gateways: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<u32> {
    let region_id: RegionId = region.parse()?;
    anyhow::ensure!(
        store.account_exists(account).await?,
        "no account '{account}'"
    );
    if !store.region_exists(&region_id).await? {
        let mut tx = store.begin().await?;
        store
            .insert_region(&mut tx, &region_id, &format!("Benchmark ({region})"), 100)
            .await?;
        store.commit(tx).await?;
    }
    let (present, mut batch, wide_present) = generated_so_far(store, account, region).await?;
    let seed = |batch: u64| region_seed(account, region).wrapping_add(batch);
    // No event of these runs now; the duration only fills the builder.
    let execution = Duration::seconds(i64::from(EVENT_DURATION_S));
    let mut done = 0;
    let wanted = gateways.saturating_sub(present);
    // A transaction per thousand gateways: a big region is written in bounded steps.
    while done < wanted {
        let n = (wanted - done).min(1000);
        let mut tx = store.begin().await?;
        let mut b = builder(
            store,
            &mut tx,
            seed(1000 + batch),
            account,
            region,
            now,
            execution,
        )?;
        b.fleet(n, &format!("bench-{batch:03}")).await?;
        done += b.gateways;
        store.commit(tx).await?;
        batch += 1;
    }
    if !wide_present {
        let mut tx = store.begin().await?;
        let mut b = builder(store, &mut tx, seed(999), account, region, now, execution)?;
        b.wide_gateway(100).await?;
        done += b.gateways;
        store.commit(tx).await?;
    }
    store.refresh_statistics().await?;
    Ok(done)
}

const WIDE_GATEWAY: &str = "bench-wide-gateway";

/// What earlier runs left in the region: how many fleet gateways, the next unused batch
/// number (from the names, `bench-NNN-…`), and whether the wide gateway is there.
async fn generated_so_far(
    store: &Store,
    account: &str,
    region: &str,
) -> anyhow::Result<(u32, u64, bool)> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, \
         SUM(CASE WHEN name = $3 THEN 1 ELSE 0 END) AS wide FROM gateways \
         WHERE account_id = $1 AND region_id = $2 AND name LIKE 'bench-%'",
    )
    .bind(account)
    .bind(region)
    .bind(WIDE_GATEWAY)
    .fetch_one(store.reader())
    .await?;
    let wide = row.try_get::<Option<i64>, _>("wide")?.unwrap_or(0) > 0;
    let n = row.try_get::<i64, _>("n")? - i64::from(wide);
    let last = sqlx::query(
        "SELECT MAX(name) AS last FROM gateways \
         WHERE account_id = $1 AND region_id = $2 AND name LIKE 'bench-%' AND name <> $3",
    )
    .bind(account)
    .bind(region)
    .bind(WIDE_GATEWAY)
    .fetch_one(store.reader())
    .await?
    .try_get::<Option<String>, _>("last")?;
    let next_batch = last
        .as_deref()
        .and_then(|name| {
            name.strip_prefix("bench-")?
                .split('-')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |b| b + 1);
    Ok((u32::try_from(n).unwrap_or(u32::MAX), next_batch, wide))
}

/// A seed of its own for each account and region (FNV-1a: the same on every build).
fn region_seed(account: &str, region: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in account.bytes().chain([b'/']).chain(region.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // Clear of the demo's own seeds (1 to 6) and of each other's batches.
    hash & !0xffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::{GatewayId, GatewayIpRole};

    #[test]
    fn generated_ids_parse() {
        let mut g = Gen::new(7);
        let id: GatewayId = g.id("vpn-");
        assert!(id.as_str().starts_with("vpn-bp1"));
        assert_eq!(id.as_str().len(), 4 + 20);
    }

    #[tokio::test]
    async fn a_generated_region_has_a_gateway_whose_event_affects_100_tunnels() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/console.db", dir.path().display());
        let store = Store::connect(&url).await.unwrap();
        store.create_account("acme", "Acme").await.unwrap();
        let added = generate_region(&store, "acme", "bench-1", 3, Utc::now()).await;
        assert_eq!(added.unwrap(), 4);
        let query = crate::store::ListQuery {
            search: "bench-wide-gateway".to_owned(),
            page: 1,
            page_size: 20,
        };
        let region: RegionId = "bench-1".parse().unwrap();
        let (items, total) = store.list_gateways("acme", &region, &query).await.unwrap();
        assert_eq!(total, 1);
        let id = items[0]
            .1
            .current
            .as_ref()
            .expect("a pending event")
            .id
            .clone();
        let event = store.event("acme", &id).await.unwrap().unwrap();
        assert_eq!(event.gateway_ip.role, GatewayIpRole::IpsecAddress1);
        let (gateway, connections) = store.event_topology("acme", &event).await.unwrap();
        let impact =
            vpn_console_domain::impact::affected_resources(&event, gateway.as_ref(), &connections);
        assert_eq!(impact.affected.len(), 100);
    }
}
