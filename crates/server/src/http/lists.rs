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

use super::extract::{ApiPath, ApiQuery, Auth};
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

/// Serves the page of `key` from the cache, or reads it with `read` and caches it.
async fn cached_page<T, F>(state: &AppState, key: PageKey, read: F) -> Result<Response>
where
    T: Serialize,
    F: std::future::Future<Output = Result<(Vec<T>, u64)>>,
{
    let head = match state.list_pages.get(&key) {
        Some(head) => head,
        None => {
            let generation = state.store.changes().generation();
            let (items, total) = read.await?;
            let page = Page {
                items,
                total,
                page: key.query.page,
                page_size: key.query.page_size,
                server_time: state.clock.now(),
            };
            let mut body =
                serde_json::to_vec(&page).map_err(|e| AppError::internal("writing a page", e))?;
            // No string value can hold this sequence (its quotes would be escaped), so the
            // last one is the field itself.
            let end = body
                .windows(SERVER_TIME_FIELD.len())
                .rposition(|w| w == SERVER_TIME_FIELD)
                .map(|at| at + SERVER_TIME_FIELD.len())
                .ok_or_else(|| AppError::internal("writing a page", "no server_time"))?;
            body.truncate(end);
            let head = Bytes::from(body);
            state.list_pages.put(key, head.clone(), generation);
            head
        }
    };
    let server_time = serde_json::to_vec(&state.clock.now())
        .map_err(|e| AppError::internal("writing a page", e))?;
    let mut body = Vec::with_capacity(head.len() + server_time.len() + 1);
    body.extend_from_slice(&head);
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

pub(super) async fn known_region(state: &AppState, region: &str) -> Result<RegionId> {
    let not_found = || {
        AppError::not_found(&format!(
            "Region '{}'",
            region.chars().take(40).collect::<String>()
        ))
    };
    let id: RegionId = region.parse().map_err(|_| not_found())?;
    if state.store.region_exists(&id).await? {
        Ok(id)
    } else {
        Err(not_found())
    }
}

/// VPN gateways of the region with their O&M Events column.
#[utoipa::path(get, path = "/regions/{region}/vpn-gateways", tag = "vpn-gateways",
    params(("region" = String, Path, description = "Region ID, e.g. cn-hangzhou"), ListParams),
    responses((status = 200, body = Page<GatewayItem>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_gateways(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(region): ApiPath<String>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response> {
    let query = params.check()?;
    let region = known_region(&state, &region).await?;
    let key = PageKey {
        account: principal.account,
        list: "vpn-gateways",
        region,
        query,
    };
    let read = async {
        let (items, total) = state
            .store
            .list_gateways(&key.account, &key.region, &key.query)
            .await?;
        let items = items
            .into_iter()
            .map(|(gateway, om_events)| GatewayItem { gateway, om_events })
            .collect();
        Ok((items, total))
    };
    cached_page::<GatewayItem, _>(&state, key.clone(), read).await
}

/// IPsec-VPN connections of the region, with tunnels and their O&M Events column.
#[utoipa::path(get, path = "/regions/{region}/ipsec-connections", tag = "ipsec-connections",
    params(("region" = String, Path, description = "Region ID, e.g. cn-hangzhou"), ListParams),
    responses((status = 200, body = Page<ConnectionItem>), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list_connections(
    State(state): State<AppState>,
    Auth(principal): Auth,
    ApiPath(region): ApiPath<String>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response> {
    let query = params.check()?;
    let region = known_region(&state, &region).await?;
    let key = PageKey {
        account: principal.account,
        list: "ipsec-connections",
        region,
        query,
    };
    let read = async {
        let (items, total) = state
            .store
            .list_connections(&key.account, &key.region, &key.query)
            .await?;
        let items = items
            .into_iter()
            .map(|(connection, om_events)| ConnectionItem {
                connection,
                om_events,
            })
            .collect();
        Ok((items, total))
    };
    cached_page::<ConnectionItem, _>(&state, key.clone(), read).await
}
