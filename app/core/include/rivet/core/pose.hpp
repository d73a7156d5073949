// Small value types for geometry: vectors, 3x3/4x4 matrices and rigid poses named T_A_B (maps B coordinates to A).
#pragma once

#include <array>
#include <cmath>

namespace rivet::core {

struct Vec2d {
  double x = 0, y = 0;
};

struct Vec3d {
  double x = 0, y = 0, z = 0;
  Vec3d operator+(const Vec3d& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3d operator-(const Vec3d& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3d operator*(double s) const { return {x * s, y * s, z * s}; }
  [[nodiscard]] double dot(const Vec3d& o) const { return x * o.x + y * o.y + z * o.z; }
  [[nodiscard]] Vec3d cross(const Vec3d& o) const {
    return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x};
  }
  [[nodiscard]] double norm() const { return std::sqrt(dot(*this)); }
};

// Row-major 3x3 matrix.
struct Mat3d {
  std::array<double, 9> m{1, 0, 0, 0, 1, 0, 0, 0, 1};
  double& operator()(int r, int c) { return m[static_cast<size_t>(r * 3 + c)]; }
  double operator()(int r, int c) const { return m[static_cast<size_t>(r * 3 + c)]; }
  Mat3d operator*(const Mat3d& o) const;
  Vec3d operator*(const Vec3d& v) const;
  [[nodiscard]] Mat3d transposed() const;
  static Mat3d identity() { return {}; }
  // Rodrigues: rotation of `angle_rad` about unit-less axis `axis` (normalised inside).
  static Mat3d fromAxisAngle(const Vec3d& axis, double angle_rad);
  // Rotation vector (axis * angle) as used by OpenCV's Rodrigues.
  static Mat3d fromRotationVector(const Vec3d& rvec);
  [[nodiscard]] Vec3d toRotationVector() const;
};

// Rigid transform T_A_B: p_A = R * p_B + t. Translation in metres.
struct Pose {
  Mat3d R{};
  Vec3d t{};

  static Pose identity() { return {}; }
  Pose operator*(const Pose& o) const { return {R * o.R, R * o.t + t}; }
  Vec3d operator*(const Vec3d& p) const { return R * p + t; }
  [[nodiscard]] Pose inverse() const;

  // 16 numbers, row-major, last row 0 0 0 1 (the run.jsonl / rivet-track convention).
  [[nodiscard]] std::array<double, 16> toRowMajor() const;
  static Pose fromRowMajor(const std::array<double, 16>& m);
};

// Angle of the relative rotation between two poses, in degrees.
double rotationDifferenceDeg(const Pose& a, const Pose& b);
// Distance between the translations of two poses, in metres.
double translationDifferenceM(const Pose& a, const Pose& b);

// Column-major 4x4 float matrix for GPU upload (as GLSL expects).
struct Mat4f {
  std::array<float, 16> m{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  float& at(int row, int col) { return m[static_cast<size_t>(col * 4 + row)]; }
  [[nodiscard]] float at(int row, int col) const { return m[static_cast<size_t>(col * 4 + row)]; }
  Mat4f operator*(const Mat4f& o) const;
  static Mat4f identity() { return {}; }
  static Mat4f fromPose(const Pose& p);
};

}  // namespace rivet::core
