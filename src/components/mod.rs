mod chart;
mod dialog;
mod list;
mod list_page;
mod om_cell;

pub use chart::AlertChart;
pub use dialog::{BulkEventsDialog, OmEventDialog};
pub use list::EventDialogHost;
pub use list_page::{list_page, mark_console_live, needs_follow, ListItem, ListSpec, RowContext};
pub use om_cell::{om_select, OmAction, OmCell};
