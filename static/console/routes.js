/**
 * Every page of the console, in menu order. One line per page: its hash path (`:name` params, `?` optional),
 * how to load its module (loaded on first visit, so the first screen stays small), its menu label (null: not
 * in the menu) and the least role that may open it (owner > admin > agent > viewer). `public: true` pages open
 * without a session. The module's default export is the page component; it receives the route's params and query.
 */
export const ROUTES = [
  { path: "/inbox/:id?", load: () => import("./pages/inbox/index.js"), label: { vi: "Hội thoại", en: "Inbox" }, role: "viewer" },
  { path: "/customers", load: () => import("./pages/customers/index.js"), label: { vi: "Khách hàng", en: "Customers" }, role: "viewer" },
  { path: "/customers/:ref", load: () => import("./pages/customers/detail.js"), label: null, role: "viewer" },
  { path: "/conflicts", load: () => import("./pages/customers/conflicts.js"), label: null, role: "viewer" },
  { path: "/campaigns", load: () => import("./pages/campaigns/index.js"), label: { vi: "Chiến dịch", en: "Campaigns" }, role: "viewer" },
  { path: "/campaigns/:id", load: () => import("./pages/campaigns/detail.js"), label: null, role: "viewer" },
  { path: "/journeys", load: () => import("./pages/journeys/index.js"), label: { vi: "Hành trình", en: "Journeys" }, role: "viewer" },
  { path: "/journeys/:id", load: () => import("./pages/journeys/detail.js"), label: null, role: "viewer" },
  { path: "/sync", load: () => import("./pages/sync.js"), label: { vi: "Đồng bộ CRM", en: "CRM sync" }, role: "admin" },
  { path: "/reports", load: () => import("./pages/reports/index.js"), label: { vi: "Báo cáo", en: "Reports" }, role: "viewer" },
  { path: "/settings", load: () => import("./pages/settings/index.js"), label: { vi: "Cài đặt", en: "Settings" }, role: "admin" },
  { path: "/audit", load: () => import("./pages/audit.js"), label: { vi: "Nhật ký", en: "Audit log" }, role: "admin" },
  { path: "/overview", load: () => import("./pages/overview.js"), label: { vi: "Tổng quan", en: "Overview" }, role: "viewer" },
];

/** Where "/" leads: the first page in the menu the account may open. */
export const HOME = "/inbox";
