// Tests QR decoding of badge payloads in camera-like frames (noisy, scaled, rotated; gray, BGR, RGBA) and the encoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "rivet/tracking/qr_code.hpp"

namespace {

using rivet::core::Image;
using rivet::core::PixelFormat;
using namespace rivet::tracking;

const std::string kPayload = "RIVET-BADGE:1:jdupont:0123456789abcdef0123456789abcdef";

// A 1280x720 Gray8 frame: a blotchy background plus per-pixel noise.
Image noisyFrame(std::mt19937& rng) {
  Image frame(1280, 720, PixelFormat::Gray8);
  std::uniform_int_distribution<int> noise(-18, 18);
  for (int y = 0; y < frame.height; ++y) {
    for (int x = 0; x < frame.width; ++x) {
      const double base = 130 + 40 * std::sin(x * 0.013) * std::cos(y * 0.021);
      frame.row(y)[x] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(base) + noise(rng), 0, 255));
    }
  }
  return frame;
}

// Pastes `code` (Gray8) into `frame`, scaled by `scale` and turned by `degrees` about its centre placed at (cx, cy),
// with bilinear sampling and sensor noise on the pasted pixels.
void paste(Image& frame, const Image& code, double scale, double degrees, double cx, double cy, std::mt19937& rng) {
  const double a = degrees * M_PI / 180.0, c = std::cos(a), s = std::sin(a);
  const double half = 0.5 * std::hypot(code.width, code.height) * scale + 2;
  std::normal_distribution<double> noise(0.0, 8.0);
  for (int y = std::max(0, static_cast<int>(cy - half)); y < std::min(frame.height, static_cast<int>(cy + half)); ++y) {
    for (int x = std::max(0, static_cast<int>(cx - half)); x < std::min(frame.width, static_cast<int>(cx + half)); ++x) {
      // Inverse map: frame pixel -> code pixel.
      const double dx = (x - cx) / scale, dy = (y - cy) / scale;
      const double u = c * dx + s * dy + 0.5 * code.width, v = -s * dx + c * dy + 0.5 * code.height;
      if (u < 0 || v < 0 || u >= code.width - 1 || v >= code.height - 1) continue;
      const int u0 = static_cast<int>(u), v0 = static_cast<int>(v);
      const double fu = u - u0, fv = v - v0;
      auto at = [&](int uu, int vv) { return static_cast<double>(code.row(vv)[uu]); };
      const double val = (1 - fv) * ((1 - fu) * at(u0, v0) + fu * at(u0 + 1, v0)) +
                         fv * ((1 - fu) * at(u0, v0 + 1) + fu * at(u0 + 1, v0 + 1));
      // Print contrast is not perfect: black at 30, white at 225.
      const double shaded = 30 + val * (195.0 / 255.0) + noise(rng);
      frame.row(y)[x] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(std::lround(shaded)), 0, 255));
    }
  }
}

Image toFormat(const Image& gray, PixelFormat f) {
  Image out(gray.width, gray.height, f);
  const int n = out.channels();
  for (int y = 0; y < gray.height; ++y) {
    for (int x = 0; x < gray.width; ++x) {
      for (int k = 0; k < n; ++k) out.row(y)[x * n + k] = (f == PixelFormat::Rgba8 && k == 3) ? 255 : gray.row(y)[x];
    }
  }
  return out;
}

// Modules of 3.6 px (far from the camera) up to 12 px (held up close), turned by up to 20 degrees.
TEST(QrCode, EncodedPayloadDecodesFromANoisyScaledRotatedFrame) {
  auto code = encodeQrCode(kPayload, 3);
  ASSERT_TRUE(code.ok()) << code.error().describe();
  ASSERT_EQ(code->format, PixelFormat::Gray8);
  EXPECT_EQ(code->width, code->height);
  std::mt19937 rng(7);
  for (const auto& [scale, degrees] : {std::pair{1.2, 12.0}, std::pair{1.7, 6.0}, std::pair{2.6, -9.0}, std::pair{4.0, 20.0}}) {
    Image frame = noisyFrame(rng);
    paste(frame, *code, scale, degrees, 760, 360, rng);
    for (PixelFormat f : {PixelFormat::Gray8, PixelFormat::Bgr8, PixelFormat::Rgba8}) {
      auto text = decodeQrCode(f == PixelFormat::Gray8 ? frame : toFormat(frame, f));
      ASSERT_TRUE(text.has_value()) << "scale " << scale << ", " << degrees << " degrees, format " << static_cast<int>(f);
      EXPECT_EQ(*text, kPayload);
    }
  }
}

TEST(QrCode, NoCodeGivesNothing) {
  std::mt19937 rng(3);
  EXPECT_FALSE(decodeQrCode(noisyFrame(rng)).has_value());
  EXPECT_FALSE(decodeQrCode(Image{}).has_value());
  Image white(640, 480, PixelFormat::Bgr8);
  std::fill(white.pixels.begin(), white.pixels.end(), 255);
  EXPECT_FALSE(decodeQrCode(white).has_value());
}

TEST(QrCode, CaptionGoesUnderTheCodeAndBadInputIsRefused) {
  auto plain = encodeQrCode(kPayload, 6);
  auto card = encodeQrCode(kPayload, 6, "jdupont");
  ASSERT_TRUE(plain.ok() && card.ok());
  EXPECT_EQ(card->width, plain->width);
  EXPECT_GT(card->height, plain->height);
  // The code itself is unchanged above the caption band, and the band has ink in it.
  for (int y = 0; y < plain->height; ++y) {
    ASSERT_TRUE(std::equal(plain->row(y), plain->row(y) + plain->width, card->row(y))) << "row " << y;
  }
  int ink = 0;
  for (int y = plain->height; y < card->height; ++y) {
    for (int x = 0; x < card->width; ++x) ink += card->row(y)[x] < 128;
  }
  EXPECT_GT(ink, 50);
  auto decoded = decodeQrCode(*card);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, kPayload);
  EXPECT_FALSE(encodeQrCode("", 6).ok());
  EXPECT_FALSE(encodeQrCode(kPayload, 0).ok());
  EXPECT_TRUE(encodeQrCode(kPayload, 4, "h\xc3\xa9l\xc3\xa8ne").ok());  // non-ASCII caption prints as '?'
}

}  // namespace
