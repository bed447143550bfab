mod connections;
mod gateways;
mod history;
mod login;
mod maintenance;
mod notifications;

pub use connections::ConnectionsPage;
pub use gateways::GatewaysPage;
pub use history::HistoryPage;
pub use login::LoginPage;
pub use maintenance::MaintenancePage;
pub use notifications::NotificationsPage;
