// Rigid-pose and matrix arithmetic for the T_A_B convention.
#include "rivet/core/pose.hpp"

#include <algorithm>

namespace rivet::core {

Mat3d Mat3d::operator*(const Mat3d& o) const {
  Mat3d r;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += (*this)(i, k) * o(k, j);
      r(i, j) = s;
    }
  }
  return r;
}

Vec3d Mat3d::operator*(const Vec3d& v) const {
  const Mat3d& a = *this;
  return {a(0, 0) * v.x + a(0, 1) * v.y + a(0, 2) * v.z, a(1, 0) * v.x + a(1, 1) * v.y + a(1, 2) * v.z,
          a(2, 0) * v.x + a(2, 1) * v.y + a(2, 2) * v.z};
}

Mat3d Mat3d::transposed() const {
  Mat3d r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = (*this)(j, i);
  return r;
}

Mat3d Mat3d::fromAxisAngle(const Vec3d& axis, double angle_rad) {
  const double n = axis.norm();
  if (n < 1e-15 || std::abs(angle_rad) < 1e-15) return identity();
  const Vec3d k = axis * (1.0 / n);
  const double c = std::cos(angle_rad), s = std::sin(angle_rad), v = 1 - c;
  Mat3d r;
  r(0, 0) = k.x * k.x * v + c;
  r(0, 1) = k.x * k.y * v - k.z * s;
  r(0, 2) = k.x * k.z * v + k.y * s;
  r(1, 0) = k.y * k.x * v + k.z * s;
  r(1, 1) = k.y * k.y * v + c;
  r(1, 2) = k.y * k.z * v - k.x * s;
  r(2, 0) = k.z * k.x * v - k.y * s;
  r(2, 1) = k.z * k.y * v + k.x * s;
  r(2, 2) = k.z * k.z * v + c;
  return r;
}

Mat3d Mat3d::fromRotationVector(const Vec3d& rvec) { return fromAxisAngle(rvec, rvec.norm()); }

Vec3d Mat3d::toRotationVector() const {
  const Mat3d& r = *this;
  const double cos_a = std::clamp((r(0, 0) + r(1, 1) + r(2, 2) - 1.0) / 2.0, -1.0, 1.0);
  const double angle = std::acos(cos_a);
  if (angle < 1e-12) return {};
  if (std::sin(angle) < 1e-3) {
    // Near 180 degrees the antisymmetric part vanishes: take the axis from the largest column of (R + I) / 2.
    int k = 0;
    if (r(1, 1) > r(k, k)) k = 1;
    if (r(2, 2) > r(k, k)) k = 2;
    Vec3d col{(r(0, k) + (k == 0 ? 1 : 0)) / 2, (r(1, k) + (k == 1 ? 1 : 0)) / 2, (r(2, k) + (k == 2 ? 1 : 0)) / 2};
    Vec3d axis = col * (1.0 / col.norm());
    // Resolve the sign with the (small) antisymmetric part so that angles just below pi stay continuous.
    const Vec3d anti{r(2, 1) - r(1, 2), r(0, 2) - r(2, 0), r(1, 0) - r(0, 1)};
    if (anti.dot(axis) < 0) axis = axis * -1.0;
    return axis * angle;
  }
  const Vec3d axis{r(2, 1) - r(1, 2), r(0, 2) - r(2, 0), r(1, 0) - r(0, 1)};
  return axis * (angle / (2 * std::sin(angle)));
}

Pose Pose::inverse() const {
  const Mat3d rt = R.transposed();
  return {rt, (rt * t) * -1.0};
}

std::array<double, 16> Pose::toRowMajor() const {
  return {R(0, 0), R(0, 1), R(0, 2), t.x, R(1, 0), R(1, 1), R(1, 2), t.y,
          R(2, 0), R(2, 1), R(2, 2), t.z, 0,       0,       0,       1};
}

Pose Pose::fromRowMajor(const std::array<double, 16>& m) {
  Pose p;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) p.R(r, c) = m[static_cast<size_t>(r * 4 + c)];
  p.t = {m[3], m[7], m[11]};
  return p;
}

double rotationDifferenceDeg(const Pose& a, const Pose& b) {
  const Mat3d d = a.R.transposed() * b.R;
  const double cos_a = std::clamp((d(0, 0) + d(1, 1) + d(2, 2) - 1.0) / 2.0, -1.0, 1.0);
  return std::acos(cos_a) * 180.0 / M_PI;
}

double translationDifferenceM(const Pose& a, const Pose& b) { return (a.t - b.t).norm(); }

Mat4f Mat4f::operator*(const Mat4f& o) const {
  Mat4f r;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      float s = 0;
      for (int k = 0; k < 4; ++k) s += at(i, k) * o.at(k, j);
      r.at(i, j) = s;
    }
  }
  return r;
}

Mat4f Mat4f::fromPose(const Pose& p) {
  Mat4f r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r.at(i, j) = static_cast<float>(p.R(i, j));
  r.at(0, 3) = static_cast<float>(p.t.x);
  r.at(1, 3) = static_cast<float>(p.t.y);
  r.at(2, 3) = static_cast<float>(p.t.z);
  return r;
}

}  // namespace rivet::core
