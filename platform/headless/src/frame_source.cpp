// Image-folder and video-file replay sources, decoded with OpenCV's imgcodecs/videoio.
#include "rivet/platform/frame_source.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <vector>

namespace fs = std::filesystem;

namespace rivet::platform {
namespace {

core::Image fromMat(const cv::Mat& mat) {
  cv::Mat bgr;
  if (mat.channels() == 1) {
    cv::cvtColor(mat, bgr, cv::COLOR_GRAY2BGR);
  } else if (mat.channels() == 4) {
    cv::cvtColor(mat, bgr, cv::COLOR_BGRA2BGR);
  } else {
    bgr = mat;
  }
  if (bgr.depth() != CV_8U) bgr.convertTo(bgr, CV_8U, bgr.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
  core::Image out(bgr.cols, bgr.rows, core::PixelFormat::Bgr8);
  for (int y = 0; y < bgr.rows; ++y) std::copy_n(bgr.ptr<std::uint8_t>(y), out.stride(), out.row(y));
  return out;
}

bool isImageFile(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" || ext == ".tiff";
}

class FolderSource final : public FrameSource {
 public:
  FolderSource(fs::path dir, std::vector<fs::path> files, double fps)
      : dir_(std::move(dir)), files_(std::move(files)), period_ns_(static_cast<std::int64_t>(1e9 / fps)) {}

  core::Result<std::optional<CameraFrame>> next() override {
    if (next_ >= files_.size()) return std::optional<CameraFrame>{};
    const fs::path& file = files_[next_];
    cv::Mat mat = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    if (mat.empty()) {
      return core::makeError("cannot decode image", file.string(), "check the file is a valid PNG/JPEG or remove it from the folder");
    }
    CameraFrame f{fromMat(mat), static_cast<std::int64_t>(next_) * period_ns_, static_cast<int>(next_),
                  file.filename().string()};
    ++next_;
    return std::optional<CameraFrame>(std::move(f));
  }
  [[nodiscard]] std::string describe() const override {
    return dir_.string() + " (" + std::to_string(files_.size()) + " images)";
  }
  [[nodiscard]] int frameCountHint() const override { return static_cast<int>(files_.size()); }

 private:
  fs::path dir_;
  std::vector<fs::path> files_;
  std::int64_t period_ns_;
  size_t next_ = 0;
};

class VideoSource final : public FrameSource {
 public:
  VideoSource(std::string path, cv::VideoCapture cap) : path_(std::move(path)), cap_(std::move(cap)) {
    fps_ = cap_.get(cv::CAP_PROP_FPS);
    if (!(fps_ > 0 && fps_ < 1000)) fps_ = 30.0;
    count_ = static_cast<int>(cap_.get(cv::CAP_PROP_FRAME_COUNT));
  }
  core::Result<std::optional<CameraFrame>> next() override {
    cv::Mat mat;
    if (!cap_.read(mat) || mat.empty()) return std::optional<CameraFrame>{};
    CameraFrame f{fromMat(mat), static_cast<std::int64_t>(index_ * 1e9 / fps_), index_,
                  fs::path(path_).filename().string() + "#" + std::to_string(index_)};
    ++index_;
    return std::optional<CameraFrame>(std::move(f));
  }
  [[nodiscard]] std::string describe() const override { return path_ + " (video)"; }
  [[nodiscard]] int frameCountHint() const override { return count_ > 0 ? count_ : -1; }

 private:
  std::string path_;
  cv::VideoCapture cap_;
  double fps_ = 30;
  int count_ = -1;
  int index_ = 0;
};

// A live camera (V4L2 through OpenCV): frames time-stamped on the monotonic clock when they are read.
class WebcamSource final : public FrameSource {
 public:
  WebcamSource(std::string path, cv::VideoCapture cap) : path_(std::move(path)), cap_(std::move(cap)) {}
  core::Result<std::optional<CameraFrame>> next() override {
    cv::Mat mat;
    if (!cap_.read(mat) || mat.empty()) {
      return core::makeError("the camera stopped delivering frames", path_, "check the cable, or that no other program uses it");
    }
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    const std::int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    if (t0_ < 0) t0_ = t;
    CameraFrame f{fromMat(mat), t - t0_, index_, path_ + "#" + std::to_string(index_)};
    ++index_;
    return std::optional<CameraFrame>(std::move(f));
  }
  [[nodiscard]] std::string describe() const override { return path_ + " (live camera)"; }
  [[nodiscard]] int frameCountHint() const override { return -1; }
  [[nodiscard]] bool live() const override { return true; }

 private:
  std::string path_;
  cv::VideoCapture cap_;
  std::int64_t t0_ = -1;
  int index_ = 0;
};

// A recording played again from its start when it ends; capture times keep growing by one frame period.
class LoopingSource final : public FrameSource {
 public:
  LoopingSource(std::unique_ptr<FrameSource> source, std::string path, double fps)
      : source_(std::move(source)), path_(std::move(path)), fps_(fps) {}
  core::Result<std::optional<CameraFrame>> next() override {
    auto frame = source_->next();
    if (!frame.ok()) return frame.error();
    if (!frame->has_value() && frames_in_pass_ > 0) {
      auto reopened = openFrameSource(path_, fps_);
      if (!reopened.ok()) return reopened.error();
      source_ = std::move(*reopened);
      offset_ns_ = last_ns_ + static_cast<std::int64_t>(1e9 / fps_);
      frames_in_pass_ = 0;
      frame = source_->next();
      if (!frame.ok()) return frame.error();
    }
    if (!frame->has_value()) return frame;
    (*frame)->capture_time_ns += offset_ns_;
    last_ns_ = (*frame)->capture_time_ns;
    ++frames_in_pass_;
    return frame;
  }
  [[nodiscard]] std::string describe() const override { return source_->describe() + ", looped"; }
  [[nodiscard]] int frameCountHint() const override { return -1; }
  [[nodiscard]] bool live() const override { return source_->live(); }

 private:
  std::unique_ptr<FrameSource> source_;
  std::string path_;
  double fps_;
  std::int64_t offset_ns_ = 0, last_ns_ = 0;
  int frames_in_pass_ = 0;
};

}  // namespace

core::Result<std::unique_ptr<FrameSource>> openFrameSource(const std::string& path, double fps, bool loop) {
  auto source = openFrameSource(path, fps);
  if (!source.ok() || !loop || (*source)->live()) return source;
  return std::unique_ptr<FrameSource>(std::make_unique<LoopingSource>(std::move(*source), path, fps));
}

core::Result<std::unique_ptr<FrameSource>> openFrameSource(const std::string& path, double fps) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return core::makeError("camera input not found", path, "give a folder of images or a video file");
  }
  if (fps <= 0) return core::makeError("frame rate must be positive", path);
  if (path.rfind("/dev/video", 0) == 0) {
    const int index = std::atoi(path.c_str() + 10);
    cv::VideoCapture cap(index, cv::CAP_V4L2);
    if (!cap.isOpened()) {
      return core::makeError("cannot open the camera", path, "check that it is plugged in and that you may use it (group video)");
    }
    return std::unique_ptr<FrameSource>(new WebcamSource(path, std::move(cap)));
  }
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && isImageFile(entry.path())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return core::makeError("folder holds no images", path, "expected .png, .jpg, .bmp or .tif files");
    }
    return std::unique_ptr<FrameSource>(new FolderSource(path, std::move(files), fps));
  }
  if (isImageFile(path)) {
    return std::unique_ptr<FrameSource>(new FolderSource(fs::path(path).parent_path(), {fs::path(path)}, fps));
  }
  cv::VideoCapture cap(path, cv::CAP_FFMPEG);
  if (!cap.isOpened()) {
    return core::makeError("cannot open video", path, "use a video format FFmpeg reads (mp4, mkv, avi) or a folder of images");
  }
  return std::unique_ptr<FrameSource>(new VideoSource(path, std::move(cap)));
}

core::Result<core::Image> readImage(const std::string& path) {
  cv::Mat mat = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (mat.empty()) return core::makeError("cannot read image", path, "check the path and that the file is a PNG/JPEG");
  return fromMat(mat);
}

core::Status writePng(const std::string& path, const core::Image& image, int compression) {
  if (image.empty()) return core::makeError("empty image", path);
  cv::Mat view;
  switch (image.format) {
    case core::PixelFormat::Gray8:
      view = cv::Mat(image.height, image.width, CV_8UC1, const_cast<std::uint8_t*>(image.pixels.data()));
      break;
    case core::PixelFormat::Bgr8:
      view = cv::Mat(image.height, image.width, CV_8UC3, const_cast<std::uint8_t*>(image.pixels.data()));
      break;
    case core::PixelFormat::Rgba8: {
      cv::Mat rgba(image.height, image.width, CV_8UC4, const_cast<std::uint8_t*>(image.pixels.data()));
      cv::cvtColor(rgba, view, cv::COLOR_RGBA2BGRA);
      break;
    }
  }
  // Write to a temporary name and rename, so a reader never sees a half-written frame.
  const std::string tmp = path + ".tmp.png";
  try {
    if (!cv::imwrite(tmp, view, {cv::IMWRITE_PNG_COMPRESSION, compression})) {
      return core::makeError("cannot write PNG", path, "check the folder exists and is writable");
    }
  } catch (const cv::Exception& e) {
    return core::makeError(std::string("cannot write PNG: ") + e.what(), path);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return core::makeError("cannot rename " + tmp + ": " + ec.message(), path);
  return {};
}

}  // namespace rivet::platform
