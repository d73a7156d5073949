// Colour science for the accessibility tests: WCAG 2.x contrast, CVD simulation (Machado 2009), CIELAB, CIEDE2000.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>

namespace rivet::ui::test {

using Rgb = std::array<double, 3>;  // 0..1

// sRGB transfer function (IEC 61966-2-1), as WCAG 2.x defines relative luminance on it.
inline double srgbToLinear(double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
inline double linearToSrgb(double c) {
  c = std::clamp(c, 0.0, 1.0);
  return c <= 0.0031308 ? c * 12.92 : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
}
inline Rgb toLinear(const Rgb& srgb) { return {srgbToLinear(srgb[0]), srgbToLinear(srgb[1]), srgbToLinear(srgb[2])}; }

// WCAG 2.x relative luminance and contrast ratio ((L1 + 0.05) / (L2 + 0.05), lighter over darker).
inline double relativeLuminance(const Rgb& srgb) {
  const Rgb l = toLinear(srgb);
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}
inline double contrastFromLuminance(double a, double b) { return (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05); }
inline double contrastRatio(const Rgb& a, const Rgb& b) {
  return contrastFromLuminance(relativeLuminance(a), relativeLuminance(b));
}

// Colour vision deficiency, Machado, Oliveira & Fernandes, "A Physiologically-based Model for Simulation of Color
// Vision Deficiency", IEEE TVCG 15(6), 2009: the severity-1.0 (dichromacy) matrices of the paper's table, applied
// to linear RGB (as colorspacious and DaltonLens do). The paper notes its tritanopia model is the least validated.
enum class Vision { Normal, Protanopia, Deuteranopia, Tritanopia };
inline const char* visionName(Vision v) {
  switch (v) {
    case Vision::Normal: return "normal";
    case Vision::Protanopia: return "protanopia";
    case Vision::Deuteranopia: return "deuteranopia";
    case Vision::Tritanopia: return "tritanopia";
  }
  return "?";
}
inline Rgb simulateLinear(const Rgb& lin, Vision v) {
  static constexpr double kProtan[3][3] = {{0.152286, 1.052583, -0.204868},
                                           {0.114503, 0.786281, 0.099216},
                                           {-0.003882, -0.048116, 1.051998}};
  static constexpr double kDeutan[3][3] = {{0.367322, 0.860646, -0.227968},
                                           {0.280085, 0.672501, 0.047413},
                                           {-0.011820, 0.042940, 0.968881}};
  static constexpr double kTritan[3][3] = {{1.255528, -0.076749, -0.178779},
                                           {-0.078411, 0.930809, 0.147602},
                                           {0.004733, 0.691367, 0.303900}};
  const double(*m)[3] = v == Vision::Protanopia ? kProtan : v == Vision::Deuteranopia ? kDeutan : kTritan;
  if (v == Vision::Normal) return lin;
  Rgb out{};
  for (int i = 0; i < 3; ++i) {
    out[i] = std::clamp(m[i][0] * lin[0] + m[i][1] * lin[1] + m[i][2] * lin[2], 0.0, 1.0);
  }
  return out;
}
inline Rgb simulate(const Rgb& srgb, Vision v) {
  const Rgb lin = simulateLinear(toLinear(srgb), v);
  return {linearToSrgb(lin[0]), linearToSrgb(lin[1]), linearToSrgb(lin[2])};
}

// CIELAB (D65 white, sRGB primaries).
struct Lab {
  double L, a, b;
};
inline Lab linearToLab(const Rgb& l) {
  const double X = 0.4124564 * l[0] + 0.3575761 * l[1] + 0.1804375 * l[2];
  const double Y = 0.2126729 * l[0] + 0.7151522 * l[1] + 0.0721750 * l[2];
  const double Z = 0.0193339 * l[0] + 0.1191920 * l[1] + 0.9503041 * l[2];
  auto f = [](double t) { return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16) / 116; };
  const double fx = f(X / 0.95047), fy = f(Y / 1.0), fz = f(Z / 1.08883);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}
inline Lab srgbToLab(const Rgb& srgb) { return linearToLab(toLinear(srgb)); }

// CIEDE2000 colour difference (Sharma, Wu & Dalal, "The CIEDE2000 Color-Difference Formula: Implementation Notes,
// Supplementary Test Data, and Mathematical Observations", Color Res. Appl. 30(1), 2005), kL = kC = kH = 1.
inline double deltaE2000(const Lab& x, const Lab& y) {
  constexpr double kPi = 3.14159265358979323846;
  const double deg = kPi / 180;
  const double c1 = std::hypot(x.a, x.b), c2 = std::hypot(y.a, y.b);
  const double cb7 = std::pow((c1 + c2) / 2, 7);
  const double g = 0.5 * (1 - std::sqrt(cb7 / (cb7 + std::pow(25.0, 7))));
  const double a1 = (1 + g) * x.a, a2 = (1 + g) * y.a;
  const double cp1 = std::hypot(a1, x.b), cp2 = std::hypot(a2, y.b);
  auto hue = [&](double b, double a) {
    if (a == 0 && b == 0) return 0.0;
    double h = std::atan2(b, a) / deg;
    return h < 0 ? h + 360 : h;
  };
  const double hp1 = hue(x.b, a1), hp2 = hue(y.b, a2);
  const double dL = y.L - x.L, dC = cp2 - cp1;
  double dh = 0;
  if (cp1 * cp2 != 0) {
    dh = hp2 - hp1;
    if (dh > 180) dh -= 360;
    if (dh < -180) dh += 360;
  }
  const double dH = 2 * std::sqrt(cp1 * cp2) * std::sin(dh / 2 * deg);
  const double Lb = (x.L + y.L) / 2, Cb = (cp1 + cp2) / 2;
  double hb = hp1 + hp2;
  if (cp1 * cp2 != 0) {
    if (std::abs(hp1 - hp2) <= 180) hb = (hp1 + hp2) / 2;
    else hb = hp1 + hp2 < 360 ? (hp1 + hp2 + 360) / 2 : (hp1 + hp2 - 360) / 2;
  }
  const double t = 1 - 0.17 * std::cos((hb - 30) * deg) + 0.24 * std::cos(2 * hb * deg) +
                   0.32 * std::cos((3 * hb + 6) * deg) - 0.20 * std::cos((4 * hb - 63) * deg);
  const double dtheta = 30 * std::exp(-std::pow((hb - 275) / 25, 2));
  const double cb7p = std::pow(Cb, 7);
  const double rc = 2 * std::sqrt(cb7p / (cb7p + std::pow(25.0, 7)));
  const double sl = 1 + 0.015 * (Lb - 50) * (Lb - 50) / std::sqrt(20 + (Lb - 50) * (Lb - 50));
  const double sc = 1 + 0.045 * Cb, sh = 1 + 0.015 * Cb * t;
  const double rt = -std::sin(2 * dtheta * deg) * rc;
  return std::sqrt(std::pow(dL / sl, 2) + std::pow(dC / sc, 2) + std::pow(dH / sh, 2) + rt * (dC / sc) * (dH / sh));
}

// The difference two sRGB colours keep for a viewer with vision `v`.
inline double deltaE2000Seen(const Rgb& a, const Rgb& b, Vision v) {
  return deltaE2000(linearToLab(simulateLinear(toLinear(a), v)), linearToLab(simulateLinear(toLinear(b), v)));
}

}  // namespace rivet::ui::test
