//! The VPN Gateways and IPsec Connections lists.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::{
    ApiError, ConnectionItem, GatewayItem, Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use vpn_console_domain::RegionId;

use super::extract::{ApiPath, ApiQuery, Auth};
use super::{AppError, AppState, Result};
use crate::store::ListQuery;

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
) -> Result<Json<Page<GatewayItem>>> {
    let query = params.check()?;
    let region = known_region(&state, &region).await?;
    let (items, total) = state
        .store
        .list_gateways(&principal.account, &region, &query)
        .await?;
    Ok(Json(Page {
        items: items
            .into_iter()
            .map(|(gateway, om_events)| GatewayItem { gateway, om_events })
            .collect(),
        total,
        page: query.page,
        page_size: query.page_size,
        server_time: state.clock.now(),
    }))
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
) -> Result<Json<Page<ConnectionItem>>> {
    let query = params.check()?;
    let region = known_region(&state, &region).await?;
    let (items, total) = state
        .store
        .list_connections(&principal.account, &region, &query)
        .await?;
    Ok(Json(Page {
        items: items
            .into_iter()
            .map(|(connection, om_events)| ConnectionItem {
                connection,
                om_events,
            })
            .collect(),
        total,
        page: query.page,
        page_size: query.page_size,
        server_time: state.clock.now(),
    }))
}
