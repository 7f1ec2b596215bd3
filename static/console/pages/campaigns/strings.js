/** The campaign pages' words, Vietnamese first. */
import { messages } from "../../lib/i18n.js";

export const t = messages({
  vi: {
    title: "Chiến dịch", none: "Chưa có chiến dịch nào.", create: "Tạo chiến dịch", name: "Tên chiến dịch",
    audience: "Gửi tới", bySegment: "Nhóm khách đã lưu", byTags: "Khách có thẻ", tags: "Thẻ (cách nhau bằng dấu phẩy)",
    text: "Nội dung", textHint: "Biến: {ten_khach} tên khách ({ten_khach|bạn}: tên thay thế), {link} liên kết theo dõi",
    link: "Liên kết (tùy chọn)", image: "Ảnh kèm, https (tùy chọn)", template: "Mẫu ZNS dự phòng (tùy chọn)", noTemplate: "Không dùng ZNS",
    rate: "Tốc độ (tin/phút)", created: "Đã tạo chiến dịch {name}.",
    draft: "Nháp", planned: "Đã lập kế hoạch", scheduled: "Đã hẹn giờ", running: "Đang gửi", paused: "Tạm dừng",
    finished: "Đã xong", cancelled: "Đã hủy", plan: "Lập kế hoạch", replan: "Lập lại kế hoạch", start: "Bắt đầu gửi",
    pause: "Tạm dừng", resume: "Gửi tiếp", cancel: "Hủy chiến dịch", planTitle: "Kế hoạch",
    recipients: "{n} người nhận", cs: "Tin tư vấn (trong 48 giờ)", promotion: "Tin truyền thông (người quan tâm OA)", zns: "Tin mẫu ZNS", skipped: "Bỏ qua",
    cost: "Chi phí ZNS ước tính", funnel: "Kết quả", list: "Người nhận", customer: "Khách", channel: "Kênh",
    state: "Trạng thái", why: "Lý do", delivery: "Gửi đến", back: "← Các chiến dịch", confirmCancel: "Hủy chiến dịch này? Những người chưa được gửi sẽ không nhận tin.",
    targeted: "Nhắm tới", queued: "Đã xếp gửi", sent: "Zalo đã nhận", delivered: "Đã đến máy", seen: "Đã xem",
    clicked: "Đã bấm liên kết", replied: "Đã trả lời", ordered: "Đã đặt hàng", failed: "Lỗi", revenue: "Doanh thu",
    reason_no_consent: "Chưa đồng ý nhận tin", reason_unfollowed: "Đã bỏ quan tâm OA", reason_frequency_cap: "Đã nhận đủ tin trong 7 ngày",
    reason_erased: "Đã xóa dữ liệu", reason_window_closed_no_template: "Ngoài 48 giờ, chiến dịch không có mẫu ZNS",
    reason_window_closed_no_phone: "Ngoài 48 giờ, chưa có số điện thoại Zalo xác thực", reason_merged: "Đã gộp hồ sơ", reason_promotion_daily_limit: "Hôm nay đã nhận tin truyền thông",
    usePromotion: "Gửi tin truyền thông cho người quan tâm OA ngoài 48 giờ (1 tin/ngày, 06:00–21:59)",
    pending: "Chờ gửi", skippedState: "Bỏ qua", cancelledState: "Đã hủy", queuedState: "Đã gửi",
    tryTitle: "Xem trước và gửi thử", tryCustomer: "Mã khách hàng", tryHint: "Dạng cus_…, trên trang của khách (ví dụ tài khoản Zalo của bạn).",
    preview: "Xem trước", trial: "Gửi thử", trialSent: "Đã gửi thử tới khách này (không tính vào kết quả).",
  },
  en: {
    title: "Campaigns", none: "No campaigns yet.", create: "Create campaign", name: "Campaign name",
    audience: "Send to", bySegment: "A saved segment", byTags: "Customers tagged", tags: "Tags (comma-separated)",
    text: "Message", textHint: "Variables: {ten_khach} the customer's name ({ten_khach|bạn}: a fallback), {link} the tracked link",
    link: "Link (optional)", image: "Image, https (optional)", template: "ZNS fallback template (optional)", noTemplate: "No ZNS",
    rate: "Pace (messages/minute)", created: "Campaign {name} created.",
    draft: "Draft", planned: "Planned", scheduled: "Scheduled", running: "Sending", paused: "Paused",
    finished: "Finished", cancelled: "Cancelled", plan: "Plan", replan: "Plan again", start: "Start sending",
    pause: "Pause", resume: "Resume", cancel: "Cancel campaign", planTitle: "Plan",
    recipients: "{n} recipients", cs: "Consultation message (48 h window)", promotion: "Promotion message (followers)", zns: "ZNS template", skipped: "Skipped",
    cost: "Estimated ZNS cost", funnel: "Results", list: "Recipients", customer: "Customer", channel: "Channel",
    state: "State", why: "Reason", delivery: "Delivery", back: "← Campaigns", confirmCancel: "Cancel this campaign? Those not sent to yet will get nothing.",
    targeted: "Targeted", queued: "Queued", sent: "Accepted by Zalo", delivered: "Delivered", seen: "Seen",
    clicked: "Clicked", replied: "Replied", ordered: "Ordered", failed: "Failed", revenue: "Revenue",
    reason_no_consent: "No marketing consent", reason_unfollowed: "Unfollowed the OA", reason_frequency_cap: "Had enough messages this week",
    reason_erased: "Data erased", reason_window_closed_no_template: "Outside 48 h, no ZNS template",
    reason_window_closed_no_phone: "Outside 48 h, no Zalo-verified phone", reason_merged: "Profile merged", reason_promotion_daily_limit: "Had a promotion message today",
    usePromotion: "Send followers outside 48 h Zalo's promotion message (1 a day, 06:00–21:59)",
    pending: "Waiting", skippedState: "Skipped", cancelledState: "Cancelled", queuedState: "Sent",
    tryTitle: "Preview and trial send", tryCustomer: "Customer ref", tryHint: "Like cus_…, on the customer's page (e.g. your own Zalo account).",
    preview: "Preview", trial: "Send a trial", trialSent: "Trial sent to this customer (not counted in the results).",
  },
});

/** A reason code in words, the code itself when unknown (e.g. a refusal code from Zalo's rules). */
export function reason(code) {
  const words = t(`reason_${code}`);
  return words === `reason_${code}` ? code : words;
}
