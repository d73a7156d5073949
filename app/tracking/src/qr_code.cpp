// QR decode (OpenCV contrib wechat_qrcode) and encode (cv::QRCodeEncoder, objdetect) for core::Image.
#include "rivet/tracking/qr_code.hpp"

#include <algorithm>
#include <vector>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/wechat_qrcode.hpp>

#include "cv_convert.hpp"

namespace rivet::tracking {

std::optional<std::string> decodeQrCode(const core::Image& image) {
  if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) return std::nullopt;
  try {
    // Debian's OpenCV is built without quirc, so cv::QRCodeDetector finds codes but cannot decode them; the
    // WeChat reader decodes with its own (ZXing-derived) code. Without its optional CNN model files it searches
    // finder patterns itself, which on a busy full-size frame can take seconds. So a large frame is read at half
    // size first (fast; a badge held up to the camera has modules of 6 px or more), and only when that finds
    // nothing does cv::QRCodeDetector::detect look for a smaller code at full size for the reader to decode in a
    // crop. Codes with modules under about 3.5 px are not reliably read.
    const cv::Mat gray = detail::grayView(image);
    cv::wechat_qrcode::WeChatQRCode reader;
    auto first = [](const std::vector<std::string>& texts) -> std::optional<std::string> {
      for (const std::string& text : texts) {
        if (!text.empty()) return text;
      }
      return std::nullopt;
    };
    if (std::max(gray.cols, gray.rows) <= 960) return first(reader.detectAndDecode(gray));
    cv::Mat half;
    cv::resize(gray, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    if (auto text = first(reader.detectAndDecode(half))) return text;
    std::vector<cv::Point2f> corners;
    if (!cv::QRCodeDetector().detect(gray, corners) || corners.size() != 4) return std::nullopt;
    cv::Rect box = cv::boundingRect(corners);
    const int margin = std::max(16, std::max(box.width, box.height) / 4);  // the quiet zone and some slack
    box = cv::Rect(box.x - margin, box.y - margin, box.width + 2 * margin, box.height + 2 * margin) &
          cv::Rect(0, 0, gray.cols, gray.rows);
    if (box.empty()) return std::nullopt;
    return first(reader.detectAndDecode(gray(box)));
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
}

core::Result<core::Image> encodeQrCode(const std::string& text, int module_px, const std::string& caption) {
  if (text.empty()) return core::makeError("nothing to encode in a QR code", "qr code");
  if (module_px < 1 || module_px > 100) {
    return core::makeError("QR module size must be 1 to 100 pixels", "qr code", "use about 10 for a printed badge");
  }
  cv::Mat modules;
  try {
    cv::QRCodeEncoder::Params params;
    params.correction_level = cv::QRCodeEncoder::CORRECT_LEVEL_M;
    params.mode = cv::QRCodeEncoder::MODE_BYTE;
    auto encoder = cv::QRCodeEncoder::create(params);
    encoder->encode(text, modules);
  } catch (const cv::Exception& e) {
    return core::makeError(std::string("cannot encode the QR code: ") + e.what(), "qr code", "use a shorter text");
  }
  if (modules.empty() || modules.type() != CV_8UC1) return core::makeError("cannot encode the QR code", "qr code", "use a shorter text");
  // The encoder's own border may be thin: add a full 4-module quiet zone for scanners.
  const int quiet = 4;
  cv::Mat bordered;
  cv::copyMakeBorder(modules, bordered, quiet, quiet, quiet, quiet, cv::BORDER_CONSTANT, cv::Scalar(255));
  cv::Mat code;
  cv::resize(bordered, code, cv::Size(), module_px, module_px, cv::INTER_NEAREST);
  if (caption.empty()) return detail::fromMat(code);

  std::string ascii = caption;
  for (char& c : ascii) {
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  }
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  const int thickness = std::max(1, module_px / 4);
  int baseline = 0;
  const cv::Size unit = cv::getTextSize(ascii, font, 1.0, thickness, &baseline);
  // As large as fits the code's width (less the quiet zone), at most about 4 modules tall.
  const double usable = code.cols - 2.0 * quiet * module_px * 0.5;
  const double scale = std::max(0.3, std::min(usable / std::max(1, unit.width), 4.0 * module_px / std::max(1, unit.height)));
  const cv::Size size = cv::getTextSize(ascii, font, scale, thickness, &baseline);
  // The text starts a module below the code's quiet zone (anti-aliased strokes reach past getTextSize's box).
  const int band = size.height + baseline + thickness + 3 * module_px;
  cv::Mat card(code.rows + band, code.cols, CV_8UC1, cv::Scalar(255));
  code.copyTo(card(cv::Rect(0, 0, code.cols, code.rows)));
  const cv::Point origin((card.cols - size.width) / 2, code.rows + module_px + thickness + size.height);
  cv::putText(card, ascii, origin, font, scale, cv::Scalar(0), thickness, cv::LINE_AA);
  return detail::fromMat(card);
}

}  // namespace rivet::tracking
