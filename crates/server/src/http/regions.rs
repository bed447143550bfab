use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vpn_console_domain::api::Region;

use super::extract::Auth;
use super::{AppState, Result};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_regions))
}

/// The regions, in the order the region selector shows them.
#[utoipa::path(get, path = "/regions", tag = "regions",
    responses((status = 200, body = [Region]), (status = 401, body = vpn_console_domain::api::ApiError)))]
async fn list_regions(State(state): State<AppState>, _auth: Auth) -> Result<Json<Vec<Region>>> {
    Ok(Json(state.store.regions().await?))
}
