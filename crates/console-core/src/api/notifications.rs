//! The notification endpoints (DESIGN.md sections 9 and 15), as `api::notifications`: one
//! function each.

use vpn_console_domain::notifications::{
    CalendarFeed, Channel, CreatedWebhook, Deliveries, NewChannel, NewWebhook, Webhook,
};

use super::{decode, get, json_body, send, success_body, CallError, Method};
use crate::paths::ApiPath;

/// Answers without a body (202, 204) are a success on their status alone.
pub(super) async fn no_content(method: Method, path: &ApiPath) -> Result<(), CallError> {
    let answer = send(method, path, &[], None).await?;
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        success_body(answer).map(|_| ())
    }
}

pub async fn webhooks() -> Result<Vec<Webhook>, CallError> {
    get(&ApiPath::new("/webhooks")).await
}

pub async fn create_webhook(new: NewWebhook) -> Result<CreatedWebhook, CallError> {
    let body = json_body(&new);
    decode(send(Method::Post, &ApiPath::new("/webhooks"), &[], Some(body)).await?)
}

pub async fn delete_webhook(id: String) -> Result<(), CallError> {
    no_content(Method::Delete, &ApiPath::new(format!("/webhooks/{id}"))).await
}

pub async fn test_webhook(id: String) -> Result<(), CallError> {
    no_content(Method::Post, &ApiPath::new(format!("/webhooks/{id}/test"))).await
}

pub async fn deliveries(id: String) -> Result<Deliveries, CallError> {
    get(&ApiPath::new(format!("/webhooks/{id}/deliveries"))).await
}

pub async fn channels() -> Result<Vec<Channel>, CallError> {
    get(&ApiPath::new("/channels")).await
}

pub async fn create_channel(new: NewChannel) -> Result<Channel, CallError> {
    let body = json_body(&new);
    decode(send(Method::Post, &ApiPath::new("/channels"), &[], Some(body)).await?)
}

pub async fn delete_channel(id: String) -> Result<(), CallError> {
    no_content(Method::Delete, &ApiPath::new(format!("/channels/{id}"))).await
}

pub async fn test_channel(id: String) -> Result<(), CallError> {
    no_content(Method::Post, &ApiPath::new(format!("/channels/{id}/test"))).await
}

pub async fn channel_deliveries(id: String) -> Result<Deliveries, CallError> {
    get(&ApiPath::new(format!("/channels/{id}/deliveries"))).await
}

pub async fn retry_delivery(id: String, delivery: String) -> Result<(), CallError> {
    let path = ApiPath::new(format!("/webhooks/{id}/deliveries/{delivery}/retry"));
    no_content(Method::Post, &path).await
}

pub async fn create_calendar_feed() -> Result<CalendarFeed, CallError> {
    decode(send(Method::Post, &ApiPath::new("/calendar-feed"), &[], None).await?)
}

pub async fn delete_calendar_feed() -> Result<(), CallError> {
    no_content(Method::Delete, &ApiPath::new("/calendar-feed")).await
}
