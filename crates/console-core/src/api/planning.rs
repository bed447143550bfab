//! The planning endpoints (DESIGN.md 10.3), as `api::planning`: the account's maintenance
//! window with its preview, and the freeze periods. A refusal of the rules (422) names the
//! request field it is about, so the settings page can show it next to that field.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use vpn_console_domain::planning::{FreezePeriod, FreezePeriodSpec, MaintenanceWindowSpec};

use super::{decode, get, json_body, send, success_body, CallError, Method};
use crate::paths::ApiPath;

const WINDOW: &str = "/maintenance-window";
const FREEZES: &str = "/freeze-periods";

pub use vpn_console_domain::planning::WindowMove;

/// The moves of a preview (`moves`) or of a saved window (`moved`).
#[derive(Deserialize)]
struct Moves {
    #[serde(alias = "moved")]
    moves: Vec<WindowMove>,
}

/// A failed call, with the request field a rule's refusal names.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub error: CallError,
    pub field: Option<String>,
}

impl From<CallError> for Refused {
    fn from(error: CallError) -> Self {
        Refused { error, field: None }
    }
}

async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, Refused> {
    let answer = send(method, &ApiPath::new(path), &[], body).await?;
    // Read from the parsed body as is: a type of its own costs the wasm a deserializer.
    let field = match (&answer.body, answer.status) {
        (Some(b), 422) => js_sys::Reflect::get(b, &"field".into())
            .ok()
            .and_then(|f| f.as_string()),
        _ => None,
    };
    decode(answer).map_err(|error| Refused { error, field })
}

/// The account's window; `None` when it has none (404).
pub async fn window() -> Result<Option<MaintenanceWindowSpec>, CallError> {
    match get(&ApiPath::new(WINDOW)).await {
        Err(CallError::Api { status: 404, .. }) => Ok(None),
        other => other.map(Some),
    }
}

/// Which events `spec` would move where; nothing is saved.
pub async fn preview_window(spec: &MaintenanceWindowSpec) -> Result<Vec<WindowMove>, Refused> {
    let path = format!("{WINDOW}/preview");
    let m: Moves = call(Method::Post, &path, Some(json_body(spec))).await?;
    Ok(m.moves)
}

/// Saves the window; answers the events it moved.
pub async fn save_window(spec: &MaintenanceWindowSpec) -> Result<Vec<WindowMove>, Refused> {
    let m: Moves = call(Method::Put, WINDOW, Some(json_body(spec))).await?;
    Ok(m.moves)
}

/// Answers without a body (204) are a success on their status alone.
async fn no_content(path: &str) -> Result<(), CallError> {
    let answer = send(Method::Delete, &ApiPath::new(path), &[], None).await?;
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        success_body(answer).map(|_| ())
    }
}

pub async fn remove_window() -> Result<(), CallError> {
    no_content(WINDOW).await
}

pub async fn freezes() -> Result<Vec<FreezePeriod>, CallError> {
    get(&ApiPath::new(FREEZES)).await
}

/// Adds a freeze period; the page lists them again, so the answer's body is not read.
pub async fn add_freeze(spec: &FreezePeriodSpec) -> Result<(), Refused> {
    let _: serde::de::IgnoredAny = call(Method::Post, FREEZES, Some(json_body(spec))).await?;
    Ok(())
}

pub async fn delete_freeze(id: String) -> Result<(), CallError> {
    let id: String = js_sys::encode_uri_component(&id).into();
    no_content(&format!("{FREEZES}/{id}")).await
}
