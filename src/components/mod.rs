mod chart;
mod dialog;
mod list;
mod om_cell;

pub use chart::AlertChart;
pub use dialog::OmEventDialog;
pub use list::{
    needs_follow, refresh_later, use_list_page, EmptyList, EventDialogHost, ListError, ListPage,
    ListToolbar, Pager,
};
pub use om_cell::{OmAction, OmCell};
