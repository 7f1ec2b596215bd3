/** The reports' words, Vietnamese first. */
import { messages } from "../../lib/i18n.js";

export const t = messages({
  vi: {
    title: "Báo cáo", period: "Khoảng thời gian", from: "Từ ngày", to: "Đến ngày", last7: "7 ngày", last30: "30 ngày",
    thisMonth: "Tháng này", show: "Xem", csv: "Tải CSV", businessHours: "Tính trong giờ làm việc: {hours}",
    allHours: "Tính cả ngày (chưa đặt giờ làm việc)",
    firstResponse: "Thời gian phản hồi đầu tiên", median: "Trung vị", p90: "90% khách được trả lời trong",
    responseRate: "Tỉ lệ phản hồi", answeredOf: "{answered}/{cycles} lượt khách chờ đã được trả lời",
    resolution: "Thời gian xử lý xong", resolved: "{count} hội thoại đã đóng", conversations: "Hội thoại",
    opened: "Mới mở", reopened: "Mở lại", closed: "Đã đóng", waiting: "Đang chờ trả lời",
    overTime: "Phản hồi đầu tiên theo ngày", day: "Ngày", cycles: "Lượt chờ", replies: "Tin trả lời",
    perAgent: "Theo nhân viên", agent: "Nhân viên", oaConsole: "Zalo OA (ngoài hệ thống) / chưa giao",
    funnel: "Biểu mẫu → đơn hàng", submissions: "Biểu mẫu gửi", converted: "Có đơn trong {days} ngày",
    conversion: "Tỉ lệ chuyển đổi", followers: "Người quan tâm OA", follows: "Quan tâm", unfollows: "Bỏ quan tâm",
    net: "Tăng ròng", none: "—", chartOf: "Biểu đồ: {what}. Số liệu ở bảng bên cạnh.", numbers: "Số liệu", minutes: "phút",
  },
  en: {
    title: "Reports", period: "Period", from: "From", to: "To", last7: "7 days", last30: "30 days",
    thisMonth: "This month", show: "Show", csv: "Download CSV", businessHours: "Counted in business hours: {hours}",
    allHours: "Counted around the clock (no business hours set)",
    firstResponse: "First response time", median: "Median", p90: "90% answered within",
    responseRate: "Response rate", answeredOf: "{answered} of {cycles} waits answered",
    resolution: "Resolution time", resolved: "{count} conversations closed", conversations: "Conversations",
    opened: "Opened", reopened: "Reopened", closed: "Closed", waiting: "Waiting for a reply",
    overTime: "First response by day", day: "Day", cycles: "Waits", replies: "Replies",
    perAgent: "By agent", agent: "Agent", oaConsole: "Zalo OA console / unassigned",
    funnel: "Forms → orders", submissions: "Forms sent", converted: "Ordered within {days} days",
    conversion: "Conversion", followers: "OA followers", follows: "Follows", unfollows: "Unfollows",
    net: "Net", none: "—", chartOf: "Chart: {what}. The numbers are in the table beside it.", numbers: "Numbers", minutes: "minutes",
  },
});
