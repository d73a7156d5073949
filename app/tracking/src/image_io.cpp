// Image files <-> core::Image through OpenCV's imgcodecs (kept inside tracking).
#include "rivet/tracking/image_io.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/imgproc.hpp>

#include "cv_convert.hpp"

namespace rivet::tracking {

core::Result<core::Image> loadImage(const std::string& path, bool gray) {
  if (!std::filesystem::exists(path)) return core::makeError("image file not found", path, "check the path");
  cv::Mat m;
  try {
    m = cv::imread(path, gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return core::makeError(std::string("cannot decode image: ") + e.what(), path, "use PNG or JPEG");
  }
  if (m.empty()) return core::makeError("cannot decode image", path, "use a PNG or JPEG file");
  return detail::fromMat(m);
}

core::Status saveImage(const std::string& path, const core::Image& image) {
  if (image.empty()) return core::makeError("cannot save an empty image", path);
  cv::Mat m = detail::asMat(image);
  cv::Mat out;
  if (image.format == core::PixelFormat::Rgba8) {
    cv::cvtColor(m, out, cv::COLOR_RGBA2BGRA);
  } else {
    out = m;
  }
  try {
    if (!cv::imwrite(path, out)) return core::makeError("cannot write image", path, "check the folder and extension");
  } catch (const cv::Exception& e) {
    return core::makeError(std::string("cannot write image: ") + e.what(), path, "use a .png or .jpg extension");
  }
  return {};
}

core::Image toGray(const core::Image& image) {
  if (image.format == core::PixelFormat::Gray8) return image;
  return detail::fromMat(detail::grayView(image));
}

namespace {
bool isImageFile(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".bmp" || e == ".tif" || e == ".tiff";
}
}  // namespace

struct FrameReader::Impl {
  std::vector<std::string> files;
  size_t next_file = 0;
  cv::VideoCapture video;
  std::string video_name;
  int video_index = 0;
  bool is_video = false;
  double fps = 30;
};

FrameReader::FrameReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameReader::FrameReader(FrameReader&&) noexcept = default;
FrameReader& FrameReader::operator=(FrameReader&&) noexcept = default;
FrameReader::~FrameReader() = default;

core::Result<FrameReader> FrameReader::open(const std::string& path) {
  namespace fs = std::filesystem;
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file() && isImageFile(e.path())) impl->files.push_back(e.path().string());
    }
    std::sort(impl->files.begin(), impl->files.end());
    if (impl->files.empty()) {
      return core::makeError("folder has no image files", path, "put .png or .jpg frames in it, or give a video");
    }
  } else if (!fs::exists(path, ec)) {
    return core::makeError("no such file or folder", path, "give an image, a folder of images or a video file");
  } else if (isImageFile(path)) {
    impl->files.push_back(path);
  } else {
    try {
      impl->video.open(path);
    } catch (const cv::Exception& e) {
      return core::makeError(std::string("cannot open video: ") + e.what(), path, "use an mp4/avi/mkv file");
    }
    if (!impl->video.isOpened()) {
      return core::makeError("cannot open as a video", path,
                             "give an image (.png/.jpg), a folder of images or a video file OpenCV can decode");
    }
    impl->is_video = true;
    impl->video_name = fs::path(path).filename().string();
    const double f = impl->video.get(cv::CAP_PROP_FPS);
    if (f > 0 && f < 1000) impl->fps = f;
  }
  return FrameReader(std::move(impl));
}

core::Result<bool> FrameReader::next(core::Image& frame, std::string& name) {
  if (impl_->is_video) {
    cv::Mat m;
    if (!impl_->video.read(m) || m.empty()) return false;
    name = impl_->video_name + "#" + std::to_string(impl_->video_index++);
    frame = detail::fromMat(m);
    return true;
  }
  if (impl_->next_file >= impl_->files.size()) return false;
  const std::string& f = impl_->files[impl_->next_file++];
  name = std::filesystem::path(f).filename().string();
  auto img = loadImage(f);
  if (!img) return img.error();
  frame = std::move(img.value());
  return true;
}

bool FrameReader::isVideo() const { return impl_->is_video; }
double FrameReader::fps() const { return impl_->fps; }

}  // namespace rivet::tracking
