mod connections;
mod gateways;
mod history;
mod login;
mod notifications;

pub use connections::ConnectionsPage;
pub use gateways::GatewaysPage;
pub use history::HistoryPage;
pub use login::LoginPage;
pub use notifications::NotificationsPage;
