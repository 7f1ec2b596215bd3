/** The settings pages' words, Vietnamese first. */
import { messages } from "../../lib/i18n.js";

export const t = messages({
  vi: {
    title: "Cài đặt", tabs: "Mục cài đặt", staff: "Nhân viên", keys: "Khóa API", replies: "Câu trả lời mẫu",
    rules: "Trả lời tự động", oa: "Kết nối Zalo OA",
    name: "Họ tên", email: "Email", role: "Vai trò", active: "Đang làm", password: "Mật khẩu", save: "Lưu",
    addStaff: "Thêm nhân viên", added: "Đã thêm {name}.", saved: "Đã lưu.", resetPassword: "Đặt mật khẩu mới",
    newPassword: "Mật khẩu mới (ít nhất 10 ký tự)", passwordSet: "Đã đặt mật khẩu mới; các phiên đăng nhập của {name} đã kết thúc.",
    owner: "Chủ cửa hàng", admin: "Quản trị", agent: "Nhân viên", viewer: "Chỉ xem", deactivate: "Cho nghỉ", activate: "Cho làm lại",
    keyName: "Tên khóa", scopes: "Quyền", createKey: "Tạo khóa", secretOnce: "Khóa mới — chỉ hiện một lần, hãy lưu ngay:",
    revoke: "Thu hồi", revoked: "Đã thu hồi", lastUsed: "Dùng lần cuối", uses: "Số lần dùng", usage: "Nhật ký sử dụng",
    never: "Chưa dùng", shortcut: "Phím tắt", text: "Nội dung", titleField: "Tiêu đề", variables: "Biến: {ten_khach} tên khách, {nhan_vien} tên người trả lời",
    addReply: "Thêm câu trả lời mẫu", delete: "Xóa", edit: "Sửa", cancel: "Hủy",
    pattern: "Từ khóa", matchType: "Cách so khớp", contains: "Chứa", exact: "Trùng khớp", regex: "Biểu thức chính quy",
    priority: "Thứ tự ưu tiên (nhỏ trước)", replyText: "Trả lời", formLink: "Kèm link biểu mẫu", infoCard: "Gửi thẻ xin thông tin",
    handover: "Chuyển cho nhân viên", hours: "Giờ áp dụng (ví dụ mon-sat 08:00-21:00)", outOfHours: "Trả lời ngoài giờ",
    addRule: "Thêm quy tắc", ruleName: "Tên quy tắc", ruleActive: "Đang bật", tryTitle: "Thử một tin nhắn", tryText: "Khách nhắn", tryButton: "Thử",
    tryNone: "Không quy tắc nào trả lời tin này.", tryRule: "Quy tắc {rule} trả lời:", tryHandover: "và chuyển cho nhân viên",
    connected: "Đã kết nối", notConnected: "Chưa kết nối", channel: "Kênh gửi tin", accessExpires: "Mã truy cập hết hạn",
    refreshExpires: "Mã làm mới hết hạn", lastError: "Lỗi làm mới gần nhất", resume: "Gửi lại ngay",
    connect: "Kết nối OA qua Zalo", active_status: "Đang hoạt động", paused: "Tạm dừng", probing: "Đang thử lại",
    needsAttention: "Cần xử lý: {reason}",
  },
  en: {
    title: "Settings", tabs: "Settings sections", staff: "Staff", keys: "API keys", replies: "Saved replies",
    rules: "Automatic replies", oa: "Zalo OA connection",
    name: "Full name", email: "Email", role: "Role", active: "Active", password: "Password", save: "Save",
    addStaff: "Add staff member", added: "{name} added.", saved: "Saved.", resetPassword: "Set a new password",
    newPassword: "New password (at least 10 characters)", passwordSet: "New password set; {name}'s sessions ended.",
    owner: "Owner", admin: "Admin", agent: "Agent", viewer: "Viewer", deactivate: "Deactivate", activate: "Reactivate",
    keyName: "Key name", scopes: "Scopes", createKey: "Create key", secretOnce: "New key — shown once, store it now:",
    revoke: "Revoke", revoked: "Revoked", lastUsed: "Last used", uses: "Uses", usage: "Usage log",
    never: "Never", shortcut: "Shortcut", text: "Text", titleField: "Title", variables: "Variables: {ten_khach} customer's name, {nhan_vien} replier's name",
    addReply: "Add saved reply", delete: "Delete", edit: "Edit", cancel: "Cancel",
    pattern: "Keyword", matchType: "Matching", contains: "Contains", exact: "Exact", regex: "Regular expression",
    priority: "Priority (lower first)", replyText: "Reply", formLink: "Add the form link", infoCard: "Send the info request card",
    handover: "Hand over to staff", hours: "Hours (e.g. mon-sat 08:00-21:00)", outOfHours: "Reply out of hours",
    addRule: "Add rule", ruleName: "Rule name", ruleActive: "On", tryTitle: "Try a message", tryText: "Customer writes", tryButton: "Try",
    tryNone: "No rule answers this message.", tryRule: "Rule {rule} answers:", tryHandover: "and hands over to staff",
    connected: "Connected", notConnected: "Not connected", channel: "Sending channel", accessExpires: "Access token expires",
    refreshExpires: "Refresh token expires", lastError: "Last refresh error", resume: "Send again now",
    connect: "Connect the OA through Zalo", active_status: "Active", paused: "Paused", probing: "Retrying",
    needsAttention: "Needs attention: {reason}",
  },
});

export const ROLES = ["owner", "admin", "agent", "viewer"];
