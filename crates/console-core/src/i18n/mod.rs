//! Every string the console shows, in English and Simplified Chinese. Components name a
//! [`Msg`] and never hold user-visible text themselves. The provider's own words (regions,
//! gateway states, advice) are in `provider.rs`.

mod format;
mod planning;
mod provider;
mod verification;

pub use format::{duration, effect, page_status, reason, role, status, summary};

pub use planning::{
    advice_heading, advice_text, bulk_impact, conflict_free_offer, conflict_text,
    conflicts_heading, day_name, DAYS,
};
pub use provider::{gateway_status, recommendation, region_name};
pub use verification::{health, hint, hold_reason, previous_verdict, tunnel_result, verdict_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// From a BCP 47 tag such as the browser's `navigator.language`.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The `lang` attribute of the page.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    pub fn text(self, m: Msg) -> &'static str {
        match self {
            Lang::En => m.en(),
            Lang::Zh => m.zh(),
        }
    }
}

/// Declares each message once with both languages, so none can lack one.
macro_rules! messages {
    ($($(#[$only:meta])? $key:ident => $en:literal, $zh:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($(#[$only])? $key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$($(#[$only])? Msg::$key),*];

            pub fn en(self) -> &'static str {
                match self { $($(#[$only])? Msg::$key => $en),* }
            }

            pub fn zh(self) -> &'static str {
                match self { $($(#[$only])? Msg::$key => $zh),* }
            }
        }
    };
}

messages! {
    Product => "VPN Gateway", "VPN 网关";
    Region => "Region", "地域";
    LoadingRegions => "Loading regions…", "正在加载地域…";
    TimesIn => "Times in", "时间显示";
    MyTimeZone => "my time zone", "本地时区";
    Utc => "UTC", "UTC";
    Language => "Language", "语言";
    LogOut => "Log out", "退出登录";
    SkipToContent => "Skip to content", "跳到主要内容";
    NavVpn => "VPN", "VPN";
    VpnGateways => "VPN Gateways", "VPN 网关";
    IpsecConnections => "IPsec Connections", "IPsec 连接";
    History => "O&M event history", "运维事件历史";
    #[cfg(feature = "lazy-strings")]
    DownloadCsvRegion => "Download CSV (this region)", "下载 CSV（当前地域）";
    #[cfg(feature = "lazy-strings")]
    DownloadCsvAll => "Download CSV (all regions)", "下载 CSV（全部地域）";
    PageNotFound => "Page not found", "页面不存在";
    GoToGateways => "Go to VPN Gateways", "前往 VPN 网关";
    LoadingConsole => "Loading the console…", "正在加载控制台…";
    LoginTitle => "VPN Gateway console", "VPN 网关控制台";
    LoginIntro => "Log in to view and schedule the O&M events of your VPN gateways and IPsec-VPN connections.", "登录后可查看并安排 VPN 网关和 IPsec-VPN 连接的运维事件。";
    Email => "Email", "邮箱";
    Password => "Password", "密码";
    LogIn => "Log in", "登录";
    LoggingIn => "Logging in…", "正在登录…";
    Search => "Search", "搜索";
    Clear => "Clear", "清除";
    Refresh => "Refresh", "刷新";
    RefreshList => "Refresh the list", "刷新列表";
    TryAgain => "Try again", "重试";
    Previous => "‹ Previous", "‹ 上一页";
    Next => "Next ›", "下一页 ›";
    Pages => "Pages", "分页";
    SearchGateways => "Search by gateway ID or name", "按网关 ID 或名称搜索";
    SearchConnections => "Search by connection ID or name", "按连接 ID 或名称搜索";
    LoadingGateways => "Loading VPN gateways…", "正在加载 VPN 网关…";
    LoadingConnections => "Loading IPsec-VPN connections…", "正在加载 IPsec-VPN 连接…";
    GatewaysCaption => "VPN gateways in this region", "本地域的 VPN 网关";
    ConnectionsCaption => "IPsec-VPN connections in this region", "本地域的 IPsec-VPN 连接";
    NoGateways => "No VPN gateways in this region.", "本地域没有 VPN 网关。";
    NoConnections => "No IPsec-VPN connections in this region.", "本地域没有 IPsec-VPN 连接。";
    NoMatch => "Nothing matches", "没有匹配项";
    GatewaysNoun => "VPN gateways", "个 VPN 网关";
    ConnectionsNoun => "IPsec-VPN connections", "个 IPsec-VPN 连接";
    ColInstance => "Instance ID/Name", "实例 ID/名称";
    ColStatus => "Status", "状态";
    ColTunnelMode => "Tunnel mode", "隧道模式";
    ColAddresses => "Gateway IP addresses", "网关 IP 地址";
    ColSslClients => "SSL clients", "SSL 客户端";
    ColOmEvents => "O&M Events", "运维事件";
    ColActions => "Actions", "操作";
    ColConnection => "Connection ID/Name", "连接 ID/名称";
    ColAttachedTo => "Attached to", "绑定资源";
    ColTunnels => "Tunnels", "隧道";
    DualTunnel => "Dual-tunnel", "双隧道";
    SingleTunnel => "Single-tunnel", "单隧道";
    IpsecAddress1 => "IPsec Address 1", "IPsec 地址 1";
    IpsecAddress2 => "IPsec Address 2", "IPsec 地址 2";
    SslAddress => "SSL address", "SSL 地址";
    GatewayAddress => "Gateway address", "网关地址";
    TunnelAddress => "Tunnel address", "隧道地址";
    VpnGateway => "VPN gateway", "VPN 网关";
    TransitRouter => "Transit router", "转发路由器";
    Tunnel => "Tunnel", "隧道";
    CustomerGateway => "Customer gateway", "用户网关";
    Available => "Available", "可用";
    Unavailable => "Unavailable", "不可用";
    Traffic => "Traffic", "有流量";
    Current => "Current: ", "当前：";
    Default => "Default: ", "默认：";
    Scheduled => "Scheduled: ", "已设定：";
    PreviousEvent => "Previous: ", "上次：";
    VerdictVerified => "✓ verified", "✓ 已验证恢复";
    VerdictVerifying => "… verifying", "… 正在验证";
    VerdictTunnelNotBack => "tunnel did not come back", "条隧道未恢复";
    VerdictTunnelsNotBack => "tunnels did not come back", "条隧道未恢复";
    VerdictTunnelShort => "tunnel came back short of routes", "条隧道恢复后路由缺失";
    VerdictTunnelsShort => "tunnels came back short of routes", "条隧道恢复后路由缺失";
    VerificationHeading => "Did it come back?", "维护后是否恢复？";
    VerificationVerified => "Verified: every tunnel came back.", "已验证：所有隧道均已恢复。";
    VerificationPending => "Verifying: waiting for the tunnels to come back until", "正在验证：等待隧道恢复，截止";
    VerificationDegraded => "Degraded: a tunnel came back without all its BGP routes.", "部分恢复：有隧道恢复后 BGP 路由不全。";
    VerificationFailed => "Failed: a tunnel did not come back.", "失败：有隧道未恢复。";
    VerificationCaption => "Each affected tunnel before and after the maintenance", "每条受影响隧道在维护前后的状态";
    ColBefore => "Before", "维护前";
    ColAfter => "After", "维护后";
    ColResult => "Result", "结果";
    ColWhatToDo => "What to do", "处理建议";
    ResultOk => "Back", "已恢复";
    ResultRoutesMissing => "Routes missing", "路由缺失";
    ResultBgpDown => "BGP down", "BGP 断开";
    ResultDown => "Down", "未恢复";
    IkeUp => "IKE up", "IKE 已连接";
    IkeDown => "IKE down", "IKE 断开";
    BgpEstablished => "BGP established", "BGP 已建立";
    BgpDown => "BGP down", "BGP 断开";
    Routes => "routes", "条路由";
    HintInitiateBefore => "Your device answers IKE but does not start it: start the tunnel from", "您的设备只响应 IKE 而不主动发起：请从";
    HintInitiateAfter => "(IKEv1 / startup action add).", "发起隧道（IKEv1 / 启动动作 add）。";
    HintCheckCgwBefore => "Check customer gateway", "请检查用户网关";
    HintCheckCgwAfter => ": its IKE does not come up.", "：IKE 未能建立。";
    HintBgpBefore => "Check the BGP session and the routes advertised by", "请检查 BGP 会话以及";
    HintBgpAfter => ".", "通告的路由。";
    Recheck => "Re-check now", "立即重新检查";
    Rechecking => "Re-checking…", "正在重新检查…";
    NotCompletedYet => "The event has not completed yet: there is nothing to check.", "该事件尚未完成，暂无可检查的内容。";
    StartAnyway => "Start it anyway", "仍然立即开始";
    StartAnywayTitle => "Start a held event?", "要开始已暂缓的事件吗？";
    StartAnywayText => "This event is held by O&M event", "此事件正被运维事件暂缓：";
    StartAnywayRisk => "Starting it now may take down both paths of the site at once.", "现在开始可能导致站点的两条路径同时中断。";
    HeldBy => "Held: waiting for O&M event", "已暂缓：等待运维事件";
    HoldPartnerExecuting => "the other path of the site is under maintenance now", "该站点的另一条路径正在维护";
    HoldPartnerVerifying => "the other path's tunnels are not verified back yet", "另一条路径的隧道尚未验证恢复";
    HoldPartnerFailed => "a tunnel of the other path did not come back", "另一条路径有隧道未恢复";
    HoldThen => "It starts as soon as the hold clears, at the latest 2 hours after its execution time.", "暂缓解除后立即开始，最迟在执行时间后 2 小时开始。";
    OmEvents => "O&M Events", "运维事件";
    OmEventsOf => "O&M Events of", "运维事件：";
    NoPendingEvent => "No pending O&M event", "没有待执行的运维事件";
    Executing => "Executing", "执行中";
    DialogTitle => "O&M Events", "运维事件";
    Close => "Close", "关闭";
    LoadingEvent => "Loading the O&M event…", "正在加载运维事件…";
    EventId => "Event ID", "事件 ID";
    Reason => "Reason", "原因";
    Status => "Status", "状态";
    DefaultExecutionTime => "Default execution time", "默认执行时间";
    ScheduledExecutionTime => "Scheduled execution time", "设定的执行时间";
    ExecutionTime => "Execution time", "执行时间";
    #[cfg(feature = "lazy-strings")]
    Finished => "Finished", "结束时间";
    GatewayIpAddress => "Gateway IP address", "网关 IP 地址";
    NoLongerPending => "This event can no longer be executed or rescheduled.", "该事件已无法执行或修改执行时间。";
    AffectedResources => "Affected resources", "受影响的资源";
    NothingAffected => "No tunnel or SSL client uses this gateway IP address, so the event does not affect your network.", "没有隧道或 SSL 客户端使用该网关 IP 地址，此事件不影响您的网络。";
    AffectedCaption => "Resources affected by this O&M event", "受此运维事件影响的资源";
    ColResource => "Resource", "资源";
    ColIpAndCgw => "Gateway IP / customer gateway", "网关 IP / 用户网关";
    ColState => "State", "状态";
    ColImpact => "Impact", "影响";
    ColInterruption => "Longest interruption", "最长中断";
    ColRecommendation => "How to reduce the impact", "如何降低影响";
    EventLog => "Event history", "事件记录";
    Loading => "Loading…", "加载中…";
    ExecutionTimeLegend => "Execution time", "执行时间";
    ExecuteNow => "Execute Now", "立即执行";
    SpecifyExecutionTime => "Specify Execution Time", "指定执行时间";
    YourTimeZone => "your time zone", "您的时区";
    ConfirmTitle => "Execute this O&M event now?", "立即执行此运维事件？";
    ConfirmText => "The maintenance starts immediately.", "运维将立即开始。";
    ViewerReason => "Your role is viewer: you can look at O&M events but not change them.", "您的角色是只读用户：可以查看运维事件，但不能修改。";
    Ok => "OK", "确定";
    Retry => "Retry", "重试";
    Sending => "Sending…", "正在提交…";
    Cancel => "Cancel", "取消";
    Back => "Back", "返回";
    LivePaused => "Live updates paused — retrying", "实时更新已暂停，正在重试";
    ChangedUnderYou => "This O&M event has just changed; the dialog shows its new state.", "该运维事件刚刚发生了变化，对话框已显示其最新状态。";
    ChangedMeanwhile => "This O&M event changed meanwhile; it has been reloaded. Review it and choose again.", "该运维事件已被修改并已重新加载，请确认后重新选择。";
    ApprovalNeeded => "This change needs another person's approval: say why.", "此变更需要他人审批：请说明原因。";
    ApprovalReason => "Reason", "原因";
    ApprovalTicket => "Ticket (optional)", "工单号（可选）";
    SentForApproval => "Sent for approval. It is applied when another person approves it.", "已提交审批，他人批准后即执行。";
    ResultSentForApproval => "sent for approval", "已提交审批";
    AwaitingApproval => "Waiting for approval", "等待审批";
    ApprovalRequestedBy => "requested by", "申请人";
    ApprovalExpires => "expires", "到期";
    CancelRequest => "Cancel request", "撤回申请";
    NotReached => "The request did not reach the server. Nothing is known to have changed.", "请求未到达服务器，没有任何已知的修改。";
    NoTunnelAffected => "No tunnel is affected", "没有隧道受影响";
    Connected => "connected", "已连接";
    #[cfg(feature = "lazy-strings")]
    AlertTrend => "Alert trend", "告警趋势";
    #[cfg(feature = "lazy-strings")]
    Events => "Events", "事件";
    #[cfg(feature = "lazy-strings")]
    HistoryIntro => "O&M events of the last 30 days in this region, and the alerts raised for your VPN gateway resources.", "本地域最近 30 天的运维事件，以及 VPN 网关资源的告警。";
    #[cfg(feature = "lazy-strings")]
    LoadingAlerts => "Loading alerts…", "正在加载告警…";
    #[cfg(feature = "lazy-strings")]
    LoadingEvents => "Loading O&M events…", "正在加载运维事件…";
    #[cfg(feature = "lazy-strings")]
    NoEvents => "No O&M events in the last 30 days.", "最近 30 天没有运维事件。";
    #[cfg(feature = "lazy-strings")]
    HistoryCaption => "O&M events of the last 30 days, newest first", "最近 30 天的运维事件，按时间倒序";
    ReasonSystemUpgrade => "System upgrade", "系统升级";
    ReasonHardwareUpgrade => "Hardware upgrade", "硬件升级";
    ReasonIssueFix => "Issue fix", "问题修复";
    StatusPending => "Pending", "待执行";
    StatusExecuting => "Executing", "执行中";
    StatusCompleted => "Completed", "已完成";
    StatusFailed => "Failed", "失败";
    StatusCancelled => "Cancelled", "已取消";
    EffectFailover => "Fails over", "切换";
    EffectInterruption => "Interrupted", "中断";
    EffectNone => "Not affected", "不受影响";
    EffectDisconnect => "Disconnected", "断开";
    ErrNotPending => "This O&M event is no longer pending; only a pending event can be executed or rescheduled.", "该运维事件已不是待执行状态，只有待执行的事件可以执行或修改执行时间。";
    ErrAfterDefault => "The execution time must not be later than the default execution time", "执行时间不能晚于默认执行时间";
    ErrInThePast => "The execution time is in the past", "执行时间早于当前时间";
    ErrNonexistent => "This time does not exist in your time zone (the clocks skip it for daylight saving time). Choose another time.", "该时间在您的时区不存在（夏令时跳过了此时间），请选择其他时间。";
    ErrAmbiguous => "This time happens twice in your time zone because the clocks go back. Choose another time or show times in UTC.", "由于时钟回拨，该时间在您的时区出现两次。请选择其他时间或改用 UTC 显示。";
    ErrEmptyTime => "Choose a date and time.", "请选择日期和时间。";
    ErrMalformedTime => "Enter the time as YYYY-MM-DD HH:MM.", "请按 YYYY-MM-DD HH:MM 格式输入时间。";
    ErrForbidden => "Your role cannot change O&M events. Ask an operator of your account.", "您的角色不能修改运维事件，请联系账号的运维人员。";
    ErrNetwork => "The console cannot reach the server.", "控制台无法连接服务器。";
    BetweenNowAndDefault => "Between now and the default execution time,", "可选时间：现在至默认执行时间";
    DurNone => "none", "无";
    DurUnderMinute => "under 1 minute", "不到 1 分钟";
    Minutes => "minutes", "分钟";
    UpTo => "up to", "最长";
    SumFailover => "fail over", "条隧道切换";
    SumInterrupted => "interrupted", "条隧道中断";
    SumUnaffected => "not affected", "条隧道不受影响";
    SumAtMost => "at most", "最长中断";
    SumSslDisconnect => "SSL clients disconnect", "个 SSL 客户端断开";
    #[cfg(feature = "lazy-strings")]
    ChartLabel => "Alerts per day over the last 30 days", "最近 30 天每天的告警数";
    #[cfg(feature = "lazy-strings")]
    ChartTotal => "in all, at most", "条，单日最多";
    #[cfg(feature = "lazy-strings")]
    ChartAlerts => "alerts", "条告警";
    GatewayActive => "active", "正常";
    GatewayInit => "initializing", "初始化中";
    GatewayProvisioning => "provisioning", "准备中";
    GatewayUpdating => "updating", "更新中";
    GatewayDeleting => "deleting", "删除中";
    // Notifications (DESIGN.md section 9).
    Notifications => "Notifications", "通知";
    #[cfg(feature = "lazy-strings")]
    NotificationsIntro => "Every O&M event reaches your own tools: signed webhooks (Standard Webhooks) and a calendar feed.", "每个运维事件都会送达您自己的工具：签名的 Webhook（Standard Webhooks）和日历订阅。";
    #[cfg(feature = "lazy-strings")]
    Webhooks => "Webhooks", "Webhook";
    #[cfg(feature = "lazy-strings")]
    WebhookUrl => "Endpoint URL", "接收地址";
    #[cfg(feature = "lazy-strings")]
    WebhookDescription => "Description", "描述";
    #[cfg(feature = "lazy-strings")]
    EventTypes => "Event types (none checked: all)", "事件类型（不勾选即全部）";
    #[cfg(feature = "lazy-strings")]
    AllEventTypes => "all", "全部";
    #[cfg(feature = "lazy-strings")]
    AddWebhook => "Add webhook", "添加 Webhook";
    #[cfg(feature = "lazy-strings")]
    NoWebhooks => "No webhook yet.", "尚未添加 Webhook。";
    #[cfg(feature = "lazy-strings")]
    LoadingWebhooks => "Loading webhooks…", "正在加载 Webhook…";
    #[cfg(feature = "lazy-strings")]
    WebhookSecret => "Signing secret, shown only now:", "签名密钥（仅显示这一次）：";
    #[cfg(feature = "lazy-strings")]
    Copy => "Copy", "复制";
    #[cfg(feature = "lazy-strings")]
    Copied => "Copied", "已复制";
    #[cfg(feature = "lazy-strings")]
    SendTest => "Send test", "发送测试";
    #[cfg(feature = "lazy-strings")]
    TestQueued => "Test ping queued.", "测试消息已排队。";
    #[cfg(feature = "lazy-strings")]
    ShowDeliveries => "Deliveries", "投递记录";
    Delete => "Delete", "删除";
    #[cfg(feature = "lazy-strings")]
    WebhookEnabled => "enabled", "已启用";
    #[cfg(feature = "lazy-strings")]
    WebhookDisabled => "disabled (answered 410)", "已停用（对方返回 410）";
    #[cfg(feature = "lazy-strings")]
    DeliveriesOf => "Deliveries of", "投递记录：";
    #[cfg(feature = "lazy-strings")]
    NoDeliveries => "No delivery yet.", "尚无投递。";
    #[cfg(feature = "lazy-strings")]
    ColType => "Type", "类型";
    #[cfg(feature = "lazy-strings")]
    Attempts => "Attempts", "尝试次数";
    #[cfg(feature = "lazy-strings")]
    NextAttempt => "Next attempt", "下次尝试";
    #[cfg(feature = "lazy-strings")]
    LastAnswer => "Last answer", "最近应答";
    #[cfg(feature = "lazy-strings")]
    Created => "Created", "创建时间";
    #[cfg(feature = "lazy-strings")]
    StatusDelivered => "Delivered", "已送达";
    #[cfg(feature = "lazy-strings")]
    ViewerWebhooks => "Your role is viewer: you can see the webhooks and their deliveries but not change them.", "您的角色为只读：可以查看 Webhook 及其投递记录，但不能修改。";
    #[cfg(feature = "lazy-strings")]
    Channels => "Channels", "通知渠道";
    #[cfg(feature = "lazy-strings")]
    ChannelsIntro => "A message for each matching change, in the channel's language and time zone, naming the resource, its region, the time and the worst interruption, with a link to the event.", "每个匹配的变更发送一条消息，使用渠道的语言和时区，写明资源、地域、时间和最长中断，并附事件链接。";
    #[cfg(feature = "lazy-strings")]
    ChannelKindLabel => "Kind", "渠道类型";
    #[cfg(feature = "lazy-strings")]
    ChannelName => "Name", "名称";
    #[cfg(feature = "lazy-strings")]
    ChannelTarget => "Target", "目标";
    #[cfg(feature = "lazy-strings")]
    ColFilters => "Filters", "过滤条件";
    #[cfg(feature = "lazy-strings")]
    ChannelSecret => "Signing secret (optional; stored encrypted, never shown again)", "加签密钥（可选；加密保存，不再显示）";
    #[cfg(feature = "lazy-strings")]
    ChannelLanguage => "Message language", "消息语言";
    #[cfg(feature = "lazy-strings")]
    AddChannel => "Add channel", "添加渠道";
    #[cfg(feature = "lazy-strings")]
    NoChannels => "No channel yet.", "尚未添加通知渠道。";
    #[cfg(feature = "lazy-strings")]
    LoadingChannels => "Loading channels…", "正在加载通知渠道…";
    #[cfg(feature = "lazy-strings")]
    ChannelDisabled => "disabled", "已停用";
    #[cfg(feature = "lazy-strings")]
    ViewerChannels => "Your role is viewer: you can see the channels and their deliveries but not change them.", "您的角色为只读：可以查看通知渠道及其投递记录，但不能修改。";
    #[cfg(feature = "lazy-strings")]
    ChannelTestQueued => "Test message queued: it is sent once, not retried.", "测试消息已排队：只发送一次，不重试。";
    #[cfg(feature = "lazy-strings")]
    ConfirmDeleteChannel => "Delete this channel? Its messages stop.", "确定删除此渠道？其消息将停止发送。";
    #[cfg(feature = "lazy-strings")]
    ChannelFiltersLegend => "Filters (none set: every change)", "过滤条件（不设置即全部变更）";
    #[cfg(feature = "lazy-strings")]
    ChannelRegions => "Regions (none checked: all)", "地域（不勾选即全部）";
    #[cfg(feature = "lazy-strings")]
    MinInterruption => "Minimum interruption", "最短中断";
    #[cfg(feature = "lazy-strings")]
    AnyInterruption => "any, including none", "任意（含无中断）";
    #[cfg(feature = "lazy-strings")]
    SomeInterruption => "some interruption", "有中断";
    #[cfg(feature = "lazy-strings")]
    AtLeast => "at least", "至少";
    #[cfg(feature = "lazy-strings")]
    AllRegions => "all regions", "全部地域";
    #[cfg(feature = "lazy-strings")]
    KindEmail => "E-mail", "邮件";
    #[cfg(feature = "lazy-strings")]
    KindSlack => "Slack", "Slack";
    #[cfg(feature = "lazy-strings")]
    KindTeams => "Microsoft Teams", "Microsoft Teams";
    #[cfg(feature = "lazy-strings")]
    KindDingtalk => "DingTalk", "钉钉";
    #[cfg(feature = "lazy-strings")]
    KindWecom => "WeCom", "企业微信";
    #[cfg(feature = "lazy-strings")]
    KindLark => "Lark", "飞书";
    #[cfg(feature = "lazy-strings")]
    KindPagerduty => "PagerDuty", "PagerDuty";
    #[cfg(feature = "lazy-strings")]
    TargetEmail => "E-mail address", "邮箱地址";
    #[cfg(feature = "lazy-strings")]
    TargetSlack => "Incoming webhook URL", "Incoming Webhook 地址";
    #[cfg(feature = "lazy-strings")]
    TargetTeams => "Workflows webhook URL", "Workflows Webhook 地址";
    #[cfg(feature = "lazy-strings")]
    TargetRobot => "Robot webhook URL", "机器人 Webhook 地址";
    #[cfg(feature = "lazy-strings")]
    TargetRoutingKey => "Routing key (Events API v2)", "路由密钥（Events API v2）";
    #[cfg(feature = "lazy-strings")]
    HintEmail => "One address, such as ops@example.com; mail goes through the server's relay.", "一个邮箱地址，例如 ops@example.com；邮件经服务器配置的中继发送。";
    #[cfg(feature = "lazy-strings")]
    HintSlack => "The URL Slack gives an incoming webhook: https://hooks.slack.com/services/…", "Slack 为 Incoming Webhook 提供的地址：https://hooks.slack.com/services/…";
    #[cfg(feature = "lazy-strings")]
    HintTeams => "The URL of a Workflows flow \"When a Teams webhook request is received\".", "Workflows 流程“收到 Teams Webhook 请求时”的地址。";
    #[cfg(feature = "lazy-strings")]
    HintDingtalk => "The custom robot's URL with its access_token: https://oapi.dingtalk.com/robot/send?access_token=… If the robot signs, add its secret below.", "自定义机器人的地址（含 access_token）：https://oapi.dingtalk.com/robot/send?access_token=… 若机器人开启加签，请在下方填写密钥。";
    #[cfg(feature = "lazy-strings")]
    HintWecom => "The group robot's URL: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…", "群机器人的地址：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…";
    #[cfg(feature = "lazy-strings")]
    HintLark => "The custom bot's URL: https://open.feishu.cn/open-apis/bot/v2/hook/… (or open.larksuite.com). If signature verification is on, add its secret below.", "自定义机器人的地址：https://open.feishu.cn/open-apis/bot/v2/hook/…（或 open.larksuite.com）。若开启签名校验，请在下方填写密钥。";
    #[cfg(feature = "lazy-strings")]
    HintPagerduty => "The routing key of an Events API v2 integration: 32 letters and digits.", "Events API v2 集成的路由密钥：32 位字母和数字。";
    #[cfg(feature = "lazy-strings")]
    HintTimeZone => "An IANA name, such as Asia/Shanghai or Europe/Berlin: message times are written in it.", "IANA 名称，例如 Asia/Shanghai 或 Europe/Berlin：消息中的时间按此时区书写。";
    #[cfg(feature = "lazy-strings")]
    CalendarFeed => "Calendar feed", "日历订阅";
    #[cfg(feature = "lazy-strings")]
    CalendarIntro => "A secret address for your calendar app: the O&M events, with an alarm a day ahead. Only you have it; a new one retires the old.", "供日历应用订阅的私密地址：列出运维事件，并提前一天提醒。仅您本人可见；新地址生成后旧地址即失效。";
    #[cfg(feature = "lazy-strings")]
    CreateFeed => "Create feed URL", "创建订阅地址";
    #[cfg(feature = "lazy-strings")]
    RotateFeed => "Rotate", "更换地址";
    #[cfg(feature = "lazy-strings")]
    DeleteFeed => "Delete feed", "删除订阅";
    #[cfg(feature = "lazy-strings")]
    FeedUrl => "Feed URL", "订阅地址";
    #[cfg(feature = "lazy-strings")]
    FeedDeleted => "The feed URL no longer works.", "订阅地址已失效。";
    // What-if and maintenance settings (DESIGN.md 10.1, 10.3).
    LoadingPart => "Loading…", "正在加载…";
    PartFailed => "This part of the console could not be loaded", "无法加载控制台的这一部分";
    WhatIfTitle => "What if… — nothing is changed", "假如…（不会做任何更改）";
    // The rest only in crates/console-pages, which compiles this file with the feature.
    #[cfg(feature = "lazy-strings")]
    WhatIfIntro => "Flip a tunnel to see the impact recomputed here in your browser: nothing is sent and nothing changes. A tunnel the preview does not describe is assumed up.", "切换隧道状态，即可在浏览器中重新计算影响：不发送任何请求，也不做任何更改。预览未描述的隧道按已启用处理。";
    #[cfg(feature = "lazy-strings")]
    WhatIfUp => "Up", "已启用";
    #[cfg(feature = "lazy-strings")]
    WhatIfTraffic => "Carries traffic", "承载流量";
    #[cfg(feature = "lazy-strings")]
    WhatIfTunnels => "Affected tunnels", "受影响隧道";
    #[cfg(feature = "lazy-strings")]
    WhatIfWorst => "Worst interruption", "最长中断";
    #[cfg(feature = "lazy-strings")]
    WhatIfReset => "Reset to the real topology", "恢复为实际拓扑";
    Maintenance => "Maintenance settings", "运维设置";
    #[cfg(feature = "lazy-strings")]
    MaintenanceIntro => "Events whose time no one chose are placed at the latest opening of the window no later than their default time, outside freeze periods.", "未被人为指定时间的事件，会被安排在不晚于默认时间的最近一次窗口开启时，并避开冻结期。";
    #[cfg(feature = "lazy-strings")]
    MaintenanceWindow => "Maintenance window", "运维窗口";
    #[cfg(feature = "lazy-strings")]
    NoWindow => "No maintenance window yet: events run at their default times.", "尚未设置运维窗口：事件按默认时间执行。";
    #[cfg(feature = "lazy-strings")]
    LoadingSettings => "Loading the settings…", "正在加载设置…";
    #[cfg(feature = "lazy-strings")]
    ViewerSettings => "Your role is viewer: you can see the settings but not change them.", "您的角色为只读：可以查看设置，但不能修改。";
    #[cfg(feature = "lazy-strings")]
    TimeZone => "Time zone (IANA)", "时区（IANA）";
    #[cfg(feature = "lazy-strings")]
    Days => "Days", "日期";
    #[cfg(feature = "lazy-strings")]
    StartTime => "Opens at (HH:MM)", "开启时间（HH:MM）";
    #[cfg(feature = "lazy-strings")]
    DurationMinutes => "Duration (minutes, 60–1440)", "时长（分钟，60–1440）";
    #[cfg(feature = "lazy-strings")]
    Preview => "Preview", "预览";
    #[cfg(feature = "lazy-strings")]
    SaveWindow => "Save window", "保存窗口";
    #[cfg(feature = "lazy-strings")]
    RemoveWindow => "Remove window", "删除窗口";
    #[cfg(feature = "lazy-strings")]
    PreviewFirst => "Preview the window first: Save is enabled once you have seen what it moves.", "请先预览：看到窗口会移动哪些事件后才能保存。";
    #[cfg(feature = "lazy-strings")]
    NothingMoves => "No event would move.", "没有事件会被移动。";
    #[cfg(feature = "lazy-strings")]
    WouldMove => "Events that would move", "将被移动的事件";
    #[cfg(feature = "lazy-strings")]
    MovedEvents => "Saved. Events moved", "已保存。已移动的事件";
    #[cfg(feature = "lazy-strings")]
    WindowRemoved => "The window is removed: its events are back at their default times.", "窗口已删除：相关事件已恢复为默认时间。";
    #[cfg(feature = "lazy-strings")]
    ColEvent => "Event", "事件";
    #[cfg(feature = "lazy-strings")]
    ColFrom => "From", "原时间";
    #[cfg(feature = "lazy-strings")]
    ColTo => "To", "新时间";
    #[cfg(feature = "lazy-strings")]
    NoFit => "no opening fits: stays at its default", "没有合适的窗口：保持默认时间";
    #[cfg(feature = "lazy-strings")]
    FreezePeriods => "Freeze periods", "冻结期";
    #[cfg(feature = "lazy-strings")]
    NoFreezes => "No freeze periods.", "暂无冻结期。";
    #[cfg(feature = "lazy-strings")]
    StartsAt => "Starts", "开始";
    #[cfg(feature = "lazy-strings")]
    EndsAt => "Ends", "结束";
    #[cfg(feature = "lazy-strings")]
    FreezeReason => "Reason", "原因";
    #[cfg(feature = "lazy-strings")]
    AddFreeze => "Add freeze period", "添加冻结期";
    #[cfg(feature = "lazy-strings")]
    ConfirmDelete => "Delete this freeze period?", "确定删除此冻结期？";
    #[cfg(feature = "lazy-strings")]
    YesDelete => "Yes, delete", "确定删除";
    #[cfg(feature = "lazy-strings")]
    KeepIt => "Keep it", "保留";
    // Conflict mark and bulk O&M Events dialog (DESIGN.md 10.2, 10.4).
    Conflict => "Conflict", "冲突";
    ConflictTitle => "Executes at the same time as another event on the same customer gateway: the site may lose its redundant paths at once.", "与同一客户网关上的另一事件同时执行：站点可能同时失去冗余路径。";
    SelectEventOf => "Select the O&M event of", "选择运维事件：";
    SelectAllOnPage => "Select every pending O&M event on this page", "全选本页待执行的事件";
    SelectedCount => "Selected:", "已选择：";
    HandleOmEvents => "Handle O&M events", "处理运维事件";
    BulkTitle => "O&M Events (bulk)", "批量处理运维事件";
    BulkConflicts => "Conflicts known now:", "当前已知的冲突：";
    NoConflicts => "none", "无";
    BulkLoading => "Loading the selected O&M events…", "正在加载所选运维事件…";
    BetweenNowAndEarliest => "Between now and the earliest default execution time among the selected,", "可选时间：现在至所选事件中最早的默认执行时间";
    ErrAfterEarliest => "The execution time must not be later than the earliest default execution time among the selected", "执行时间不能晚于所选事件中最早的默认执行时间";
    ResultDone => "Done", "已完成";
    ResultRefused => "Refused:", "被拒绝：";
    AllowConflict => "Run them anyway, although a customer gateway would lose its redundant paths at once", "仍然执行（客户网关将同时失去冗余路径）";
    // All regions at once (DESIGN.md 16): the navigation's name in the first load, the page lazy.
    OverviewNav => "Overview", "概览";
    #[cfg(feature = "lazy-strings")]
    OverviewIntro => "Every region at once: the maintenance of the coming days, what is at risk and why.", "所有地域一览：未来几天的运维、存在风险的事件及原因。";
    #[cfg(feature = "lazy-strings")]
    LoadingOverview => "Loading the overview…", "正在加载概览…";
    #[cfg(feature = "lazy-strings")]
    Timeline => "Timeline", "时间线";
    #[cfg(feature = "lazy-strings")]
    ShowAsTable => "Show as table", "以表格显示";
    #[cfg(feature = "lazy-strings")]
    Zoom => "Days shown", "显示天数";
    #[cfg(feature = "lazy-strings")]
    DaysN => "days", "天";
    #[cfg(feature = "lazy-strings")]
    AtRisk => "At risk", "存在风险";
    #[cfg(feature = "lazy-strings")]
    NothingAtRisk => "No event in this period is at risk.", "此期间没有存在风险的事件。";
    #[cfg(feature = "lazy-strings")]
    CountsPerRegion => "Per region", "各地域";
    #[cfg(feature = "lazy-strings")]
    ColRegion => "Region", "地域";
    #[cfg(feature = "lazy-strings")]
    ColPending => "Pending", "待执行";
    #[cfg(feature = "lazy-strings")]
    ColExecuting => "Executing", "执行中";
    #[cfg(feature = "lazy-strings")]
    ColHeld => "Held", "已暂缓";
    #[cfg(feature = "lazy-strings")]
    ColAwaitingApproval => "Awaiting approval", "待审批";
    #[cfg(feature = "lazy-strings")]
    ColAtRisk => "At risk", "存在风险";
    #[cfg(feature = "lazy-strings")]
    ColSite => "Site", "站点";
    #[cfg(feature = "lazy-strings")]
    ColWorstInterruption => "Worst interruption", "最长中断";
    #[cfg(feature = "lazy-strings")]
    ColWhyAtRisk => "Why at risk", "风险原因";
    #[cfg(feature = "lazy-strings")]
    NoEventsInRange => "No O&M event in this period.", "此期间没有运维事件。";
    #[cfg(feature = "lazy-strings")]
    OverviewTableCaption => "O&M events of every region in this period", "此期间所有地域的运维事件";
    #[cfg(feature = "lazy-strings")]
    TimelineLabel => "Timeline of the O&M events: one lane per site", "运维事件时间线：每个站点一行";
    #[cfg(feature = "lazy-strings")]
    LegendNone => "no interruption", "无中断";
    #[cfg(feature = "lazy-strings")]
    LegendShort => "under 1 minute", "1 分钟以内";
    #[cfg(feature = "lazy-strings")]
    LegendLong => "several minutes", "数分钟";
    #[cfg(feature = "lazy-strings")]
    LegendFreeze => "freeze period", "冻结期";
    #[cfg(feature = "lazy-strings")]
    LegendWindow => "maintenance window", "运维窗口";
    #[cfg(feature = "lazy-strings")]
    LegendNow => "now", "现在";
    #[cfg(feature = "lazy-strings")]
    MarkConflict => "conflict", "冲突";
    #[cfg(feature = "lazy-strings")]
    MarkHeld => "held", "已暂缓";
    #[cfg(feature = "lazy-strings")]
    RiskSingleTunnel => "single-tunnel connection", "单隧道连接";
    #[cfg(feature = "lazy-strings")]
    RiskNoRedundantPath => "no redundant path", "无冗余路径";
    #[cfg(feature = "lazy-strings")]
    RiskDeadline => "default time within 48 hours", "默认执行时间不足 48 小时";
    #[cfg(feature = "lazy-strings")]
    RiskConflict => "conflicts with another event", "与其他事件冲突";
    #[cfg(feature = "lazy-strings")]
    RiskHeld => "held", "已暂缓";
    #[cfg(feature = "lazy-strings")]
    RiskAwaitingApproval => "awaiting approval", "待审批";
    #[cfg(feature = "lazy-strings")]
    RiskOutsideWindow => "outside the maintenance window", "不在运维窗口内";
    #[cfg(feature = "lazy-strings")]
    RiskLastVerificationFailed => "the last maintenance did not verify", "上次运维未通过验证";
    ReportsNav => "Reports", "报表";
    #[cfg(feature = "lazy-strings")]
    ReportsIntro => "Each site's month: minutes down for maintenance (planned) and otherwise, and its availability with and without the planned minutes.", "每个站点的月度情况：运维（计划内）和其他原因的中断分钟数，以及计入与不计入计划内中断的可用率。";
    #[cfg(feature = "lazy-strings")]
    Month => "Month", "月份";
    #[cfg(feature = "lazy-strings")]
    DownloadCsv => "Download CSV", "下载 CSV";
    #[cfg(feature = "lazy-strings")]
    LoadingReport => "Loading the report…", "正在加载报表…";
    #[cfg(feature = "lazy-strings")]
    NoSites => "This account has no site.", "此账号没有站点。";
    #[cfg(feature = "lazy-strings")]
    ReportCaption => "Availability per site", "各站点可用率";
    #[cfg(feature = "lazy-strings")]
    ColPlannedMinutes => "Planned minutes", "计划内分钟数";
    #[cfg(feature = "lazy-strings")]
    ColOtherMinutes => "Other minutes", "其他分钟数";
    #[cfg(feature = "lazy-strings")]
    ColAvailability => "Availability", "可用率";
    #[cfg(feature = "lazy-strings")]
    ColAvailabilityExcludingPlanned => "Excluding planned", "不计计划内";
    // Account audit log (DESIGN.md 17): the navigation's name in the first load, the page lazy.
    AuditLog => "Audit log", "操作审计";
    #[cfg(feature = "lazy-strings")]
    AuditLogIntro => "Every change to this account that is not an O&M event's own log: log-ins, tokens, users, webhooks, channels, the calendar feed, the maintenance window, freeze periods and the approval policy.", "本账号除运维事件自身日志以外的所有变更：登录、令牌、用户、Webhook、通知渠道、日历订阅、运维窗口、冻结期和审批策略。";
    #[cfg(feature = "lazy-strings")]
    AuditLogCaption => "Account audit log, newest first", "账号操作审计，最新在前";
    #[cfg(feature = "lazy-strings")]
    AuditLogOperatorsOnly => "Only operators can read the audit log.", "仅运维人员可以查看操作审计。";
    #[cfg(feature = "lazy-strings")]
    LoadingAuditLog => "Loading the audit log…", "正在加载操作审计…";
    #[cfg(feature = "lazy-strings")]
    NoAuditEntries => "Nothing was changed in this period.", "此期间没有任何变更。";
    #[cfg(feature = "lazy-strings")]
    ColWhen => "When", "时间";
    #[cfg(feature = "lazy-strings")]
    ColActor => "Who", "操作人";
    #[cfg(feature = "lazy-strings")]
    ColVia => "Through", "方式";
    #[cfg(feature = "lazy-strings")]
    ColAction => "Action", "操作";
    #[cfg(feature = "lazy-strings")]
    ColTarget => "On", "对象";
    #[cfg(feature = "lazy-strings")]
    ColDetail => "Detail", "详情";
    #[cfg(feature = "lazy-strings")]
    LastDays => "Period", "时间范围";
    #[cfg(feature = "lazy-strings")]
    PageOf => "Page", "页";
    // Approvals (DESIGN.md 14): the navigation's name in the first load, the page lazy.
    ApprovalsNav => "Approvals", "审批";
    #[cfg(feature = "lazy-strings")]
    ApprovalsIntro => "Changes that the account's approval policy sends for another person's approval: pending requests first.", "本账号审批策略要求他人审批的变更：待审批的申请在前。";
    #[cfg(feature = "lazy-strings")]
    LoadingApprovals => "Loading the approval requests…", "正在加载审批申请…";
    #[cfg(feature = "lazy-strings")]
    NoApprovals => "No change has been sent for approval.", "还没有提交审批的变更。";
    #[cfg(feature = "lazy-strings")]
    NoPendingApprovals => "Nothing is waiting for a decision.", "没有等待审批的申请。";
    #[cfg(feature = "lazy-strings")]
    PendingApprovalsHeading => "Waiting for a decision", "等待审批";
    #[cfg(feature = "lazy-strings")]
    EarlierApprovalsHeading => "Earlier requests", "以往的申请";
    #[cfg(feature = "lazy-strings")]
    ApprovalChangeLabel => "Change", "变更";
    #[cfg(feature = "lazy-strings")]
    ChangeExecuteAt => "Execute at", "执行时间改为";
    #[cfg(feature = "lazy-strings")]
    ChangeAllowConflict => "allowing a conflict", "允许冲突";
    #[cfg(feature = "lazy-strings")]
    ChangeOverrideHold => "overriding a hold", "忽略暂停";
    #[cfg(feature = "lazy-strings")]
    ApprovalRequesterLabel => "Requested by", "申请人";
    #[cfg(feature = "lazy-strings")]
    ApprovalTicketLabel => "Ticket", "工单号";
    #[cfg(feature = "lazy-strings")]
    ApprovalRiskLabel => "Risk", "风险";
    #[cfg(feature = "lazy-strings")]
    ApprovalTimeLeftLabel => "Time left", "剩余时间";
    #[cfg(feature = "lazy-strings")]
    ApprovalDecisionsLabel => "Decisions", "审批意见";
    #[cfg(feature = "lazy-strings")]
    NoDecisionsYet => "None yet", "暂无";
    #[cfg(feature = "lazy-strings")]
    ApprovalErrorLabel => "Why it failed", "失败原因";
    #[cfg(feature = "lazy-strings")]
    VerdictApproved => "approved", "批准";
    #[cfg(feature = "lazy-strings")]
    VerdictRejected => "rejected", "拒绝";
    #[cfg(feature = "lazy-strings")]
    DecisionComment => "Comment (optional)", "意见（可选）";
    #[cfg(feature = "lazy-strings")]
    ApproveButton => "Approve", "批准";
    #[cfg(feature = "lazy-strings")]
    RejectButton => "Reject", "拒绝";
    #[cfg(feature = "lazy-strings")]
    OwnRequestNote => "You asked for this change: another person decides it.", "这是您提交的变更，需由他人审批。";
    #[cfg(feature = "lazy-strings")]
    ConfirmCancelApproval => "Withdraw this request? The events keep their times.", "撤回此申请？事件保持原定时间。";
    #[cfg(feature = "lazy-strings")]
    KeepRequest => "Keep it", "保留";
    #[cfg(feature = "lazy-strings")]
    ApprovedDone => "Approved.", "已批准。";
    #[cfg(feature = "lazy-strings")]
    RejectedDone => "Rejected.", "已拒绝。";
    #[cfg(feature = "lazy-strings")]
    CancelledDone => "The request is withdrawn.", "申请已撤回。";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusPending => "Pending", "待审批";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusApproved => "Approved", "已批准";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusRejected => "Rejected", "已拒绝";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusExpired => "Expired", "已过期";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusCancelled => "Cancelled", "已撤回";
    #[cfg(feature = "lazy-strings")]
    ApprovalStatusFailed => "Failed", "失败";
    #[cfg(feature = "lazy-strings")]
    ApprovalPolicyHeading => "Approval policy", "审批策略";
    #[cfg(feature = "lazy-strings")]
    ApprovalPolicyIntro => "Changes of the kinds ticked here wait for another person's approval before they are applied.", "勾选的变更类型须经他人批准后才会执行。";
    #[cfg(feature = "lazy-strings")]
    CoverExecuteNow => "Execute Now", "立即执行";
    #[cfg(feature = "lazy-strings")]
    CoverReschedule => "Changing the execution time", "修改执行时间";
    #[cfg(feature = "lazy-strings")]
    CoverBulk => "Bulk changes", "批量变更";
    #[cfg(feature = "lazy-strings")]
    CoverAllowConflict => "Allowing a conflict", "允许冲突";
    #[cfg(feature = "lazy-strings")]
    CoverOverrideHold => "Overriding a hold", "忽略暂停";
    #[cfg(feature = "lazy-strings")]
    MinApprovalsLabel => "Approvals needed", "所需批准人数";
    #[cfg(feature = "lazy-strings")]
    SaveApprovalPolicy => "Save approval policy", "保存审批策略";
    #[cfg(feature = "lazy-strings")]
    ApprovalPolicySaved => "Approval policy saved.", "审批策略已保存。";
    #[cfg(feature = "lazy-strings")]
    LoadingApprovalPolicy => "Loading the approval policy…", "正在加载审批策略…";
    #[cfg(feature = "lazy-strings")]
    ApprovalPolicyViewerNote => "Only operators can change the approval policy.", "仅运维人员可以修改审批策略。";
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpn_console_domain::Summary;

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            assert!(!m.en().is_empty(), "{m:?} has no English");
            assert!(!m.zh().is_empty(), "{m:?} has no Chinese");
        }
        let chinese = Msg::ALL
            .iter()
            .filter(|m| {
                m.zh()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            })
            .count();
        assert!(
            chinese * 10 >= Msg::ALL.len() * 8,
            "most messages are really translated"
        );
    }

    #[test]
    fn the_language_follows_the_browser() {
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-Hans"), Lang::Zh);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
    }

    #[test]
    fn summaries_read_in_both_languages() {
        let s = Summary {
            max_interruption_s: 60,
            tunnels: 3,
            connections: 3,
            ssl_clients: 12,
            tunnels_failover: 3,
            tunnels_interrupted: 0,
            tunnels_unaffected: 0,
        };
        assert_eq!(
            summary(Lang::En, &s),
            "3 tunnels fail over, at most under 1 minute; 12 SSL clients disconnect"
        );
        assert_eq!(
            summary(Lang::Zh, &s),
            "3 条隧道切换，最长中断 不到 1 分钟；12 个 SSL 客户端断开"
        );
        assert_eq!(
            summary(Lang::En, &Summary::default()),
            "No tunnel is affected"
        );
        assert_eq!(duration(Lang::En, 600), "10 minutes");
        assert_eq!(duration(Lang::Zh, 300), "5 分钟");
    }
}
