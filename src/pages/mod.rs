mod connections;
mod gateways;
mod login;
mod notifications;

pub use connections::ConnectionsPage;
pub use gateways::GatewaysPage;
pub use login::LoginPage;
pub use notifications::NotificationsPage;
