//! The VPN Gateways and IPsec Connections lists.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::{
    ApiError, ConnectionItem, GatewayItem, Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use vpn_console_domain::RegionId;

use super::extract::{ApiQuery, Auth, KnownRegion};
use super::{AppError, AppState, Result};
use crate::store::read_cache::ReadCache;
use crate::store::ListQuery;

/// A list page, by what identifies it: the account, which list, the region and the query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    account: String,
    list: &'static str,
    region: RegionId,
    query: ListQuery,
}

/// Pages as they were sent, up to and including `"server_time":`, the one field that differs
/// from one request to the next (it is the last, so the rest can be sent as it is).
pub type PageCache = ReadCache<PageKey, Bytes>;

const SERVER_TIME_FIELD: &[u8] = b",\"server_time\":";

impl PageKey {
    /// Checks the query of a list request in a known region.
    fn checked(
        account: String,
        list: &'static str,
        region: RegionId,
        params: ListParams,
    ) -> Result<Self> {
        let query = params.check()?;
        Ok(PageKey {
            account,
            list,
            region,
            query,
        })
    }
}

/// The page as it was sent last, if nothing was written since.
fn cached_page(state: &AppState, key: &PageKey) -> Result<Option<Response>> {
    state
        .list_pages
        .get(key)
        .map(|head| page_response(state, &head))
        .transpose()
}

/// Sends a page just read (under `generation`, taken before the read) and keeps it.
fn fresh_page<T: Serialize>(
    state: &AppState,
    key: PageKey,
    generation: u64,
    (items, total): (Vec<T>, u64),
) -> Result<Response> {
    let page = Page {
        items,
        total,
        page: key.query.page,
        page_size: key.query.page_size,
        server_time: state.clock.now(),
    };
    let mut body =
        serde_json::to_vec(&page).map_err(|e| AppError::internal("writing a page", e))?;
    // No string value can hold this sequence (its quotes would be escaped), so the last one is
    // the field itself.
    let end = body
        .windows(SERVER_TIME_FIELD.len())
        .rposition(|w| w == SERVER_TIME_FIELD)
        .map(|at| at + SERVER_TIME_FIELD.len())
        .ok_or_else(|| AppError::internal("writing a page", "no server_time"))?;
    body.truncate(end);
    let head = Bytes::from(body);
    let response = page_response(state, &head);
    state.list_pages.put(key, head, generation);
    response
}

/// A page's head with the server time of this answer.
fn page_response(state: &AppState, head: &Bytes) -> Result<Response> {
    let server_time = serde_json::to_vec(&state.clock.now())
        .map_err(|e| AppError::internal("writing a page", e))?;
    let mut body = Vec::with_capacity(head.len() + server_time.len() + 1);
    body.extend_from_slice(head);
    body.extend_from_slice(&server_time);
    body.push(b'}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gateways))
        .routes(routes!(list_connections))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search in ID and name (case-insensitive substring).
    q: Option<String>,
    /// 1-based page number.
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Items per page, at most 100.
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<u32>,
}

impl ListParams {
    fn check(self) -> Result<ListQuery> {
        let page = self.page.unwrap_or(1);
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 {
            return Err(AppError::bad_request("invalid_page", "page starts at 1."));
        }
        if page > 1_000_000 {
            return Err(AppError::bad_request("invalid_page", "page is too large."));
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(AppError::bad_request(
                "invalid_page_size",
                format!("page_size must be between 1 and {MAX_PAGE_SIZE}."),
            ));
        }
        let search = self.q.unwrap_or_default().trim().to_owned();
        if search.chars().count() > 128 {
            return Err(AppError::bad_request(
                "invalid_query",
                "q is longer than 128 characters.",
            ));
        }
        Ok(ListQuery {
            search,
            page,
            page_size,
        })
    }
}

/// VPN gateways of the region with their O&M Events column.
#[utoipa::path(get, path = "/regions/{region}/vpn-gateways", tag = "vpn-gateways",
    params(("region" = String, Path, description = "Region ID, e.g. cn-hangzhou"), ListParams),
    responses((status = 200, body = Page<GatewayItem>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_gateways(
    State(state): State<AppState>,
    Auth(principal): Auth,
    KnownRegion(region): KnownRegion,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response> {
    let key = PageKey::checked(principal.account, "vpn-gateways", region, params)?;
    if let Some(page) = cached_page(&state, &key)? {
        return Ok(page);
    }
    let generation = state.store.changes().generation();
    let (items, total) = state
        .store
        .list_gateways(&key.account, &key.region, &key.query)
        .await?;
    let mut items: Vec<_> = items
        .into_iter()
        .map(|(gateway, om_events)| GatewayItem { gateway, om_events })
        .collect();
    crate::planning::mark_conflicts(&state.store, items.iter_mut().map(|i| &mut i.om_events))
        .await?;
    fresh_page(&state, key, generation, (items, total))
}

/// IPsec-VPN connections of the region, with tunnels and their O&M Events column.
#[utoipa::path(get, path = "/regions/{region}/ipsec-connections", tag = "ipsec-connections",
    params(("region" = String, Path, description = "Region ID, e.g. cn-hangzhou"), ListParams),
    responses((status = 200, body = Page<ConnectionItem>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_connections(
    State(state): State<AppState>,
    Auth(principal): Auth,
    KnownRegion(region): KnownRegion,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response> {
    let key = PageKey::checked(principal.account, "ipsec-connections", region, params)?;
    if let Some(page) = cached_page(&state, &key)? {
        return Ok(page);
    }
    let generation = state.store.changes().generation();
    let (items, total) = state
        .store
        .list_connections(&key.account, &key.region, &key.query)
        .await?;
    let mut items: Vec<_> = items
        .into_iter()
        .map(|(connection, om_events)| ConnectionItem {
            connection,
            om_events,
        })
        .collect();
    crate::planning::mark_conflicts(&state.store, items.iter_mut().map(|i| &mut i.om_events))
        .await?;
    fresh_page(&state, key, generation, (items, total))
}
