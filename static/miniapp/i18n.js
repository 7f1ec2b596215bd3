// Page language: Vietnamese first, English on request. The choice is remembered on
// this device and sent as Accept-Language so server messages match the page.

const STORAGE_KEY = "miniapp.lang";
const LANGUAGES = ["vi", "en"];

const TEXT = {
  vi: {
    loading: "Đang tải…",
    required: "bắt buộc",
    choose: "Chọn…",
    submit: "Gửi thông tin",
    submitting: "Đang gửi…",
    share_phone: "Dùng số điện thoại Zalo",
    sharing_phone: "Đang lấy số…",
    phone_verified: "Đã xác minh qua Zalo",
    phone_denied: "Không lấy được số điện thoại từ Zalo. Bạn có thể tự nhập số.",
    fix_errors: "Vui lòng kiểm tra lại các trường được đánh dấu.",
    network: "Không gửi được do lỗi kết nối. Vui lòng thử lại.",
    failed: "Có lỗi xảy ra, vui lòng thử lại sau.",
    success_title: "Cảm ơn bạn!",
    success_body: "Cửa hàng đã nhận được thông tin và sẽ liên hệ lại với bạn qua Zalo.",
    success_ref: "Mã phiếu",
    again: "Gửi thêm thông tin",
    not_in_zalo: "Vui lòng mở trang này trong ứng dụng Zalo.",
    session_failed: "Không kết nối được với Zalo. Vui lòng đóng và mở lại trang.",
    form_missing: "Không tìm thấy biểu mẫu.",
    sandbox: "Thử nghiệm (sandbox)",
  },
  en: {
    loading: "Loading…",
    required: "required",
    choose: "Choose…",
    submit: "Send",
    submitting: "Sending…",
    share_phone: "Use my Zalo phone number",
    sharing_phone: "Getting your number…",
    phone_verified: "Verified by Zalo",
    phone_denied: "Could not get your phone number from Zalo. You can type it instead.",
    fix_errors: "Please check the highlighted fields.",
    network: "Could not send because of a connection problem. Please try again.",
    failed: "Something went wrong, please try again later.",
    success_title: "Thank you!",
    success_body: "The shop has received your details and will get back to you on Zalo.",
    success_ref: "Reference",
    again: "Send more details",
    not_in_zalo: "Please open this page in the Zalo app.",
    session_failed: "Could not connect to Zalo. Please close and reopen the page.",
    form_missing: "Form not found.",
    sandbox: "Sandbox mode",
  },
};

let current = LANGUAGES.includes(localStorage.getItem(STORAGE_KEY)) ? localStorage.getItem(STORAGE_KEY) : "vi";

export function lang() {
  return current;
}

/** Switch language; `remember: false` (the console's preview) leaves the customer's saved choice alone. */
export function setLang(value, { remember = true } = {}) {
  current = LANGUAGES.includes(value) ? value : "vi";
  if (remember) localStorage.setItem(STORAGE_KEY, current);
  document.documentElement.lang = current;
}

/** A UI string of the page in the current language. */
export function t(key) {
  return TEXT[current][key];
}

/** A shop-written {vi, en} text in the current language, Vietnamese when English is missing. */
export function pick(localized) {
  if (!localized) return "";
  return localized[current] || localized.vi || "";
}
