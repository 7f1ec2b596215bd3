/** The customer pages' words, Vietnamese first. */
import { messages } from "../../lib/i18n.js";

export const t = messages({
  vi: {
    title: "Khách hàng", filters: "Bộ lọc", tag: "Có thẻ", stage: "Giai đoạn", anyStage: "Mọi giai đoạn",
    hasPhone: "Có số điện thoại", consented: "Đồng ý nhận tin", hasOrders: "Đã có đơn", apply: "Lọc", clear: "Bỏ lọc",
    segment: "Nhóm đã lưu", noSegment: "Tất cả khách hàng", saveSegment: "Lưu thành nhóm", segmentName: "Tên nhóm",
    segmentSaved: "Đã lưu nhóm {name}.", members: "{count} khách", more: "Xem thêm", none: "Không có khách hàng nào.",
    name: "Tên", phones: "Số điện thoại", tags: "Thẻ", lastSeen: "Tương tác gần nhất", unnamed: "Khách chưa có tên",
    conflicts: "Hồ sơ có thể trùng", list: "Danh sách khách hàng",
    verified: "đã xác thực", unverified: "chưa xác thực", email: "Email", province: "Tỉnh/thành", address: "Địa chỉ",
    zalo: "Zalo", source: "Nguồn", created: "Tạo lúc", identities: "Thông tin nhận diện", consents: "Đồng ý",
    granted: "Đồng ý", withdrawn: "Không đồng ý", noConsents: "Chưa có ghi nhận đồng ý.", version: "phiên bản {v}",
    consentHistory: "Lịch sử đồng ý", viaForm: "qua biểu mẫu {form}",
    forms: "Biểu mẫu đã gửi", noForms: "Chưa gửi biểu mẫu.", orders: "Đơn hàng", noOrders: "Chưa có đơn hàng.", statusHistory: "Lịch sử trạng thái",
    order: "Mã đơn", amount: "Số tiền", status: "Trạng thái", updated: "Cập nhật", conversations: "Hội thoại",
    openConversation: "Hội thoại #{id}", noConversations: "Chưa có hội thoại.", sync: "Đồng bộ CRM", crmIds: "Mã khách ở CRM",
    delivered: "Đã gửi lần cuối", pending: "Đang chờ gửi", dead: "Gửi hỏng", noSync: "Chưa có kết nối CRM.",
    changeStage: "Đổi giai đoạn", stageChanged: "Đã chuyển sang {stage}.", history: "Lịch sử",
    addTag: "Thêm thẻ", tagName: "Tên thẻ", newTagHint: "Chọn thẻ có sẵn hoặc gõ tên thẻ mới",
    knownTagHint: "Chọn một thẻ có sẵn", remove: "Bỏ thẻ {name}", edit: "Sửa thông tin", save: "Lưu",
    saved: "Đã lưu.", fullName: "Họ tên", phone: "Số điện thoại",
    merge: "Gộp hồ sơ", mergeHint: "Mã hồ sơ (ref) của khách sẽ được gộp vào hồ sơ này", merged: "Đã gộp hồ sơ {ref}.",
    export: "Tải dữ liệu (JSON)", erase: "Xóa dữ liệu cá nhân", eraseTitle: "Xóa vĩnh viễn dữ liệu của khách này?",
    eraseText: "Tên, số điện thoại, câu trả lời biểu mẫu và tin nhắn sẽ bị xóa ở mọi nơi, và các CRM được báo. "
      + "Không thể hoàn tác. Gõ mã hồ sơ {ref} để xác nhận.", eraseConfirm: "Mã hồ sơ", erased: "Đã xóa dữ liệu của khách.",
    erasedBadge: "Đã xóa dữ liệu", mergedInto: "Đã gộp vào {ref}", audit: "Nhật ký thao tác",
    stage_new: "Mới", stage_contacted: "Đã liên hệ", stage_qualified: "Tiềm năng", stage_customer: "Đã mua",
    stage_vip: "VIP", stage_lost: "Không mua",
    resolveMerge: "Gộp (giữ hồ sơ cũ hơn)", resolveDismiss: "Không phải cùng người", noConflicts: "Không có hồ sơ nào cần xem.",
    claim: "{profile} nhận {kind} {value} ({source})", conflictResolved: "Đã xử lý.",
  },
  en: {
    title: "Customers", filters: "Filters", tag: "Has tag", stage: "Stage", anyStage: "Any stage",
    hasPhone: "Has a phone", consented: "Consented to marketing", hasOrders: "Has orders", apply: "Filter", clear: "Clear",
    segment: "Saved segment", noSegment: "All customers", saveSegment: "Save as segment", segmentName: "Segment name",
    segmentSaved: "Segment {name} saved.", members: "{count} customers", more: "Show more", none: "No customers.",
    name: "Name", phones: "Phones", tags: "Tags", lastSeen: "Last interaction", unnamed: "Unnamed customer",
    conflicts: "Possible duplicates", list: "Customer list",
    verified: "verified", unverified: "not verified", email: "Email", province: "Province", address: "Address",
    zalo: "Zalo", source: "Source", created: "Created", identities: "Identities", consents: "Consents",
    granted: "Granted", withdrawn: "Not granted", noConsents: "No consent recorded.", version: "version {v}",
    consentHistory: "Consent history", viaForm: "in form {form}",
    forms: "Forms sent", noForms: "No forms yet.", orders: "Orders", noOrders: "No orders yet.", statusHistory: "Status history",
    order: "Order", amount: "Amount", status: "Status", updated: "Updated", conversations: "Conversations",
    openConversation: "Conversation #{id}", noConversations: "No conversations yet.", sync: "CRM sync", crmIds: "CRM customer ids",
    delivered: "Last delivered", pending: "Waiting to send", dead: "Failed", noSync: "No CRM connector yet.",
    changeStage: "Change stage", stageChanged: "Moved to {stage}.", history: "History",
    addTag: "Add tag", tagName: "Tag name", newTagHint: "Pick a tag or type a new one",
    knownTagHint: "Pick an existing tag", remove: "Remove tag {name}", edit: "Edit details", save: "Save",
    saved: "Saved.", fullName: "Full name", phone: "Phone",
    merge: "Merge profiles", mergeHint: "Ref of the profile to fold into this one", merged: "Profile {ref} merged.",
    export: "Download data (JSON)", erase: "Erase personal data", eraseTitle: "Erase this customer's data for good?",
    eraseText: "Name, phones, form answers and messages are erased everywhere, and the CRMs are told. This cannot "
      + "be undone. Type the ref {ref} to confirm.", eraseConfirm: "Profile ref", erased: "The customer's data was erased.",
    erasedBadge: "Erased", mergedInto: "Merged into {ref}", audit: "Audit trail",
    stage_new: "New", stage_contacted: "Contacted", stage_qualified: "Qualified", stage_customer: "Customer",
    stage_vip: "VIP", stage_lost: "Lost",
    resolveMerge: "Merge (keep the older)", resolveDismiss: "Not the same person", noConflicts: "Nothing to review.",
    claim: "{profile} claims {kind} {value} ({source})", conflictResolved: "Resolved.",
  },
});

export const STAGES = ["new", "contacted", "qualified", "customer", "vip", "lost"];

export function displayName(customer) {
  return customer?.full_name || customer?.zalo_display_name || t("unnamed");
}
