mod connections;
mod gateways;
mod login;

pub use connections::ConnectionsPage;
pub use gateways::GatewaysPage;
pub use login::LoginPage;
